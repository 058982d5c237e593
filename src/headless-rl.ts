// Headless hooks for GRPO runs (part of window.sgp): `npm run rl` and the browser tests drive the
// same GrpoRunner as the Train page, one call per step, so each step's line is printed as it ends.
import type { MlClient } from './lib/workers/ml-client';
import { EncoderClient, RewardScorer } from './lib/workers/encoder-client';
import type { SvgPool } from './lib/workers/svg-client';
import { GrpoRunner } from './lib/workers/grpo-runner';
import { DEFAULT_GRPO_CONFIG, type GrpoConfig, type HeldOutResult, type StepLog } from './lib/rl/grpo';
import { heldOutPrompts, isSplit, worldPrompts, TRAIN_STREAM } from './lib/rl/prompts';
import { presetFromUrl } from './lib/reward/presets';
import { SPLITS } from './lib/world';
import type { Device } from './lib/models/backend';

export interface RlInit {
  split: string;
  seed: number;
  /** A preset name or its URL form. */
  preset: string;
  backend?: Device;
  /** Where the learner's LoRA sampler decodes (default: with the step; 'auto': trainer.ts). */
  sampler?: Device | 'auto';
  config?: Partial<GrpoConfig>;
  /** Held-out prompts (fixed set for the split) and samples per prompt. */
  heldout?: number;
  heldoutSamples?: number;
  /** Training prompts drawn from the split for this seed (read in order, wrapping). */
  pool?: number;
  run?: string;
  resume?: boolean;
}

/** The fixed sampling seed of held-out measurements: before and after see the same sampler noise. */
export const HELDOUT_SAMPLE_SEED = 7;

/** A step's statistics without its groups' programs, and rounded: one readable JSON line. */
export function stepLine(log: StepLog) {
  const r = (x: number, d = 4) => (Number.isFinite(x) ? +x.toFixed(d) : null);
  return {
    step: log.step + 1,
    reward_mean: r(log.rewardMean), reward_std: r(log.rewardStd),
    terms: Object.fromEntries(Object.entries(log.terms).map(([k, v]) => [k, r(v)])),
    valid_rate: r(log.validRate, 3), length: r(log.length, 1),
    loss: r(log.loss), kl: r(log.kl, 5), clip_frac: r(log.clipFrac), entropy: r(log.entropy), grad_norm: r(log.gradNorm),
    trained: log.groups.length - log.skipped, skipped: log.skipped,
    ms: { sample: Math.round(log.ms.sample), render: Math.round(log.ms.render), score: Math.round(log.ms.score), train: Math.round(log.ms.train), total: Math.round(log.ms.total) },
  };
}

export function rlHooks(ml: MlClient, pool: SvgPool) {
  // Its own encoder slots: the run loads what its preset needs without touching the reward hooks' slots.
  const encoders = new EncoderClient(ml, { siglip: 'rl-encoder-siglip', dino: 'rl-encoder-dino' });
  const scorer = new RewardScorer(pool, encoders);
  let runner: GrpoRunner | null = null;
  let held: ReturnType<typeof heldOutPrompts> = [];
  let heldSamples = 8;
  const active = (): GrpoRunner => runner ?? (() => { throw new Error('no GRPO run; call rlInit first'); })();
  const heldLine = (h: HeldOutResult) => ({ reward: +h.reward.toFixed(4), valid_rate: +h.validRate.toFixed(3), prompts: h.prompts });

  return {
    async rlInit(o: RlInit) {
      if (!isSplit(o.split)) throw new Error(`unknown split '${o.split.slice(0, 100)}'; one of: ${SPLITS.join(', ')}`);
      const preset = presetFromUrl(o.preset);
      runner ??= new GrpoRunner(ml, scorer, encoders);
      held = heldOutPrompts(o.split, o.heldout ?? 16);
      heldSamples = o.heldoutSamples ?? 8;
      const config = { ...DEFAULT_GRPO_CONFIG, ...o.config, seed: o.seed };
      const info = await runner.init({
        run: o.run ?? `cli-${o.split}-${o.seed}`, folder: 'models/sgp-tiny-policy/', device: o.backend ?? 'wasm', ...(o.sampler ? { sampler: o.sampler } : {}), preset, config,
        prompts: worldPrompts(o.split, o.pool ?? 256, o.seed, TRAIN_STREAM), resume: o.resume ?? false,
      });
      return { info, config, preset: o.preset, heldout: held.map((p) => p.id), step: runner.step };
    },
    rlHeldOut: async () => heldLine(await active().heldOut(held, heldSamples, HELDOUT_SAMPLE_SEED)),
    rlStep: async () => stepLine(await active().runStep()),
    rlRecoveries: () => active().recoveries,
    /** Σ|lora_B| of the learner: 0 for the initial (no-op) adapter, so > 0 means the steps changed the policy. */
    async rlLoraBNorm() {
      const { lora, step } = await active().trainer.exportState();
      let sum = 0;
      for (const [name, t] of Object.entries(lora)) if (name.endsWith('lora_B')) for (const v of t.data as Float32Array) sum += Math.abs(v);
      return { step, sum };
    },
  };
}
