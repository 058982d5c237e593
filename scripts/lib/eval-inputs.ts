// `npm run eval` inputs read on the Node side with the app's own parsers: the benchmark (SGP-MiniBench
// from the site's bundle, or a benchmark / SGP-CompBench file), imported outputs (JSONL, zip or folder)
// and a checkpoint's PEFT adapter folder.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { parseBenchChoice, selectItems } from '../../src/lib/eval/runner';
import { outputsFromFile, outputsFromFiles, type Outputs } from '../../src/lib/eval/sources';
import { readSafetensors } from '../../src/lib/models/safetensors';
import { BUNDLED_BENCHMARKS, loadBenchmark, parseBenchmarkFile, type BenchItem } from '../../src/lib/world';

/** The items a `--bench` flag names, at most `limit` per split. */
export function benchItems(spec: string, limit: number | null): { name: string; items: BenchItem[] } {
  const choice = parseBenchChoice(spec);
  if (choice.kind === 'minibench') {
    const bench = loadBenchmark(JSON.parse(readFileSync(join('public', BUNDLED_BENCHMARKS['sgp-minibench']!.path), 'utf8')));
    return { name: spec, items: selectItems(bench.items, choice.split, limit) };
  }
  let text: string;
  try {
    text = readFileSync(choice.path, 'utf8');
  } catch (err) {
    throw new Error(`--bench ${JSON.stringify(choice.path.slice(0, 100))}: not minibench[:split] and not a readable file (${(err as Error).message.slice(0, 120)})`);
  }
  const bench = parseBenchmarkFile(text, basename(choice.path));
  return { name: bench.name, items: selectItems(bench.items, null, limit) };
}

/** Program files under a folder, with paths relative to it. */
function walk(dir: string, root = dir): { path: string; text: string }[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = join(dir, e.name);
    if (e.isDirectory()) return walk(full, root);
    return e.isFile() ? [{ path: relative(root, full), text: readFileSync(full, 'utf8') }] : [];
  });
}

/** `--outputs FILE.jsonl | FILE.zip | FOLDER`. */
export function readOutputs(path: string): Outputs {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (err) {
    throw new Error(`--outputs ${JSON.stringify(path.slice(0, 100))}: cannot read it (${(err as Error).message.slice(0, 120)}); give a JSONL file of {id, output}, a zip or a folder of <id>.svg files, or 'references'`);
  }
  return isDir ? outputsFromFiles(walk(path)) : outputsFromFile(basename(path), new Uint8Array(readFileSync(path)));
}

/**
 * `--checkpoint DIR`: a PEFT adapter as the Train page or trainer.exportAdapter writes it. Both files are
 * read and parsed here, so a missing or corrupt one is named before Chromium starts; the page checks
 * rank, modules and shapes against the policy when it imports the adapter.
 */
export function readAdapter(dir: string): { config: string; safetensorsBase64: string } {
  const read = (file: string): Buffer => {
    try {
      return readFileSync(join(dir, file));
    } catch (err) {
      throw new Error(`--checkpoint ${JSON.stringify(dir.slice(0, 100))}: cannot read ${file} (${(err as Error).message.slice(0, 120)}); give a folder with adapter_config.json and adapter_model.safetensors (a PEFT LoRA adapter, as the Train page exports)`);
    }
  };
  const config = read('adapter_config.json').toString('utf8');
  const weights = read('adapter_model.safetensors');
  try {
    JSON.parse(config);
  } catch (err) {
    throw new Error(`--checkpoint: ${join(dir, 'adapter_config.json').slice(-120)} is not JSON (${(err as Error).message.slice(0, 100)})`);
  }
  try {
    readSafetensors(new Uint8Array(weights));
  } catch (err) {
    throw new Error(`--checkpoint: ${join(dir, 'adapter_model.safetensors').slice(-120)} is not a readable safetensors file (${(err as Error).message.slice(0, 160)})`);
  }
  return { config, safetensorsBase64: weights.toString('base64') };
}
