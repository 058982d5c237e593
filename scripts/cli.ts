// Headless CLI: `npm run <command> -- …` drives the built app's real code (workers included) in
// headless Chromium and prints one JSON object per line; the last line is a summary object.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { openSession, openHeadless } from './lib/browser';
import { prepareProgram } from '../src/lib/program/prepare';
import { detectLanguage, extractPython, outputLine, type PythonExtraction } from '../src/lib/program/python';
import { DEFAULT_RENDER_SIZE } from '../src/lib/render/rasterize';
import type { HeadlessApi } from '../src/headless';
import type { HeadlessImage } from '../src/headless-reward';
import { DEFAULT_PRESET, presetFromUrl, presetToUrl } from '../src/lib/reward/presets';
import { benchItems, readAdapter, readOutputs } from './lib/eval-inputs';
import { DEFAULT_EVAL_CONFIG } from '../src/lib/eval/runner';
import { metrics, summarize, type ItemResult } from '../src/lib/eval/metrics';
import { runFile } from '../src/lib/eval/report';
import { sourceLabel, type SourceSpec } from '../src/lib/workers/eval-deps';
import { DEFAULT_GRPO_CONFIG } from '../src/lib/rl/grpo';

type Win = { sgp: HeadlessApi };
/** `flags` keeps the last value of each flag; `all` every value of a repeatable one (`--prompt A --prompt B`). */
type Args = { positional: string[]; flags: Record<string, string | true>; all: Record<string, string[]> };

function parseArgs(argv: string[]): Args {
  const out: Args = { positional: [], flags: {}, all: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) out.positional.push(a);
    else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) {
      out.flags[a.slice(2)] = argv[++i]!;
      (out.all[a.slice(2)] ??= []).push(argv[i]!);
    } else out.flags[a.slice(2)] = true;
  }
  return out;
}

/** A numeric flag, or its default; anything else is refused with the flag's name. */
function numberFlag(flags: Args['flags'], name: string, fallback: number): number {
  const v = flags[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (v === true || !Number.isFinite(n)) throw new Error(`--${name} needs a number, got ${JSON.stringify(v).slice(0, 100)}`);
  return n;
}

const emit = (obj: unknown) => console.log(JSON.stringify(obj));
/** A program's output in one JSON line stays readable: the worker caps it at 16 KiB, a line at 2,000 characters. */
const capped = (s: string, max = 2000): string => (s.length > max ? `${s.slice(0, max)}… [${s.length - max} more characters cut]` : s);

/** Builds dist/ when it is missing (or on --rebuild), so a fresh clone can run any command. */
function ensureBuilt(rebuild: boolean): void {
  if (existsSync('dist/headless.html') && !rebuild) return;
  const r = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error('vite build failed');
}

const COMMANDS: Record<string, { usage: string; run: (args: Args) => Promise<boolean> }> = {
  render: {
    usage: 'npm run render -- FILE… [--size 224] [--out DIR] [--workers 2] [--timeout-ms 2000 (SVG), 3000 (Python)]',
    async run({ positional: files, flags }) {
      if (files.length === 0) throw new Error(`no input files; usage: ${COMMANDS.render!.usage}`);
      const size = Number(flags.size ?? DEFAULT_RENDER_SIZE);
      const timeoutMs = Number(flags['timeout-ms'] ?? 2000);
      const pyTimeoutMs = flags['timeout-ms'] === undefined ? undefined : timeoutMs; // else the Python runner's default
      const out = typeof flags.out === 'string' ? flags.out : null;
      if (out) mkdirSync(out, { recursive: true });
      ensureBuilt(flags.rebuild === true);
      const session = await openSession();
      let okCount = 0;
      const t0 = performance.now();
      try {
        const page = await openHeadless(session, { workers: Number(flags.workers ?? 2) });
        const texts = files.map((file) => {
          try {
            return readFileSync(file, 'utf8');
          } catch (err) {
            return new Error(`cannot read file: ${(err as Error).message}`);
          }
        });
        // Pyodide's start-up (seconds) is paid before the first Python file, not counted against it.
        // (A renderer that cannot start reports why on each Python file.)
        if (texts.some((t, i) => typeof t === 'string' && detectLanguage(t, files[i]) === 'python'))
          await page.evaluate(() => (window as unknown as Win).sgp.renderPythonWarm()).catch(() => undefined);
        for (const [i, file] of files.entries()) {
          const text = texts[i]!;
          if (text instanceof Error) {
            emit({ file, ok: false, error: text.message, ms: 0, width: 0, height: 0 });
            continue;
          }
          if (detectLanguage(text, file) === 'python') {
            // A .py file is the program as written; model output has its program extracted.
            const x: PythonExtraction = /\.py$/i.test(file) ? { kind: 'complete', code: text, start: 0, end: text.length, inAnswer: false, inFence: false } : extractPython(text);
            const r = await page.evaluate(([code, o]) => (window as unknown as Win).sgp.renderPython(code, o), [
              x.code,
              { size, png: out !== null, ...(pyTimeoutMs ? { timeoutMs: pyTimeoutMs } : {}) },
            ] as const);
            if (r.ok && out && r.png) writeFileSync(join(out, `${basename(file).replace(/\.[^.]*$/, '')}.png`), Buffer.from(r.png, 'base64'));
            if (r.ok) okCount++;
            emit({
              file,
              language: 'python',
              ok: r.ok,
              // line: in the program; fileLine: in the file, where the program was extracted from model output.
              ...(r.error ? { error: `${r.error.code}: ${r.error.message}` } : {}),
              ...(r.error?.line ? { line: r.error.line, fileLine: outputLine(text, x, r.error.line) } : {}),
              ...(x.kind === 'partial' ? { partial: true } : {}),
              ms: Math.round(r.ms * 10) / 10,
              width: r.width,
              height: r.height,
              stdout: capped(r.stdout),
              stderr: capped(r.stderr),
            });
            continue;
          }
          const { extraction, svg } = prepareProgram(text);
          if (extraction.kind === 'none') {
            emit({ file, ok: false, error: 'no <svg> program found in the file', ms: 0, width: 0, height: 0 });
            continue;
          }
          const r = await page.evaluate(([svg, o]) => (window as unknown as Win).sgp.render(svg, o), [
            svg,
            { size, timeoutMs, png: out !== null },
          ] as const);
          if (r.ok && out && r.png) writeFileSync(join(out, `${basename(file).replace(/\.[^.]*$/, '')}.png`), Buffer.from(r.png, 'base64'));
          if (r.ok) okCount++;
          emit({
            file,
            ok: r.ok,
            ...(r.error ? { error: `${r.error.code}: ${r.error.message}` } : {}),
            ...(extraction.kind === 'partial' ? { partial: true } : {}),
            ms: Math.round(r.ms * 10) / 10,
            width: r.width,
            height: r.height,
          });
        }
      } finally {
        await session.close();
      }
      emit({ summary: true, command: 'render', files: files.length, ok: okCount, failed: files.length - okCount, ms: Math.round(performance.now() - t0) });
      return true;
    },
  },
};

COMMANDS.sample = {
  usage: 'npm run sample -- --prompt TEXT [--prompt TEXT…] [--n 8] [--seed 0] [--temperature 1] [--top-k 0] [--top-p 1] [--max-new-tokens 700] [--backend wasm|webgpu] [--model sgp-tiny-policy] [--variant model]',
  async run({ flags, all }) {
    const prompts = all.prompt ?? [];
    if (prompts.length === 0) throw new Error(`no --prompt given; usage: ${COMMANDS.sample!.usage}`);
    const model = typeof flags.model === 'string' ? flags.model : 'sgp-tiny-policy';
    // Until the model registry lands, the bundled policy is the only model.
    if (model !== 'sgp-tiny-policy') throw new Error(`unknown model '${model.slice(0, 100)}'; available: sgp-tiny-policy`);
    const backend = flags.backend ?? 'wasm';
    if (backend !== 'wasm' && backend !== 'webgpu') throw new Error(`--backend must be wasm or webgpu, got ${JSON.stringify(backend).slice(0, 100)}`);
    const variant = typeof flags.variant === 'string' ? flags.variant : 'model';
    const params = {
      n: numberFlag(flags, 'n', 8),
      seed: numberFlag(flags, 'seed', 0),
      temperature: numberFlag(flags, 'temperature', 1),
      topK: numberFlag(flags, 'top-k', 0),
      topP: numberFlag(flags, 'top-p', 1),
      maxNewTokens: numberFlag(flags, 'max-new-tokens', 700),
    };
    ensureBuilt(flags.rebuild === true);
    const session = await openSession();
    let [count, valid, tokens, ms] = [0, 0, 0, 0];
    try {
      const page = await openHeadless(session, { workers: 2 });
      const info = await page.evaluate(([v, b]) => (window as unknown as Win).sgp.policyLoad(v, b), [variant, backend] as const);
      if (info.device !== backend) throw new Error(`asked for ${backend}, the policy runs on ${info.device}: ${info.notice ?? ''}`);
      for (const prompt of prompts) {
        const r = await page.evaluate(([p, q]) => (window as unknown as Win).sgp.sample(p, q), [prompt, params] as const);
        for (const s of r.samples) {
          emit({ prompt, i: s.i, program: s.program, tokens: s.tokens.length, valid: s.valid, ...(s.error ? { error: s.error } : {}), ms: Math.round(s.ms) });
          count++;
          if (s.valid) valid++;
        }
        tokens += r.newTokens;
        ms += r.totalMs;
      }
    } finally {
      await session.close();
    }
    const { n: group, topK: top_k, topP: top_p, maxNewTokens: max_new_tokens, seed, temperature } = params;
    emit({ summary: true, command: 'sample', model, variant, backend, group, seed, temperature, top_k, top_p, max_new_tokens, n: count, valid_rate: count ? +(valid / count).toFixed(3) : 0, tok_s: ms ? Math.round((tokens * 1000) / ms) : 0 });
    return true;
  },
};

COMMANDS.score = {
  usage: 'npm run score -- (--prompt TEXT | --item BENCH_ID) (--file PROGRAM… | --stdin) [--preset NAME|URL-FORM] [--reference IMAGE|SVG] [--backend wasm|webgpu]',
  async run({ flags, all }) {
    const usage = `usage: ${COMMANDS.score!.usage}`;
    const prompt = typeof flags.prompt === 'string' ? flags.prompt : undefined;
    const item = typeof flags.item === 'string' ? flags.item : undefined;
    if ((prompt === undefined) === (item === undefined)) throw new Error(`give one of --prompt TEXT or --item BENCH_ID (a SGP-MiniBench id such as object-0000); ${usage}`);
    const files = all.file ?? [];
    if (files.length === 0 && flags.stdin !== true) throw new Error(`no program given: --file PROGRAM (repeatable) or --stdin; ${usage}`);
    if (files.length > 0 && flags.stdin === true) throw new Error(`give --file or --stdin, not both; ${usage}`);
    // Refused here, before a browser starts; the page parses the same text again.
    const preset = presetFromUrl(typeof flags.preset === 'string' ? flags.preset : DEFAULT_PRESET);
    const backend = flags.backend ?? 'wasm';
    if (backend !== 'wasm' && backend !== 'webgpu') throw new Error(`--backend must be wasm or webgpu, got ${JSON.stringify(backend).slice(0, 100)}`);
    const read = (file: string): Buffer => {
      try {
        return readFileSync(file === '-' ? 0 : file);
      } catch (err) {
        throw new Error(`cannot read ${file.slice(0, 200)}: ${(err as Error).message}`);
      }
    };
    const names = flags.stdin === true ? ['-'] : files;
    const programs = names.map((f) => read(f).toString('utf8'));
    let reference: { svg: string } | HeadlessImage | undefined;
    if (typeof flags.reference === 'string') {
      const bytes = read(flags.reference);
      // An SVG reference renders through the pool like the world's; anything else must be an image.
      const text = bytes.subarray(0, 512).toString('utf8').trimStart();
      reference = /\.svg$/i.test(flags.reference) || text.startsWith('<') ? { svg: bytes.toString('utf8') } : { image: bytes.toString('base64'), name: basename(flags.reference) };
    } else if (flags.reference !== undefined) throw new Error(`--reference needs a file (PNG, JPEG, GIF, WebP or SVG); ${usage}`);
    ensureBuilt(flags.rebuild === true);
    const session = await openSession();
    try {
      const page = await openHeadless(session, { workers: 2 });
      await page.evaluate((device) => (window as unknown as Win).sgp.encodersLoad({ device }), backend as 'wasm' | 'webgpu');
      const req = { programs, preset: presetToUrl(preset), ...(prompt !== undefined ? { prompt } : { item: item! }), ...(reference ? { reference } : {}) };
      const r = await page.evaluate((q) => (window as unknown as Win).sgp.scoreGroup(q), req);
      for (const [k, s] of r.samples.entries()) {
        const b = s.breakdown;
        emit({
          file: names[k], i: s.i, preset: r.preset, valid: s.valid, ...(s.error ? { error: s.error } : {}),
          reward: s.reward, rank: b.rank, gated_by: b.gatedBy,
          terms: s.terms,
          breakdown: b.terms.map(({ term, raw, value, weight, transform }) => ({ term, raw, value, weight, transform })),
        });
      }
      const rewards = r.samples.map((s) => s.reward);
      emit({
        summary: true, command: 'score', prompt: r.prompt, item: r.item, preset: r.preset, encoders: r.encoders,
        reference: reference ? ('svg' in reference ? 'svg' : reference.name) : r.item ? 'world' : null,
        n: rewards.length, valid: r.samples.filter((s) => s.valid).length,
        mean_reward: rewards.length ? rewards.reduce((a, b) => a + b, 0) / rewards.length : 0,
        ms: Math.round(r.ms.total),
      });
    } finally {
      await session.close();
    }
    return true;
  },
};

COMMANDS.eval = {
  usage: 'npm run eval -- --bench minibench[:object|scene|compositional|heldout]|FILE (--policy ID [--variant V] [--backend wasm|webgpu] | --checkpoint DIR (PEFT adapter of sgp-tiny-policy) | --outputs FILE.jsonl|FILE.zip|FOLDER|references) [--samples 4] [--temperature 1] [--limit N per split] [--seed 0] [--max-new-tokens 700] [--out FILE.json]',
  async run({ flags }) {
    const usage = COMMANDS.eval!.usage;
    if (typeof flags.bench !== 'string') throw new Error(`no --bench given; usage: ${usage}`);
    const limit = flags.limit === undefined ? null : numberFlag(flags, 'limit', 0);
    const { name: bench, items } = benchItems(flags.bench, limit);
    const config = {
      samples: numberFlag(flags, 'samples', DEFAULT_EVAL_CONFIG.samples),
      temperature: numberFlag(flags, 'temperature', DEFAULT_EVAL_CONFIG.temperature),
      seed: numberFlag(flags, 'seed', DEFAULT_EVAL_CONFIG.seed),
      maxNewTokens: numberFlag(flags, 'max-new-tokens', DEFAULT_EVAL_CONFIG.maxNewTokens),
    };
    let source: SourceSpec;
    const given = ['policy', 'outputs', 'checkpoint'].filter((f) => flags[f] !== undefined);
    if (given.length !== 1) throw new Error(`give exactly one of --policy ID, --checkpoint DIR or --outputs FILE|references (got ${given.map((f) => `--${f}`).join(', ') || 'none'}); usage: ${usage}`);
    if (flags.checkpoint !== undefined) {
      if (typeof flags.checkpoint !== 'string') throw new Error(`--checkpoint needs a folder holding adapter_config.json and adapter_model.safetensors; usage: ${usage}`);
      source = { kind: 'checkpoint', name: basename(flags.checkpoint.replace(/\/+$/, '')) || flags.checkpoint, adapter: readAdapter(flags.checkpoint) };
    } else if (typeof flags.policy === 'string') {
      const backend = flags.backend ?? 'wasm';
      if (backend !== 'wasm' && backend !== 'webgpu') throw new Error(`--backend must be wasm or webgpu, got ${JSON.stringify(backend).slice(0, 100)}`);
      source = { kind: 'policy', id: flags.policy, device: backend, ...(typeof flags.variant === 'string' ? { variant: flags.variant } : {}) };
    } else if (flags.outputs === 'references') source = { kind: 'references' };
    else if (typeof flags.outputs === 'string') source = { kind: 'outputs', name: basename(flags.outputs), outputs: [...readOutputs(flags.outputs)].map(([id, o]) => [id, [...o]]) };
    else throw new Error(`--${given[0]} needs a value; usage: ${usage}`);
    ensureBuilt(flags.rebuild === true);
    const session = await openSession();
    const results: ItemResult[] = [];
    const missing: string[] = [];
    const t0 = performance.now();
    let run;
    try {
      const page = await openHeadless(session, { workers: 2 });
      await page.exposeFunction('sgpEvalItem', (r: ItemResult) => {
        results.push(r);
        const m = metrics([r]);
        emit({ id: r.id, split: r.split, category: r.category, success_rate: m.success_rate, siglip_score: m.siglip_score, dino_score: m.dino_score, diversity: r.diversity, verifier_accuracy: m.verifier_accuracy, ms: Math.round(r.ms), samples: r.samples.map(({ output: _o, checks: _c, ...s }) => s) });
      });
      await page.exposeFunction('sgpEvalMissing', (id: string) => void missing.push(id));
      run = await page.evaluate((req) => (window as unknown as Win).sgp.evalRun(req), { items, source, config });
    } finally {
      await session.close();
    }
    const { per_category, per_split, ...overall } = summarize(results);
    const seconds = (performance.now() - t0) / 1000;
    const head = { bench, source: sourceLabel(source), config, encoders: run.encoders, missing: missing.length };
    if (typeof flags.out === 'string') writeFileSync(flags.out, `${JSON.stringify(runFile({ bench, source: head.source, config, encoders: run.encoders, missing }, results))}\n`);
    emit({ summary: true, command: 'eval', ...head, ...overall, per_category, per_split, items_s: +(results.length / seconds).toFixed(3), seconds: Math.round(seconds) });
    return results.length > 0;
  },
};

/** Steps per window of the valid-rate minimum (5 steps of 2 groups of 8 = 80 programs). */
const VALID_WINDOW = 5;
/** Means of consecutive `size`-long windows (a shorter tail is its own window). */
const windowMeans = (xs: number[], size: number): number[] =>
  Array.from({ length: Math.ceil(xs.length / size) }, (_, i) => xs.slice(i * size, (i + 1) * size)).map((w) => w.reduce((a, b) => a + b, 0) / w.length);

COMMANDS.rl = {
  usage: 'npm run rl -- --steps N --seed S --preset NAME --split SPLIT [--backend wasm|webgpu] [--sampler wasm|webgpu|auto] [--lr 1e-3] [--prompts-per-step 2] [--group 8] [--objective grpo|dr-grpo] [--kl-beta 0] [--heldout 16] [--heldout-samples 8]',
  async run({ flags }) {
    const text = (name: string, fallback: string): string => (typeof flags[name] === 'string' ? (flags[name] as string) : fallback);
    const backend = text('backend', 'wasm');
    if (backend !== 'wasm' && backend !== 'webgpu') throw new Error(`--backend must be wasm or webgpu, got ${JSON.stringify(backend).slice(0, 100)}`);
    // where the LoRA sampler decodes; default with the step (--backend)
    const sampler = text('sampler', backend);
    if (sampler !== 'wasm' && sampler !== 'webgpu' && sampler !== 'auto') throw new Error(`--sampler must be wasm, webgpu or auto, got ${JSON.stringify(sampler).slice(0, 100)}`);
    const objective = text('objective', 'grpo');
    if (objective !== 'grpo' && objective !== 'dr-grpo') throw new Error(`--objective must be grpo or dr-grpo, got ${JSON.stringify(objective).slice(0, 100)}`);
    const steps = numberFlag(flags, 'steps', 30);
    const init = {
      split: text('split', 'compositional'),
      seed: numberFlag(flags, 'seed', 1),
      preset: text('preset', 'verifiable'),
      backend: backend as 'wasm' | 'webgpu',
      sampler: sampler as 'wasm' | 'webgpu' | 'auto',
      heldout: numberFlag(flags, 'heldout', 16),
      heldoutSamples: numberFlag(flags, 'heldout-samples', 8),
      config: {
        lr: numberFlag(flags, 'lr', DEFAULT_GRPO_CONFIG.lr),
        promptsPerStep: numberFlag(flags, 'prompts-per-step', DEFAULT_GRPO_CONFIG.promptsPerStep),
        group: numberFlag(flags, 'group', DEFAULT_GRPO_CONFIG.group),
        maxNewTokens: numberFlag(flags, 'max-new-tokens', DEFAULT_GRPO_CONFIG.maxNewTokens),
        klBeta: numberFlag(flags, 'kl-beta', DEFAULT_GRPO_CONFIG.klBeta),
        objective: objective as 'grpo' | 'dr-grpo',
      },
    };
    ensureBuilt(flags.rebuild === true);
    const t0 = performance.now();
    const session = await openSession();
    try {
      const page = await openHeadless(session, { workers: 2 });
      const started = await page.evaluate((o) => (window as unknown as Win).sgp.rlInit(o), init);
      if (started.info.device !== backend) throw new Error(`asked for ${backend}, the learner runs on ${started.info.device}: ${started.info.notice ?? ''}`);
      emit({ start: true, split: init.split, seed: init.seed, preset: init.preset, backend, sampler: started.info.samplerDevice, config: started.config, heldout: started.heldout });
      const before = await page.evaluate(() => (window as unknown as Win).sgp.rlHeldOut());
      emit({ heldout: 'before', reward: before.reward, valid_rate: before.valid_rate });
      const stepValid: number[] = [];
      for (let s = 0; s < steps; s++) {
        const line = await page.evaluate(() => (window as unknown as Win).sgp.rlStep());
        if (line.valid_rate !== null) stepValid.push(line.valid_rate);
        emit(line);
      }
      const after = await page.evaluate(() => (window as unknown as Win).sgp.rlHeldOut());
      const recoveries = await page.evaluate(() => (window as unknown as Win).sgp.rlRecoveries());
      emit({
        summary: true, command: 'rl', split: init.split, seed: init.seed, preset: init.preset, backend, steps,
        heldout_reward_before: before.reward, heldout_reward_after: after.reward,
        heldout_relative_gain: before.reward > 0 ? +(after.reward / before.reward - 1).toFixed(4) : null,
        heldout_valid_before: before.valid_rate, heldout_valid_after: after.valid_rate,
        // One step is 16 samples, so a single failed program reads 0.94: the minimum is taken over windows of
        // VALID_WINDOW steps (and both held-out measurements); the per-step minimum is reported beside it.
        valid_rate_min: +Math.min(before.valid_rate, after.valid_rate, ...windowMeans(stepValid, VALID_WINDOW)).toFixed(3),
        valid_rate_window_steps: VALID_WINDOW, valid_rate_min_step: Math.min(...stepValid),
        recoveries, seconds: Math.round((performance.now() - t0) / 1000),
      });
    } finally {
      await session.close();
    }
    return true;
  },
};

const [name, ...rest] = process.argv.slice(2);
const command = name ? COMMANDS[name] : undefined;
if (!command) {
  console.error(`unknown command '${name ?? ''}'; one of: ${Object.keys(COMMANDS).join(', ')}`);
  process.exit(2);
}
command.run(parseArgs(rest)).then(
  (ok) => process.exit(ok ? 0 : 1),
  (err) => {
    emit({ summary: true, command: name, ok: false, error: err instanceof Error ? err.message : String(err) });
    process.exit(1);
  },
);
