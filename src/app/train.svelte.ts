// Train page state: a GRPO run (GrpoRunner) driven by play / pause / step / reset, its per-step
// statistics for the charts, the current group with its advantages, and held-out renders before and
// after. The run is checkpointed after every step (IndexedDB, run 'train-page'); a reloaded page picks
// the checkpoint up and continues from it. Components only display this.
import { BUNDLED_BENCHMARKS, loadBenchmark, type Split } from '../lib/world';
import { presetFromUrl } from '../lib/reward/presets';
import { DEFAULT_GRPO_CONFIG, type GrpoConfig, type GroupLog, type RlPrompt, type StepLog } from '../lib/rl/grpo';
import { benchmarkPrompts, heldOutPrompts, typedPrompts, worldPrompts, TRAIN_STREAM } from '../lib/rl/prompts';
import { loadCheckpoint, deleteCheckpoint } from '../lib/rl/checkpoints';
import { GrpoRunner, type RunMeta } from '../lib/workers/grpo-runner';
import { renderSample } from '../lib/workers/svg-client';
import type { Pixels } from '../lib/render/rasterize';
import type { TrainerInfo } from '../lib/rl/trainer';
import { mlServices, rewardServices, svgRenderer } from './services';
import type { Settings } from './settings';

export type TrainSettings = Pick<Settings, 'backend' | 'rlSource' | 'rlSplit' | 'rlPrompts' | 'rlPreset' | 'rlSteps' | 'rlPerStep' | 'rlGroup' | 'rlLr' | 'rlObjective' | 'rlKl' | 'rlSeed'>;
export type StepRow = Omit<StepLog, 'groups'>;
export type Phase = 'idle' | 'loading' | 'running' | 'paused' | 'done' | 'error';

const RUN = 'train-page';
/** Held-out prompts shown before/after: few, so the comparison costs seconds, one sample each at a fixed seed. */
const SHOWN_HELDOUT = 4;
const HELDOUT_SEED = 7;
const CARD_SIZE = 160;

export interface Card {
  program: string;
  pixels: Pixels | null;
  reward: number;
  advantage: number | null;
  valid: boolean;
}

export interface HeldView {
  step: number;
  reward: number;
  cards: (Card & { prompt: string })[];
}

const renderCard = async (program: string): Promise<Pixels | null> => {
  const r = await renderSample(svgRenderer(), program, { size: CARD_SIZE });
  return r.result?.ok ? r.result.pixels : null;
};

export function trainConfig(s: TrainSettings): GrpoConfig {
  return { ...DEFAULT_GRPO_CONFIG, group: s.rlGroup, promptsPerStep: s.rlPerStep, lr: s.rlLr, objective: s.rlObjective, klBeta: s.rlKl, seed: s.rlSeed };
}

/** The training prompts the settings name (world split, SGP-MiniBench split, or typed). */
export async function trainPrompts(s: TrainSettings): Promise<RlPrompt[]> {
  if (s.rlSource === 'typed') return typedPrompts(s.rlPrompts);
  if (s.rlSource === 'benchmark') {
    const res = await fetch(new URL(BUNDLED_BENCHMARKS['sgp-minibench']!.path, document.baseURI));
    if (!res.ok) throw new Error(`SGP-MiniBench: HTTP ${res.status}`);
    return benchmarkPrompts(loadBenchmark(await res.json()), s.rlSplit);
  }
  return worldPrompts(s.rlSplit as Split, 256, s.rlSeed, TRAIN_STREAM);
}

export class TrainState {
  phase: Phase = $state('idle');
  error: string | null = $state(null);
  /** What is happening now, e.g. 'step 4/30: sampling prompt 2'. */
  activity = $state('');
  history: StepRow[] = $state([]);
  group: { prompt: string; step: number; cards: Card[] } | null = $state(null);
  before: HeldView | null = $state(null);
  after: HeldView | null = $state(null);
  /** Set when a checkpoint was found at load or the ml worker was replaced mid-run. */
  notice: string | null = $state(null);
  target = $state(DEFAULT_GRPO_CONFIG.promptsPerStep);
  /** Where the learner's step and its sampler run, once loaded (and why, when 'auto' chose). */
  learner: string | null = $state(null);

  private runner: GrpoRunner | null = null;
  private initialised: string | null = null;
  private abort: AbortController | null = null;
  private shown = 0;

  constructor(private readonly settings: () => TrainSettings) {}

  get step(): number {
    return this.history.length;
  }

  get busy(): boolean {
    return this.phase === 'loading' || this.phase === 'running';
  }

  /** At page load: a checkpoint of this page's run means a reload mid-run; continue from it. */
  async restore(): Promise<void> {
    const cp = await loadCheckpoint<RunMeta>(RUN).catch(() => null);
    if (!cp) return;
    this.history = cp.meta.history;
    this.notice = `Resumed from the checkpoint of step ${cp.meta.step} (saved ${new Date(cp.savedAt).toLocaleTimeString()}); press Play to continue.`;
    this.phase = 'paused';
  }

  /** Runs steps until the target is reached or Pause is pressed. */
  async play(): Promise<void> {
    const s = this.settings();
    await this.run(Math.max(0, s.rlSteps - this.step));
  }

  async stepOnce(): Promise<void> {
    await this.run(1);
  }

  pause(): void {
    this.abort?.abort();
  }

  /** Back to the initial LoRA: history, checkpoint and comparisons are cleared. */
  async reset(): Promise<void> {
    this.pause();
    await this.runner?.reset().catch(() => undefined);
    await deleteCheckpoint(RUN).catch(() => undefined);
    this.initialised = null;
    [this.history, this.group, this.before, this.after, this.notice, this.error] = [[], null, null, null, null, null];
    this.phase = 'idle';
  }

  /** Held-out renders and mean reward under the current LoRA. */
  async compare(): Promise<void> {
    if (!this.runner || this.busy) return;
    this.after = await this.heldOut();
  }

  private async run(steps: number): Promise<void> {
    if (this.busy || steps <= 0) return;
    const ctl = new AbortController();
    this.abort = ctl;
    this.error = null;
    try {
      await this.ensureRunner();
      this.phase = 'running';
      if (this.step === 0 && !this.before) this.before = await this.heldOut();
      for (let k = 0; k < steps && !ctl.signal.aborted; k++) {
        this.activity = `step ${this.step + 1}/${this.settings().rlSteps}`;
        const log = await this.runner!.runStep({ signal: ctl.signal, onGroup: (g) => void this.showGroup(g, this.step) });
        const { groups: _groups, ...row } = log;
        this.history = [...this.history, row];
        const lost = this.runner!.recoveries.at(-1);
        if (lost) this.notice = `The ml worker was replaced mid-run (${lost}); the run went on from its last checkpoint.`;
      }
      const done = this.step >= this.settings().rlSteps;
      if (done) this.after = await this.heldOut();
      this.phase = done ? 'done' : 'paused';
      this.activity = '';
    } catch (err) {
      this.phase = 'error';
      this.error = err instanceof Error ? err.message : String(err);
    }
  }

  /** Creates the learner once per settings; a checkpoint of this page's run is resumed. */
  private async ensureRunner(): Promise<void> {
    const s = this.settings();
    const key = JSON.stringify(s);
    if (this.runner && this.initialised === key) return;
    this.phase = 'loading';
    this.activity = 'loading the policy, the train step and the reward';
    const { client } = mlServices();
    const { scorer, encoders } = rewardServices();
    this.runner ??= new GrpoRunner(client, scorer, encoders);
    const device = s.backend;
    const info = await this.runner.init({ run: RUN, folder: 'models/sgp-tiny-policy/', device, sampler: 'auto', preset: presetFromUrl(s.rlPreset), config: trainConfig(s), prompts: await trainPrompts(s), resume: true });
    this.learner = learnerLine(info);
    this.history = this.runner.history;
    this.initialised = key;
  }

  private async showGroup(g: GroupLog, step: number): Promise<void> {
    const cards: Card[] = g.programs.map((program, i) => ({ program, pixels: null, reward: g.scored[i]!.reward, advantage: g.trained ? g.advantages[i]! : null, valid: g.scored[i]!.valid }));
    const shown = ++this.shown;
    this.group = { prompt: g.prompt.prompt, step, cards };
    const pixels = await Promise.all(cards.map((c) => renderCard(c.program)));
    // A later group may have replaced this one while it rendered ($state proxies its arrays, so compare a counter).
    if (shown === this.shown) this.group = { prompt: g.prompt.prompt, step, cards: cards.map((c, i) => ({ ...c, pixels: pixels[i]! })) };
  }

  private async heldOut(): Promise<HeldView> {
    this.activity = 'held-out prompts';
    const prompts = heldOutPrompts(this.settings().rlSplit as Split, SHOWN_HELDOUT);
    const h = await this.runner!.heldOut(prompts, 1, HELDOUT_SEED);
    const cards = await Promise.all(h.prompts.map(async (p, i) => ({ prompt: prompts[i]!.prompt, program: p.program, pixels: await renderCard(p.program), reward: p.reward, advantage: null, valid: p.reward > 0 })));
    return { step: this.step, reward: h.reward, cards };
  }
}

const DEVICE_NAMES = { wasm: 'WASM', webgpu: 'WebGPU' } as const;

/** e.g. "train step on WebGPU (captured), sampling on WASM". */
export function learnerLine(info: Pick<TrainerInfo, 'device' | 'samplerDevice' | 'captured' | 'notice'>): string {
  const step = `train step on ${DEVICE_NAMES[info.device]}${info.captured ? ' (captured)' : ''}`;
  return `${step}, sampling on ${DEVICE_NAMES[info.samplerDevice]}${info.notice ? ` — ${info.notice}` : ''}`;
}
