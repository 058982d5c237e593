// Imported outputs: programs that another model (or a person) produced, keyed by benchmark item id.
// Three shapes, one result (id → outputs, in file order):
//   JSONL   one {"id": …, "output": …} per line; an id may repeat (several samples per prompt);
//   folder  files named <id>.<ext> or <id>__<k>.<ext> (k = sample number), any sub-folder;
//   zip     the same names inside a .zip (unpacked with fflate).
// Pure: the CLI and the page read the bytes, this file only parses them.
import { unzipSync } from 'fflate';
import { describe } from '../world/validate.ts';

export type Outputs = ReadonlyMap<string, readonly string[]>;

/** Caps that keep a real export well inside (1,700 items × 8 samples of ≤ 8 KB) and a hostile file cheap to refuse. */
export const OUTPUT_LIMITS = Object.freeze({
  /** Bytes of a JSONL file, and of all files unpacked from a zip or folder together. */
  bytes: 128 * 2 ** 20,
  /** Outputs in all (lines or files). */
  outputs: 100_000,
  /** One output: the renderer refuses larger programs anyway. */
  outputChars: 512 * 1024,
  idChars: 200,
});

/** Program files taken from a folder or a zip; other files (README, PNGs) are skipped. */
const PROGRAM_EXT = /\.(svg|py|txt)$/i;

export class OutputsError extends Error {
  override name = 'OutputsError';
}

const fail = (msg: string): never => {
  throw new OutputsError(`outputs: ${msg}`);
};

function add(map: Map<string, string[]>, id: string, output: string, where: string): void {
  if (id === '' || id.length > OUTPUT_LIMITS.idChars) fail(`${where}: id must be 1–${OUTPUT_LIMITS.idChars} characters, got ${describe(id)}`);
  if (output.length > OUTPUT_LIMITS.outputChars) fail(`${where}: output is ${output.length} characters; at most ${OUTPUT_LIMITS.outputChars}`);
  const list = map.get(id);
  if (list) list.push(output);
  else map.set(id, [output]);
}

const count = (map: Map<string, string[]>): number => [...map.values()].reduce((n, l) => n + l.length, 0);

/** JSONL `{id, output}` lines → outputs per id. Blank lines are skipped; anything else wrong names its line. */
export function parseOutputsJsonl(text: string, fileName = 'outputs.jsonl'): Outputs {
  if (text.length > OUTPUT_LIMITS.bytes) fail(`${describe(fileName)} is ${(text.length / 2 ** 20).toFixed(1)} MiB; at most ${OUTPUT_LIMITS.bytes / 2 ** 20} MiB`);
  const map = new Map<string, string[]>();
  const lines = text.split('\n');
  for (const [k, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const where = `${describe(fileName)} line ${k + 1}`;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      fail(`${where} is not JSON (${describe(line)}); each line must be {"id": "…", "output": "…"}`);
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return fail(`${where} must be an object {"id", "output"}, got ${describe(obj)}`);
    const { id, output } = obj as Record<string, unknown>;
    if (typeof id !== 'string') fail(`${where}: "id" must be a string, got ${describe(id)}`);
    if (typeof output !== 'string') fail(`${where}: "output" must be a string, got ${describe(output)}`);
    add(map, id as string, output as string, where);
    if (count(map) > OUTPUT_LIMITS.outputs) fail(`${describe(fileName)} has more than ${OUTPUT_LIMITS.outputs} outputs`);
  }
  if (map.size === 0) fail(`${describe(fileName)} has no {"id", "output"} lines`);
  return map;
}

/** `dir/<id>__3.svg` → `<id>`: the file's name without its extension and sample number. */
export function idFromFileName(path: string): string {
  const stem = (path.split('/').pop() ?? path).replace(PROGRAM_EXT, '');
  return stem.replace(/__\d+$/, '');
}

/** Program files (path + text) → outputs per id, in path order so that sample numbers keep their order. */
export function outputsFromFiles(files: readonly { path: string; text: string }[]): Outputs {
  const programs = files.filter((f) => PROGRAM_EXT.test(f.path) && !f.path.split('/').some((p) => p.startsWith('.')));
  if (programs.length > OUTPUT_LIMITS.outputs) fail(`${programs.length} program files; at most ${OUTPUT_LIMITS.outputs}`);
  const bytes = programs.reduce((n, f) => n + f.text.length, 0);
  if (bytes > OUTPUT_LIMITS.bytes) fail(`the program files hold ${(bytes / 2 ** 20).toFixed(1)} MiB; at most ${OUTPUT_LIMITS.bytes / 2 ** 20} MiB`);
  const sorted = [...programs].sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }));
  const map = new Map<string, string[]>();
  for (const f of sorted) add(map, idFromFileName(f.path), f.text, describe(f.path));
  if (map.size === 0) fail('no program files (<id>.svg, <id>.py, <id>.txt, or <id>__<k>.<ext>) found');
  return map;
}

/** A zip of program files → outputs per id. Sizes are checked from the zip's directory before anything is inflated. */
export function outputsFromZip(bytes: Uint8Array): Outputs {
  let total = 0;
  let files = 0;
  const entries = unzipSync(bytes, {
    filter: (f) => {
      if (!PROGRAM_EXT.test(f.name)) return false;
      total += f.originalSize;
      if (++files > OUTPUT_LIMITS.outputs) fail(`the zip holds more than ${OUTPUT_LIMITS.outputs} program files`);
      if (total > OUTPUT_LIMITS.bytes) fail(`the zip's program files unpack to more than ${OUTPUT_LIMITS.bytes / 2 ** 20} MiB`);
      return true;
    },
  });
  const decoder = new TextDecoder();
  return outputsFromFiles(Object.entries(entries).map(([path, data]) => ({ path, text: decoder.decode(data) })));
}

/** Dispatch on the file name: .zip → zip, anything else → JSONL. */
export function outputsFromFile(fileName: string, bytes: Uint8Array): Outputs {
  if (/\.zip$/i.test(fileName)) return outputsFromZip(bytes);
  if (bytes.length > OUTPUT_LIMITS.bytes) fail(`${describe(fileName)} is ${(bytes.length / 2 ** 20).toFixed(1)} MiB; at most ${OUTPUT_LIMITS.bytes / 2 ** 20} MiB`);
  return parseOutputsJsonl(new TextDecoder().decode(bytes), fileName);
}
