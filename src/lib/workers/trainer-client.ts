// The page's handle on the learner in the ml worker (src/lib/rl/trainer.ts): init, one GRPO step per
// group, sampling with the live LoRA, and the state as plain data for checkpoints and PEFT export.
// Every call goes through MlClient.call, so calls queue behind the sampler's and share its deadlines.
//
// The state lives in one ml-worker generation. When the worker is replaced (crash, timeout, wasm trap)
// the LoRA and moments are gone: the next call fails with TrainerStateLost instead of silently training
// a fresh adapter, and the caller resumes with init({ state }) from its last checkpoint.
import * as Comlink from 'comlink';
import type { MlClient } from './ml-client';
import type { Generation, SampleParams, StepEvent } from '../policy/sampler';
import type { PlainTensor } from '../models/backend';
import type { TrainBatch, TrainerInfo, TrainerOptions, TrainerState, TrainHyper, TrainStats } from '../rl/trainer';
import { fromPeftAdapter, toPeftAdapter, type PeftAdapterFiles } from '../rl/peft';

export type { TrainBatch, TrainerInfo, TrainerOptions, TrainerState, TrainHyper, TrainStats };

export class TrainerStateLost extends Error {
  readonly code = 'state-lost';
}

export interface TrainerGenerateOptions {
  signal?: AbortSignal;
  /** The longest wait for the next decode step before the worker counts as hung. */
  stallMs?: number;
}

export class TrainerClient {
  private generation = -1;
  private opts: TrainerOptions | null = null;
  private current: TrainerInfo | null = null;

  constructor(
    private readonly ml: MlClient,
    private readonly key = 'trainer',
    /** Session creation (at init) and a first step can take a while on SwiftShader. */
    private readonly timeoutMs = 300_000,
  ) {}

  /** The learner's shape and device as of init (step as of the last call that reported it). */
  get info(): TrainerInfo | null {
    return this.current;
  }

  /** Creates the learner: `folder` (relative to the page or absolute), optionally from a LoRA or a checkpoint. */
  async init(opts: TrainerOptions): Promise<TrainerInfo> {
    const folder = new URL(opts.folder.endsWith('/') ? opts.folder : `${opts.folder}/`, globalThis.location?.href).href;
    this.opts = { ...opts, folder };
    const info = await this.ml.call(async (api) => {
      const got = await api.trainerInit(this.key, this.opts!);
      this.generation = this.ml.status.generation;
      return got;
    }, this.timeoutMs);
    this.current = info;
    return info;
  }

  /** One GRPO update on one group; only statistics come back. */
  async step(batch: TrainBatch, hyper: Partial<TrainHyper> = {}): Promise<TrainStats> {
    const stats = await this.call((api) => api.trainStep(this.key, batch, hyper));
    if (this.current) this.current = { ...this.current, step: stats.step };
    return stats;
  }

  /**
   * Samples `params.n` programs with the learner's current LoRA (train_step.json `sampler`, fp32: sampler = learner).
   * `promptIds` are the chat-templated prompt's ids: a row of the train batch is promptIds + sample.tokens.
   */
  generate(prompt: string, params: Partial<SampleParams> = {}, onStep?: (e: StepEvent) => void, opts: TrainerGenerateOptions = {}): Promise<Generation & { promptIds: number[] }> {
    const { signal, stallMs = 120_000 } = opts;
    return this.call((api, progress) => {
      const step = (events: StepEvent[]): boolean => {
        progress();
        for (const e of events) onStep?.(e); // the worker sends steps in batches (policy/step-batch.ts)
        return !signal?.aborted;
      };
      return api.trainerGenerate(this.key, { folder: this.opts!.folder, prompt, params }, Comlink.proxy(step));
    }, stallMs);
  }

  /** LoRA, AdamW moments and step as plain data: what a checkpoint stores. */
  exportState(): Promise<TrainerState> {
    return this.call((api) => api.trainerExport(this.key));
  }

  /** Resumes exactly from a checkpoint. */
  async importState(state: TrainerState): Promise<void> {
    await this.call((api) => api.trainerImport(this.key, { state }));
    if (this.current) this.current = { ...this.current, step: state.step };
  }

  /** Starts from this LoRA (graph layout) with fresh moments at step 0. */
  async importLora(lora: Record<string, PlainTensor>): Promise<void> {
    await this.call((api) => api.trainerImport(this.key, { lora }));
    if (this.current) this.current = { ...this.current, step: 0 };
  }

  /** Back to the initial (no-op) LoRA, zero moments, step 0. */
  async reset(): Promise<void> {
    await this.call((api) => api.trainerReset(this.key));
    if (this.current) this.current = { ...this.current, step: 0 };
  }

  /** The current LoRA as a PEFT adapter for the bundled base (adapter_config.json + adapter_model.safetensors). */
  async exportAdapter(baseModel = 'sgp-tiny-policy'): Promise<PeftAdapterFiles> {
    const info = this.current ?? notInitialised();
    const { lora } = await this.exportState();
    return toPeftAdapter(lora, { ...info.lora, baseModel });
  }

  /** Starts from a PEFT adapter's LoRA (checked against this policy's rank, alpha and targets). */
  importAdapter(files: PeftAdapterFiles): Promise<void> {
    const info = this.current ?? notInitialised();
    return this.importLora(fromPeftAdapter(files, info.lora));
  }

  async release(): Promise<void> {
    this.current = null;
    this.opts = null;
    await this.ml.call((api) => api.trainerRelease(this.key));
  }

  private call<R>(fn: (api: Parameters<Parameters<MlClient['call']>[0]>[0], progress: () => void) => Promise<R> | R, timeoutMs = this.timeoutMs): Promise<R> {
    return this.ml.call(async (api, progress) => {
      if (!this.opts) notInitialised();
      if (this.ml.status.generation !== this.generation) {
        throw new TrainerStateLost(`the ml worker restarted (generation ${this.generation} → ${this.ml.status.generation}) and the learner's LoRA and optimizer state went with it; call init({ state }) with the last checkpoint to resume`);
      }
      return fn(api, progress);
    }, timeoutMs);
  }
}

function notInitialised(): never {
  throw new Error('the trainer is not initialised; call init({ folder }) first');
}
