// One GRPO iteration as the Train page runs it (window.sgp.rlInit / rlStep: GrpoRunner and src/lib/rl/grpo.ts)
// in headless Chromium on WASM: 8 samples for one prompt from the learner's LoRA sampler, rendered in the svg
// pool, scored with the sgp-rl preset (SigLIP + DINO + length: a continuous reward, so a group almost never
// has all-equal rewards and skips its step), and one packed train step — split into sample / render / score /
// train ms by grpo.ts itself. A warm-up iteration first loads the encoders and compiles the graphs; each
// trial is the run's next step, so on its next prompt. The goal: ≤ 5 s per iteration on 2 cores.
import type { Session } from './browser';
import { openHeadless } from './browser';
import type { HeadlessApi } from '../../src/headless';

type Win = { sgp: HeadlessApi };

export interface GrpoIteration {
  total_ms: number;
  sample_ms: number;
  render_ms: number;
  score_ms: number;
  train_ms: number;
  /** Mean program length in tokens of the group. */
  length: number;
}

export async function benchGrpo(session: Session, opts: { trials: number; split: string; preset: string; seed: number }, emit: (obj: unknown) => void): Promise<{ best: GrpoIteration | null; mean_total_ms: number | null }> {
  const page = await openHeadless(session, { workers: 2 });
  const trained: GrpoIteration[] = [];
  try {
    await page.evaluate(
      (o) => (window as unknown as Win).sgp.rlInit({ split: o.split, seed: o.seed, preset: o.preset, backend: 'wasm', run: `bench-grpo-${Date.now()}`, config: { group: 8, promptsPerStep: 1 } }),
      opts,
    );
    const step = () => page.evaluate(() => (window as unknown as Win).sgp.rlStep());
    await step(); // warm-up: encoders, first runs of each graph
    for (let trial = 1; trial <= opts.trials; trial++) {
      const s = await step();
      const it: GrpoIteration = { total_ms: s.ms.total, sample_ms: s.ms.sample, render_ms: s.ms.render, score_ms: s.ms.score, train_ms: s.ms.train, length: s.length ?? NaN };
      emit({ bench: 'grpo_iteration', trial, group: 8, trained: s.trained, ...it, reward_mean: s.reward_mean, valid_rate: s.valid_rate });
      if (s.trained === 1) trained.push(it); // a skipped step (all rewards equal) would time no training
    }
  } finally {
    await page.close();
  }
  if (!trained.length) return { best: null, mean_total_ms: null };
  const best = trained.reduce((a, b) => (b.total_ms < a.total_ms ? b : a));
  return { best, mean_total_ms: Math.round(trained.reduce((a, b) => a + b.total_ms, 0) / trained.length) };
}
