// The page's GRPO run: src/lib/rl/grpo.ts wired to the workers — groups sampled by the learner in the
// ml worker (its live LoRA), scored in the svg pool (+ encoders when the preset needs them) and composed
// with a reward preset, one train step per group in the ml worker. The Train page and the headless
// `rl` hooks drive the same class. After each step the learner's state is checkpointed (IndexedDB), so
// a reloaded page or a replaced ml worker resumes from the last finished step.
import { compose, presetNeeds, type Preset } from '../reward/compose';
import type { SceneSpec } from '../world';
import { TextTokenizer } from '../models/tokenizer';
import { chatPromptIds } from '../policy/prompt';
import { DEFAULT_GRPO_CONFIG, grpoStep, heldOutReward, type GrpoConfig, type GrpoDeps, type HeldOutResult, type RlPrompt, type StepLog, type StepOptions } from '../rl/grpo';
import { promptsForStep } from '../rl/prompts';
import { loadCheckpoint, saveCheckpoint } from '../rl/checkpoints';
import type { Device } from '../models/backend';
import type { MlClient } from './ml-client';
import { TrainerClient, TrainerStateLost, type TrainerInfo } from './trainer-client';
import { DEFAULT_ENCODERS, type EncoderClient, type RewardScorer } from './encoder-client';

export interface GrpoRunOptions {
  /** IndexedDB key of the run's checkpoint. */
  run: string;
  folder: string;
  device: Device | 'auto';
  /** Where the LoRA sampler decodes; default with the step (TrainerOptions.sampler). */
  sampler?: Device | 'auto';
  preset: Preset;
  config: GrpoConfig;
  prompts: RlPrompt[];
  /** Resume from the run's checkpoint when there is one (else start fresh). */
  resume?: boolean;
}

/** What a checkpoint carries besides the learner's state: enough to continue the same run. */
export interface RunMeta {
  step: number;
  config: GrpoConfig;
  history: Omit<StepLog, 'groups'>[];
}

export class GrpoRunner {
  readonly trainer: TrainerClient;
  private opts: GrpoRunOptions | null = null;
  private tokenizer: TextTokenizer | null = null;
  /** Finished steps of this run. */
  step = 0;
  history: Omit<StepLog, 'groups'>[] = [];
  /** Each time the ml worker was replaced mid-run and the run went on from its checkpoint. */
  readonly recoveries: string[] = [];

  constructor(
    ml: MlClient,
    private readonly scorer: RewardScorer,
    private readonly encoders: EncoderClient,
  ) {
    this.trainer = new TrainerClient(ml, 'grpo');
  }

  /** Creates the learner (fresh, or from the run's checkpoint) and loads the encoders the preset needs. */
  async init(opts: GrpoRunOptions): Promise<TrainerInfo> {
    this.opts = { ...opts, config: { ...DEFAULT_GRPO_CONFIG, ...opts.config } };
    this.tokenizer = await TextTokenizer.fromUrl(new URL(opts.folder, globalThis.location?.href).href);
    const cp = opts.resume ? await loadCheckpoint<RunMeta>(opts.run) : null;
    const info = await this.trainer.init({ folder: opts.folder, device: opts.device, ...(opts.sampler ? { sampler: opts.sampler } : {}), ...(cp ? { state: cp.state } : {}) });
    [this.step, this.history] = cp ? [cp.meta.step, cp.meta.history] : [0, []];
    for (const role of ['siglip', 'dino'] as const) {
      const needed = opts.preset.terms.some((t) => t.term === role && t.weight > 0);
      if (needed && !this.encoders.info(role)) await this.encoders.load(role, { id: DEFAULT_ENCODERS[role], device: opts.device, bases: { bundled: new URL('models/', globalThis.location?.href).href } });
    }
    return info;
  }

  /** One GRPO step on the next prompts; checkpointed when it ends. Survives one ml-worker replacement. */
  async runStep(opts: StepOptions = {}): Promise<StepLog> {
    const o = this.options();
    const prompts = promptsForStep(o.prompts, this.step, o.config.promptsPerStep);
    let log: StepLog;
    try {
      log = await grpoStep(this.deps(), o.config, prompts, this.step, opts);
    } catch (err) {
      if (!(err instanceof TrainerStateLost)) throw err;
      // The worker died mid-step: the step's partial update is gone with it. Resume from the checkpoint
      // (or from scratch before the first one) and take the step again.
      this.recoveries.push(`step ${this.step + 1}: ${err.message.slice(0, 200)}`);
      const cp = await loadCheckpoint<RunMeta>(o.run);
      await this.trainer.init({ folder: o.folder, device: o.device, ...(o.sampler ? { sampler: o.sampler } : {}), ...(cp ? { state: cp.state } : {}) });
      [this.step, this.history] = cp ? [cp.meta.step, cp.meta.history] : [0, []];
      log = await grpoStep(this.deps(), o.config, promptsForStep(o.prompts, this.step, o.config.promptsPerStep), this.step, opts);
    }
    const { groups: _groups, ...row } = log;
    this.history.push(row);
    this.step += 1;
    const meta: RunMeta = { step: this.step, config: o.config, history: this.history };
    await saveCheckpoint(o.run, await this.trainer.exportState(), meta);
    return log;
  }

  /** Mean composed reward over `prompts` (n samples each, fixed seed) under the current LoRA; no update. */
  heldOut(prompts: RlPrompt[], n: number, seed: number): Promise<HeldOutResult> {
    return heldOutReward(this.deps(), this.options().config, prompts, n, seed);
  }

  /** Back to the initial LoRA, step 0; the run's checkpoint is overwritten at the next step. */
  async reset(): Promise<void> {
    await this.trainer.reset();
    [this.step, this.history] = [0, []];
  }

  private options(): GrpoRunOptions {
    if (!this.opts) throw new Error('the GRPO run is not initialised; call init() first');
    return this.opts;
  }

  private deps(): GrpoDeps {
    const o = this.options();
    const tokenizer = this.tokenizer!;
    return {
      sample: async (prompt, p) => {
        const g = await this.trainer.generate(prompt, p);
        const promptIds = chatPromptIds(tokenizer, prompt);
        if (promptIds.length !== g.promptTokens) throw new Error(`the page's tokenizer gives ${promptIds.length} prompt tokens, the worker's ${g.promptTokens}; they must be the policy folder's same tokenizer`);
        // A program cut at maxNewTokens is not a complete <svg>: the format gate scores it 0, and it is
        // still trained on (its tokens were sampled), so the policy learns to finish.
        return { promptIds, programs: g.samples.map((s) => ({ text: s.text, tokens: s.tokens })) };
      },
      score: async (prompt, programs) => {
        const g = await this.scorer.scoreGroup({ prompt: prompt.prompt, programs, reference: prompt.reference ? { svg: prompt.reference } : null, spec: (prompt.spec as SceneSpec | undefined) ?? null, needs: presetNeeds(o.preset) });
        const composed = compose(g.samples.map((s) => s.terms), o.preset);
        const samples = g.samples.map((s, i) => ({
          reward: composed[i]!.reward,
          terms: Object.fromEntries(Object.entries(s.terms).map(([k, t]) => [k, t.value ?? NaN])),
          valid: s.valid,
        }));
        return { samples, renderMs: g.ms.render };
      },
      trainStep: (batch, hyper) => this.trainer.step(batch, hyper),
    };
  }
}
