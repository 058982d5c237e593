// `npm run bench`: SVG renders per second through the app's worker pool in headless Chromium
// (1 and 2 workers) against native @resvg/resvg-js in Node on the same fixed set of SVGs, then the
// policy's decode speed through the app's sampler (scripts/lib/bench-decode.ts).
// Trials alternate between the contenders and each reports its best trial, so load from other
// processes on a shared machine skews the ratio less. Prints JSON lines; the last is a summary.
// Then one GRPO train step in the ml worker against PyTorch CPU eager (scripts/lib/bench-train.ts),
// encoders and "score a group of 8" (scripts/lib/bench-encoders.ts), and evaluation items/s
// (scripts/lib/bench-eval.ts), and one GRPO iteration of 8 samples split into sample / render / score / train
// (scripts/lib/bench-grpo.ts). BENCH_SECTIONS=svg,decode,train,encoders,eval,grpo (comma-separated) picks parts.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Resvg } from '@resvg/resvg-js';
import type { Page } from 'playwright-core';
import { DEFAULT_RENDER_SIZE, rasterize, type ResvgLike } from '../src/lib/render/rasterize';
import { openSession, openHeadless } from './lib/browser';
import { benchDecode, benchLoraSampler, type DecodeResult } from './lib/bench-decode';
import { benchEval, type EvalSpeed } from './lib/bench-eval';
import { benchEncoders, type EncoderSummary } from './lib/bench-encoders';
import { benchTrain, type TrainResult } from './lib/bench-train';
import { benchGrpo, type GrpoIteration } from './lib/bench-grpo';
import type { HeadlessApi } from '../src/headless';
import { chooseVariant, DEFAULT_POLICY, MODELS } from '../src/lib/models/registry';

type Win = { sgp: HeadlessApi };
const SIZE = DEFAULT_RENDER_SIZE;
const SECTIONS = (process.env.BENCH_SECTIONS ?? 'svg,decode,train,encoders,eval,grpo').split(',');
// Train-step buckets timed: 256 holds the bench's sampled group; 384 is the size the figures use.
const TRAIN_SEQS = (process.env.BENCH_TRAIN_SEQS ?? '256,384').split(',').map(Number);
// The CPU anchors (PyTorch generate, native onnxruntime) decode the same count: the cache grows with it.
const DECODE_TOKENS = Number(process.env.BENCH_DECODE_TOKENS ?? 200);
const DECODE_THREADS = Number(process.env.BENCH_DECODE_THREADS ?? 2);
// The variant the app loads on WASM (registry.chooseVariant), measured against fp32.
const DEFAULT_VARIANT = chooseVariant(MODELS[DEFAULT_POLICY]!, { device: 'wasm', shaderF16: false }).name;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8); // passes over the set per trial
const TRIALS = Number(process.env.BENCH_TRIALS ?? 3);
const DIR = 'tests/fixtures/bench-svgs';

const emit = (obj: unknown) => console.log(JSON.stringify(obj));

const svgs = readdirSync(DIR)
  .filter((f) => f.endsWith('.svg'))
  .sort()
  .map((f) => readFileSync(join(DIR, f), 'utf8'));
if (svgs.length < 50) throw new Error(`bench needs ≥ 50 SVGs in ${DIR}, found ${svgs.length}`);
const work = Array.from({ length: ROUNDS }, () => svgs).flat();

// Native: single-threaded resvg-js through the same rasterize() (same limits, sizing, letterboxing).
const font = { fontFiles: ['public/fonts/DejaVuSans.ttf'], loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' };
function native(): { ms: number; failed: number } {
  const t0 = performance.now();
  let failed = 0;
  for (const svg of work) if (!rasterize(Resvg as unknown as ResvgLike, svg, { size: SIZE, font, noFont: { fontFiles: [], loadSystemFonts: false } }).ok) failed++;
  return { ms: performance.now() - t0, failed };
}

if (spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' }).status !== 0) throw new Error('vite build failed');
const session = await openSession();
const best: Record<string, number> = {};
let decode: DecodeResult[] = [];
let evalSpeed: EvalSpeed[] = [];
let encoders: EncoderSummary = {};
let train: TrainResult[] = [];
let grpo: { best: GrpoIteration | null; mean_total_ms: number | null } | null = null;
const record = (name: string, r: { ms: number; failed: number }, trial: number) => {
  const perS = work.length / (r.ms / 1000);
  best[name] = Math.max(best[name] ?? 0, perS);
  emit({ bench: name, trial, renders: work.length, failed: r.failed, ms: Math.round(r.ms), per_s: +perS.toFixed(1) });
};
try {
  const pages: Record<number, Page> = {};
  for (const workers of SECTIONS.includes('svg') ? [1, 2] : []) {
    pages[workers] = await openHeadless(session, { workers });
    await pages[workers]!.evaluate((s) => (window as unknown as Win).sgp.renderAll(s), svgs); // warm-up
  }
  if (SECTIONS.includes('svg')) native(); // warm-up
  for (let trial = 1; trial <= (SECTIONS.includes('svg') ? TRIALS : 0); trial++) {
    record('svg_native_resvg_js', native(), trial);
    for (const workers of [1, 2]) {
      const r = await pages[workers]!.evaluate((w) => (window as unknown as Win).sgp.renderAll(w), work);
      record(`svg_pool_${workers}w_chromium`, r, trial);
    }
  }
  if (SECTIONS.includes('decode')) {
    const opts = { variants: [DEFAULT_VARIANT, 'model'], builds: ['plain', 'asyncify'] as const, batches: [1, 8], newTokens: DECODE_TOKENS, trials: TRIALS, threads: DECODE_THREADS };
    decode = await benchDecode(session, { ...opts, builds: [...opts.builds] }, emit);
    decode.push(await benchLoraSampler(session, { batch: 8, newTokens: DECODE_TOKENS, trials: TRIALS, threads: DECODE_THREADS }, emit));
  }
  if (SECTIONS.includes('eval')) evalSpeed = await benchEval(session, { perSplit: { outputs: 3, policy: 1 }, trials: TRIALS }, emit);
  if (SECTIONS.includes('encoders')) encoders = await benchEncoders(session, { trials: TRIALS, reps: 16 }, emit);
  if (SECTIONS.includes('train')) train = await benchTrain(session, { seqs: TRAIN_SEQS, trials: TRIALS, threads: 2 }, emit);
  if (SECTIONS.includes('grpo')) grpo = await benchGrpo(session, { trials: TRIALS, split: 'compositional', preset: 'sgp-rl', seed: 1 }, emit);
} finally {
  await session.close();
}

const nativeBest = best.svg_native_resvg_js ?? NaN;
const find = (variant: string, build: string, batch: number) => decode.find((d) => d.variant === variant && d.build === build && d.batch === batch);
const decodeSummary: Record<string, number | string | null> = {};
for (const d of decode.filter((x) => x.build === 'plain')) {
  const name = d.variant === DEFAULT_VARIANT ? 'default' : d.variant === 'model' ? 'fp32' : d.variant;
  decodeSummary[`decode_tok_s_${name}_b${d.batch}`] = d.tok_s;
  decodeSummary[`first_token_ms_${name}_b${d.batch}`] = d.first_token_ms;
  decodeSummary[`decode_tok_per_cpu_s_${name}_b${d.batch}`] = d.tok_per_cpu_s;
}
// The default must decode faster than fp32 on WASM (plain build) at batch 1 and 8: wall and CPU-time ratios.
for (const batch of [1, 8]) {
  const [ours, fp32] = [find(DEFAULT_VARIANT, 'plain', batch), find('model', 'plain', batch)];
  if (ours && fp32) decodeSummary[`decode_default_vs_fp32_b${batch}`] = +(ours.tok_s / fp32.tok_s).toFixed(3);
  if (ours?.tok_per_cpu_s && fp32?.tok_per_cpu_s) decodeSummary[`decode_default_vs_fp32_per_cpu_b${batch}`] = +(ours.tok_per_cpu_s / fp32.tok_per_cpu_s).toFixed(3);
}
for (const batch of [1, 8]) {
  const [plain, asyncify] = [find('model', 'plain', batch), find('model', 'asyncify', batch)];
  if (plain && asyncify) decodeSummary[`decode_plain_vs_asyncify_fp32_b${batch}`] = +(plain.tok_s / asyncify.tok_s).toFixed(3);
}
if (decode.length) {
  decodeSummary.default_variant = DEFAULT_VARIANT;
  decodeSummary.wasm_build = 'plain';
  const anchors = cpuAnchors(DEFAULT_VARIANT, 8);
  const ours = find(DEFAULT_VARIANT, 'plain', 8)?.total_tok_s;
  decodeSummary.torch_cpu_tok_s_b8 = anchors.torch;
  decodeSummary.ort_native_cpu_tok_s_b8 = anchors.ort;
  decodeSummary.sample_tok_s_vs_torch_cpu = anchors.torch && ours ? +(ours / anchors.torch).toFixed(3) : null;
  decodeSummary.goal_sample_tok_s_vs_torch_cpu = 1.0;
  // The same ratio in tokens per CPU-second (browser processes vs the PyTorch process): steadier on a shared machine.
  const oursPerCpu = find(DEFAULT_VARIANT, 'plain', 8)?.tok_per_cpu_s;
  decodeSummary.torch_cpu_tok_per_cpu_s_b8 = anchors.torchPerCpu;
  decodeSummary.sample_tok_per_cpu_s_vs_torch_cpu = anchors.torchPerCpu && oursPerCpu ? +(oursPerCpu / anchors.torchPerCpu).toFixed(3) : null;
  decodeSummary.decode_threads = DECODE_THREADS;
}

/**
 * PyTorch CPU `generate` and native onnxruntime CPU on the same weights, batch `batch`, 2 threads, from
 * training/policy/bench_anchor.py (added by the quantization work: while it is absent both are null).
 * Its tok/s counts the whole generation (prefill included), so the ratio uses our `total_tok_s`.
 */
function cpuAnchors(variant: string, batch: number): { torch: number | null; ort: number | null; torchPerCpu: number | null } {
  const script = 'training/policy/bench_anchor.py';
  if (!existsSync(script)) return { torch: null, ort: null, torchPerCpu: null };
  const python = existsSync('training/.venv/bin/python') ? 'training/.venv/bin/python' : 'python3';
  const r = spawnSync(python, [script, '--variant', variant, '--batch', String(batch), '--new-tokens', String(DECODE_TOKENS), '--threads', '2', '--json'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${script} failed (exit ${r.status}): ${(r.stderr || r.stdout).slice(-500)}`);
  const report = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { torch_cpu_generate?: Record<string, number>; ort_cpu?: Record<string, Record<string, number>> };
  emit({ bench: 'cpu_anchors', ...report });
  return { torch: report.torch_cpu_generate?.[`B${batch}_tok_s`] ?? null, ort: report.ort_cpu?.[variant]?.[`B${batch}_tok_s`] ?? null, torchPerCpu: report.torch_cpu_generate?.[`B${batch}_tok_per_cpu_s`] ?? null };
}

// The WASM step against PyTorch CPU eager (PEFT LoRA + AdamW) on the same (B, T) batch, 2 threads each. The app's
// step is the packed graph (rows sharing slots), so it skips the padding PyTorch computes: same batch, same update.
const trainSummary: Record<string, number | null> = {};
if (train.length) {
  const anchors = trainAnchors(train.map((t) => t.seq));
  for (const t of train) {
    const torch = anchors.torch_cpu_step_ms?.[`T${t.seq}`] ?? null;
    trainSummary[`train_step_ms_wasm_T${t.seq}`] = t.step_ms;
    trainSummary[`train_round_trip_ms_wasm_T${t.seq}`] = t.round_trip_ms;
    trainSummary[`train_first_step_ms_wasm_T${t.seq}`] = t.first_step_ms;
    trainSummary[`train_step_ms_torch_cpu_T${t.seq}`] = torch;
    trainSummary[`train_step_ms_ort_native_cpu_T${t.seq}`] = anchors.ort_cpu_step_ms?.[`T${t.seq}`] ?? null;
    trainSummary[`train_step_ms_ort_native_cpu_packed_T${t.seq}`] = anchors.ort_cpu_packed_step_ms?.[`T${t.seq}`] ?? null;
    trainSummary[`train_step_vs_torch_cpu_T${t.seq}`] = torch ? +(t.step_ms / torch).toFixed(3) : null;
    // The learner packs the group; PyTorch's PEFT step above pads it. The same slots in PyTorch eager give the ratio on equal work.
    const torchPacked = anchors.torch_cpu_packed_step_ms?.[`T${t.seq}`] ?? null;
    trainSummary[`train_step_ms_torch_cpu_packed_T${t.seq}`] = torchPacked;
    trainSummary[`train_step_vs_torch_cpu_packed_T${t.seq}`] = torchPacked ? +(t.step_ms / torchPacked).toFixed(3) : null;
  }
  trainSummary.train_step_vs_torch_cpu = trainSummary[`train_step_vs_torch_cpu_T${Math.max(...train.map((t) => t.seq))}`] ?? null;
  trainSummary.train_step_vs_torch_cpu_packed = trainSummary[`train_step_vs_torch_cpu_packed_T${Math.max(...train.map((t) => t.seq))}`] ?? null;
  trainSummary.goal_train_step_vs_torch_cpu = 1.5;
}

/** training/policy/bench_train.py: one step in PyTorch CPU eager and native onnxruntime per bucket. */
function trainAnchors(seqs: number[]): { torch_cpu_step_ms?: Record<string, number>; torch_cpu_packed_step_ms?: Record<string, number>; ort_cpu_step_ms?: Record<string, number>; ort_cpu_packed_step_ms?: Record<string, number> } {
  const python = existsSync('training/.venv/bin/python') ? 'training/.venv/bin/python' : 'python3';
  const r = spawnSync(python, ['training/policy/bench_train.py', '--seqs', seqs.join(','), '--threads', '2', '--repeats', String(TRIALS), '--json'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench_train.py failed (exit ${r.status}): ${(r.stderr || r.stdout).slice(-500)}`);
  const report = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as ReturnType<typeof trainAnchors>;
  emit({ bench: 'train_cpu_anchors', ...report });
  return report;
}

// One GRPO iteration (8 samples, one prompt) against the goal, from the fastest trained trial.
const grpoSummary: Record<string, number | null> = {};
if (grpo) {
  for (const [k, v] of Object.entries(grpo.best ?? {})) grpoSummary[`grpo_iteration_${k}`] = Math.round(v);
  grpoSummary.grpo_iteration_mean_total_ms = grpo.mean_total_ms;
  grpoSummary.goal_grpo_iteration_total_ms = 5000;
}

emit({
  summary: true,
  svgs: svgs.length,
  rounds: ROUNDS,
  trials: TRIALS,
  size: SIZE,
  native_per_s: +nativeBest.toFixed(1),
  pool_1w_per_s: +(best.svg_pool_1w_chromium ?? NaN).toFixed(1),
  pool_2w_per_s: +(best.svg_pool_2w_chromium ?? NaN).toFixed(1),
  svg_pool_vs_native: +((best.svg_pool_2w_chromium ?? NaN) / nativeBest).toFixed(3),
  goal_svg_pool_vs_native: 0.5,
  ...decodeSummary,
  ...Object.fromEntries(evalSpeed.map((e) => [`eval_${e.source}_items_s`, e.items_s])),
  ...encoders,
  ...trainSummary,
  ...grpoSummary,
});
