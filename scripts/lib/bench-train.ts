// One GRPO train step of the bundled policy in headless Chromium's ml worker (the stateful learner,
// WASM, plain ORT build, 2 threads) on the batch training/policy/bench_train.py times in PyTorch CPU eager
// and native onnxruntime: goldens/train_step.json's 8 programs for one prompt, row 0 spanning the whole
// length T and the others cut at T. The learner packs them (train_step_packed.onnx: 5 slots of 334 tokens at
// T = 256, 3 of 531 at T = 384, instead of 8 rows of T). Reports the worker's step time (packing, step, statistics; the state never leaves
// the worker) and the page's round trip, best of `trials` after a warm-up step (first runs of the graph).
import { readFileSync } from 'node:fs';
import type { Session } from './browser';
import { openHeadless } from './browser';
import type { HeadlessApi } from '../../src/headless';
import type { TrainBatch } from '../../src/lib/rl/trainer';

type Win = { sgp: HeadlessApi };

export interface TrainResult {
  seq: number;
  /** In the worker: the whole trainStep call. */
  step_ms: number;
  /** From the page: the call through comlink and the ml client's queue. */
  round_trip_ms: number;
  /** The first step of the bucket: session creation included. */
  first_step_ms: number;
}

/** The bench batch for bucket T (see bench_train.py's bench_batch). */
export function benchBatch(T: number): TrainBatch {
  const g = JSON.parse(readFileSync('public/models/sgp-tiny-policy/goldens/train_step.json', 'utf8')) as { input_ids: number[][]; loss_mask_rows: [number, number][]; advantages: number[] };
  const ends = g.loss_mask_rows.map(([, end], b) => (b === 0 ? T : Math.min(end, T)));
  return { ids: g.input_ids.map((r, b) => r.slice(0, ends[b])), promptLen: g.loss_mask_rows.map(([s]) => s), advantages: g.advantages };
}

export async function benchTrain(session: Session, opts: { seqs: number[]; trials: number; threads: number }, emit: (obj: unknown) => void): Promise<TrainResult[]> {
  const page = await openHeadless(session, { workers: 1 });
  const out: TrainResult[] = [];
  try {
    if (!(await page.evaluate(() => (window as unknown as Win).sgp.crossOriginIsolated()))) throw new Error('the headless page is not cross-origin isolated: WASM would run on 1 thread');
    await page.evaluate((t) => (window as unknown as Win).sgp.trainerInit({ device: 'wasm', threads: t }), opts.threads);
    for (const seq of opts.seqs) {
      const batch = benchBatch(seq);
      const step = () =>
        page.evaluate(async (b) => {
          const t0 = performance.now();
          const s = await (window as unknown as Win).sgp.trainerStep(b);
          return { ...s, round_trip_ms: performance.now() - t0 };
        }, batch);
      const first = await step();
      let best: TrainResult = { seq, step_ms: Infinity, round_trip_ms: Infinity, first_step_ms: Math.round(first.round_trip_ms) };
      for (let trial = 1; trial <= opts.trials; trial++) {
        const s = await step();
        emit({ bench: `train_step_wasm_T${seq}`, trial, threads: opts.threads, step_ms: Math.round(s.ms), round_trip_ms: Math.round(s.round_trip_ms), tokens: s.tokens, slots: s.slots, slot_length: s.seq });
        if (s.ms < best.step_ms) best = { ...best, step_ms: Math.round(s.ms), round_trip_ms: Math.round(s.round_trip_ms) };
      }
      out.push(best);
    }
  } finally {
    await page.close();
  }
  return out;
}
