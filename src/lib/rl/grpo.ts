// GRPO in the tab, top to bottom (cleanRL style): for each prompt of a step, sample a group of G
// programs from the current policy, render and score them with the reward composer, turn rewards into
// group-relative advantages, and take one train step on that group; then log what happened.
// Everything that touches a worker is injected (`GrpoDeps`), so Node tests run this file on fakes.
//
// old_logp: one update per group (μ = 1) and a fresh group per update, so the policy that sampled
// the group is the policy the step starts from; the train step computes its own log-probs under the
// LoRA it is given (detached) and uses them as old_logp, as TRL does when μ = 1. The sampler is the
// fp32 LoRA graph of the same weights the step trains (train_step.json `sampler`), so sampler = learner. A
// quantized sampler would be another policy: its per-token log-probs would go in as the batch's
// `oldLogp` and the clipped ratio would correct for it (trainer.ts); training never samples from one.

import type { TrainBatch, TrainHyper, TrainStats } from './trainer';

// ---- hyperparameters ----------------------------------------------------------------------------
/** The train step's own hyperparameters (clip, KL β, decay, gradient clip: trainer.ts) plus the loop's. */
export interface GrpoConfig extends Omit<TrainHyper, 'lossDenom'> {
  /** G: programs per prompt. SGP-RL and DeepSeekMath use 8; the train step's batch is one group. */
  group: number;
  /** Prompts per step; each prompt's group is sampled and trained on before the next (on-policy). */
  promptsPerStep: number;
  /** Sampling temperature while training: 1, so the sampled log-probs are the policy's own. */
  temperature: number;
  /** Longest program in tokens; the world's p99 program is ~1,300 characters ≈ 300 tokens. */
  maxNewTokens: number;
  /**
   * AdamW step size for the LoRA (rank 8, alpha 16; B starts at 0). With AdamW's momentum (the step graphs lacked it
   * until 2026-11-30), 30 steps on compositional prompts moved the held-out reward +2.2 / +6.2 / +8.2 % at 1e-3 and
   * +3.3 / +0.4 / +4.6 % at 3e-4 (seeds 1–3, README, RL in the tab); in the PyTorch mirror 3e-3 lowered it.
   */
  lr: number;
  /**
   * 'grpo': advantage (r − mean)/std, loss averaged over each step's tokens.
   * 'dr-grpo': advantage r − mean (no std: no difficulty bias) and loss summed over tokens / (G · maxNewTokens)
   * (no length bias), as in "Understanding R1-Zero-Like Training" (Liu et al., 2025).
   */
  objective: 'grpo' | 'dr-grpo';
  /** Seeds the sampler; step s, prompt p draws with seed hash(seed, s, p). */
  seed: number;
}

export const DEFAULT_GRPO_CONFIG: Readonly<GrpoConfig> = Object.freeze({
  group: 8,
  promptsPerStep: 2,
  temperature: 1,
  maxNewTokens: 320,
  lr: 1e-3,
  clipLow: 0.2, // DAPO's asymmetric clip: the higher upper bound keeps exploration alive
  clipHigh: 0.28,
  klBeta: 0, // as DAPO / Dr.GRPO: no KL, so no reference pass
  weightDecay: 0,
  maxGradNorm: 1,
  objective: 'grpo',
  seed: 1,
});

// ---- what the loop is given ---------------------------------------------------------------------
/** A prompt to train or evaluate on; `spec`/`reference` feed verifiable and reference rewards when known. */
export interface RlPrompt {
  id: string;
  prompt: string;
  spec?: unknown;
  reference?: string;
}

export interface SampledProgram {
  text: string;
  /** Program token ids (eos included when the row ended on it): what the step's loss mask covers. */
  tokens: number[];
}

export interface ScoredSample {
  reward: number;
  /** Each reward term's value (for the charts), e.g. { verifier: 0.5, length: 0.93 }. */
  terms: Record<string, number>;
  /** The program was extracted and rendered. */
  valid: boolean;
}

export interface GrpoDeps {
  /** A group from the current policy, with the prompt's token ids (the train step's rows start with them). */
  sample(prompt: string, p: { n: number; temperature: number; maxNewTokens: number; seed: number }): Promise<{ promptIds: number[]; programs: SampledProgram[] }>;
  /** Renders and scores a group; `renderMs` (when the scorer knows it) splits its time. */
  score(prompt: RlPrompt, programs: string[]): Promise<{ samples: ScoredSample[]; renderMs?: number }>;
  /** One update on one group (the ml worker's learner: src/lib/rl/trainer.ts). */
  trainStep(batch: TrainBatch, hyper: TrainHyper): Promise<TrainStats>;
}

// ---- algorithm ----------------------------------------------------------------------------------
/** Group-relative advantages: (r − mean)/(std + ε) with the unbiased std (as TRL), or r − mean for Dr.GRPO. */
export function advantages(rewards: readonly number[], objective: GrpoConfig['objective']): number[] {
  const n = rewards.length;
  const mean = rewards.reduce((s, r) => s + r, 0) / n;
  if (objective === 'dr-grpo') return rewards.map((r) => r - mean);
  const std = n > 1 ? Math.sqrt(rewards.reduce((s, r) => s + (r - mean) ** 2, 0) / (n - 1)) : 0;
  return rewards.map((r) => (r - mean) / (std + 1e-4));
}

export function trainHyper(c: GrpoConfig): TrainHyper {
  const { lr, clipLow, clipHigh, klBeta, weightDecay, maxGradNorm } = c;
  // Dr.GRPO divides the summed token loss by a constant, so long and short programs weigh per token alike.
  return { lr, clipLow, clipHigh, klBeta, weightDecay, maxGradNorm, lossDenom: c.objective === 'dr-grpo' ? c.group * c.maxNewTokens : 0 };
}

/** A group whose rewards are all equal has zero advantages: no gradient (β = 0), so no step is taken. */
export const informative = (adv: readonly number[]): boolean => adv.some((a) => Math.abs(a) > 1e-6);

/** Deterministic per-(seed, step, prompt) sampler seed, so a run is reproducible and groups differ. */
export const sampleSeed = (seed: number, step: number, prompt: number): number => (Math.imul(seed, 1_000_003) + step * 1009 + prompt) >>> 0;

// ---- one step -----------------------------------------------------------------------------------
export interface GroupLog {
  prompt: RlPrompt;
  programs: string[];
  scored: ScoredSample[];
  advantages: number[];
  trained: boolean;
}

export interface StepLog {
  step: number;
  rewardMean: number;
  rewardStd: number;
  /** Mean of each term over the step's samples. */
  terms: Record<string, number>;
  validRate: number;
  /** Mean program length in tokens. */
  length: number;
  /** Train-step statistics averaged over the groups that were trained on (NaN when none were; kl NaN when β = 0). */
  loss: number;
  kl: number;
  clipFrac: number;
  entropy: number;
  gradNorm: number;
  /** Groups skipped because all their rewards were equal. */
  skipped: number;
  ms: { sample: number; render: number; score: number; train: number; total: number };
  groups: GroupLog[];
}

export interface StepOptions {
  /** Stops before the next group; the groups done so far are trained on and logged. */
  signal?: AbortSignal;
  /** Hears each group once it is scored and (maybe) trained on: for a live view of the current group. */
  onGroup?: (g: GroupLog) => void;
}

/** Samples, scores and trains on each prompt's group in turn; returns the step's statistics. */
export async function grpoStep(deps: GrpoDeps, c: GrpoConfig, prompts: readonly RlPrompt[], step: number, { signal, onGroup }: StepOptions = {}): Promise<StepLog> {
  const ms = { sample: 0, render: 0, score: 0, train: 0, total: 0 };
  const t0 = performance.now();
  const groups: GroupLog[] = [];
  const trainStats: TrainStats[] = [];
  let lengthSum = 0;
  for (const [p, prompt] of prompts.entries()) {
    if (signal?.aborted) break;
    let t = performance.now();
    const { promptIds, programs: sampled } = await deps.sample(prompt.prompt, { n: c.group, temperature: c.temperature, maxNewTokens: c.maxNewTokens, seed: sampleSeed(c.seed, step, p) });
    ms.sample += performance.now() - t;
    t = performance.now();
    const { samples: scored, renderMs = 0 } = await deps.score(prompt, sampled.map((s) => s.text));
    const scoreTotal = performance.now() - t;
    ms.render += renderMs;
    ms.score += scoreTotal - renderMs;
    if (scored.length !== sampled.length) throw new Error(`the scorer returned ${scored.length} results for ${sampled.length} programs; it must score each program`);

    const adv = advantages(scored.map((s) => s.reward), c.objective); // [G]
    const trained = informative(adv);
    if (trained) {
      t = performance.now();
      const batch: TrainBatch = {
        ids: sampled.map((s) => [...promptIds, ...s.tokens]), // [G][prompt + program]
        promptLen: sampled.map(() => promptIds.length),
        advantages: adv, // [G]; no oldLogp: the step's own log-probs are old_logp (see the top)
      };
      trainStats.push(await deps.trainStep(batch, trainHyper(c)));
      ms.train += performance.now() - t;
    }
    lengthSum += sampled.reduce((s, x) => s + x.tokens.length, 0);
    groups.push({ prompt, programs: sampled.map((s) => s.text), scored, advantages: adv, trained });
    onGroup?.(groups.at(-1)!);
  }
  ms.total = performance.now() - t0;
  const stats = meanStats(trainStats);
  // With β = 0 no reference pass runs and the step's KL statistic compares against nothing: unknown, not a number to chart.
  if (c.klBeta === 0) stats.kl = NaN;
  return { step, ...summarise(groups), length: lengthSum / Math.max(1, groups.length * c.group), ...stats, skipped: groups.length - trainStats.length, ms, groups };
}

// ---- plumbing: statistics -----------------------------------------------------------------------
/** Reward mean ± std, per-term means and the valid rate over every sample of the groups. */
export function summarise(groups: readonly GroupLog[]): Pick<StepLog, 'rewardMean' | 'rewardStd' | 'terms' | 'validRate'> {
  const all = groups.flatMap((g) => g.scored);
  if (all.length === 0) return { rewardMean: NaN, rewardStd: NaN, terms: {}, validRate: NaN };
  const mean = all.reduce((s, x) => s + x.reward, 0) / all.length;
  const std = Math.sqrt(all.reduce((s, x) => s + (x.reward - mean) ** 2, 0) / all.length);
  const terms: Record<string, number> = {};
  const counts: Record<string, number> = {};
  for (const x of all) {
    for (const [k, v] of Object.entries(x.terms)) {
      if (!Number.isFinite(v)) continue; // a term that does not apply (e.g. no reference) is left out of its mean
      terms[k] = (terms[k] ?? 0) + v;
      counts[k] = (counts[k] ?? 0) + 1;
    }
  }
  for (const k of Object.keys(terms)) terms[k]! /= counts[k]!;
  return { rewardMean: mean, rewardStd: std, terms, validRate: all.filter((x) => x.valid).length / all.length };
}

function meanStats(stats: readonly TrainStats[]): Pick<StepLog, 'loss' | 'kl' | 'clipFrac' | 'entropy' | 'gradNorm'> {
  const mean = (k: 'loss' | 'kl' | 'clip_frac' | 'entropy' | 'grad_norm') => (stats.length ? stats.reduce((s, x) => s + x[k], 0) / stats.length : NaN);
  return { loss: mean('loss'), kl: mean('kl'), clipFrac: mean('clip_frac'), entropy: mean('entropy'), gradNorm: mean('grad_norm') };
}

// ---- evaluation ---------------------------------------------------------------------------------
export interface HeldOutResult {
  reward: number;
  validRate: number;
  /** Per prompt: the mean reward of its samples and its first program (for before/after renders). */
  prompts: { id: string; reward: number; program: string }[];
}

/**
 * Mean composed reward over a fixed prompt set at a fixed sampling seed, no training: the same call
 * before and after a run measures what the run changed, with sampling noise held fixed.
 */
export async function heldOutReward(deps: Pick<GrpoDeps, 'sample' | 'score'>, c: GrpoConfig, prompts: readonly RlPrompt[], n: number, seed: number): Promise<HeldOutResult> {
  const rows: HeldOutResult['prompts'] = [];
  let valid = 0;
  for (const [p, prompt] of prompts.entries()) {
    const { programs: sampled } = await deps.sample(prompt.prompt, { n, temperature: c.temperature, maxNewTokens: c.maxNewTokens, seed: sampleSeed(seed, 0, p) });
    const { samples } = await deps.score(prompt, sampled.map((s) => s.text));
    valid += samples.filter((s) => s.valid).length;
    rows.push({ id: prompt.id, reward: samples.reduce((s, x) => s + x.reward, 0) / samples.length, program: sampled[0]?.text ?? '' });
  }
  const total = prompts.length * n;
  return { reward: rows.reduce((s, r) => s + r.reward, 0) / Math.max(1, rows.length), validRate: total ? valid / total : NaN, prompts: rows };
}
