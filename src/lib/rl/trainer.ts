// The GRPO learner as it lives in the ml worker: the policy's LoRA, AdamW's moments and the step count
// stay here as ORT tensors (GPU buffers on WebGPU) from one step to the next and feed the LoRA sampler
// (train_step.json `sampler`: model_lora_fused.onnx, the fused fp32 graph with LoRA inputs) directly, so an
// update reaches the next group without a copy through the page. Only a packed batch comes in and only
// statistics go out.
//
// old_logp: with one update per group (μ = 1, TRL's num_iterations = 1) the old policy IS the current
// one, so the graph uses its own forward pass's log-probs, detached (use_old_logp = 0): the ratio is 1,
// its gradient is ∇logp, and no separate log-prob pass runs. When the sampler differs from the learner
// (a quantized variant), the caller passes the sampler's per-token log-probs as `oldLogp` and the graph
// takes them (use_old_logp = 1): the clipped ratio then corrects for the mismatch as in PPO. The RL
// sampler here is fp32 with these very tensors (within 4e-5 of the learner's logits), so sampler = learner.
//
// Devices: the step and the LoRA sampler may run on different devices (`sampler` option). On the lent H200
// the LoRA sampler decoded 4–10× faster on WASM (8 threads) than on WebGPU, where the step ran 5× faster
// than on WASM (README, Real GPU), so 'auto' there samples on WASM and trains on WebGPU; the LoRA then
// crosses once per step (0.75 MB read back from the GPU), not once per token.
//
// Packing: the step graph (train_step.json `packed`) has dynamic shapes and takes the group packed into as
// few slots as it fits (train-batch.ts packSlots), so a step costs about the group's real tokens, not
// G × a padded length. Its session is made with the trainer, so the first step does not pay for it. The
// reference pass (klBeta > 0 only) uses the fixed-shape log-prob graph of the smallest bucket that holds
// the group (`buckets`), made on first use and kept.
import { createSession, detectDevice, runOnDevice, type Device, type DeviceTensor, type PlainTensor } from '../models/backend';
import { getFile, getJson } from '../models/hub';
import { learnerDevice, samplerDevice } from '../models/stage-device';
import { readSafetensors } from '../models/safetensors';
import { packBatch, packSlots, type TrainBatch } from './train-batch';
import { CapturedStep, type StepScalars } from './captured-step';
import { checkLora, checkState, freshState, missingLora, plainRecord, prefixed, zeros, type TrainerState } from './trainer-state';

export type { TrainerState };

export { packBatch, packSlots, type TrainBatch };

type Session = Awaited<ReturnType<typeof createSession>>['session'];
type Tensor = PlainTensor | DeviceTensor;

/** Hyper-parameters of one step; the defaults are the research's (DAPO clip-higher, β = 0). */
export interface TrainHyper {
  lr: number;
  /** Ratio clip range [1 − clipLow, 1 + clipHigh]. */
  clipLow: number;
  clipHigh: number;
  /** Weight of the k3 KL to the base policy (LoRA off); 0 skips the reference pass entirely. */
  klBeta: number;
  weightDecay: number;
  /** Global gradient-norm clip; 0 turns it off. */
  maxGradNorm: number;
  /** 0: mean over the batch's loss tokens; > 0: sum / lossDenom (Dr.GRPO: G · max completion length). */
  lossDenom: number;
}

export const DEFAULT_HYPER: TrainHyper = Object.freeze({ lr: 1e-4, clipLow: 0.2, clipHigh: 0.28, klBeta: 0, weightDecay: 0, maxGradNorm: 1, lossDenom: 0 });

export interface TrainStats {
  /** Finished steps after this one. */
  step: number;
  loss: number;
  kl: number;
  clip_frac: number;
  entropy: number;
  grad_norm: number;
  /** Wall time of the whole call in the worker (packing, reference pass, step). */
  ms: number;
  /** Loss tokens in the batch. */
  tokens: number;
  /** The packed step's shape: `slots` rows of `seq` tokens (the longest row); rows cut to the policy's context. */
  seq: number;
  slots: number;
  truncated: number;
}

export interface TrainerOptions {
  /** The policy folder (absolute URL) holding train_step.json and the graphs. */
  folder: string;
  device?: Device | 'auto';
  /** Starting LoRA (e.g. an imported adapter) with fresh moments; default the folder's lora_init. */
  lora?: Record<string, PlainTensor>;
  /** A checkpoint to resume exactly (LoRA, moments, step); wins over `lora`. */
  state?: TrainerState;
  /** WASM threads, if this is the worker's first ORT use (ORT reads it once); default min(4, cores). */
  threads?: number;
  /** Where the LoRA sampler decodes: default with the step; 'auto' as stage-device.ts `samplerDevice` says. */
  sampler?: Device | 'auto';
  /** false: on WebGPU run the packed step through ORT's run, not a graph capture (to compare the two). */
  capture?: boolean;
}

export interface TrainerInfo {
  /** Where the train step runs. */
  device: Device;
  /** Where the LoRA sampler decodes. */
  samplerDevice: Device;
  /** The step replays a WebGPU graph capture (captured-step.ts). */
  captured: boolean;
  notice?: string;
  step: number;
  batch: number;
  buckets: number[];
  lora: { rank: number; alpha: number; targets: string[]; shapes: Record<string, number[]> };
}

interface Manifest {
  batch: number;
  seq: number;
  external_data?: string[];
  buckets?: { seq: number; train_step: string; logprob: string }[];
  lora: { rank: number; alpha: number; targets: string[] };
  train_step: { file: string; input_order: string[] };
  packed: { file: string; input_order: string[] };
  logprob: { file: string; inputs: Record<string, [string, number[]]> };
  /** The packed step with every node on the GPU, for graph capture (training/policy/train_step_gpu.py). */
  gpu?: { file: string };
  /** `file` keeps its KV cache in JS (fast on WASM); `webgpu_file` feeds `present` back, so on WebGPU the cache stays on the GPU. */
  sampler: { file: string; webgpu_file?: string; lora_inputs: string[] };
}

export class Trainer {
  private readonly refs = new Map<number, Promise<Session>>();
  /** The LoRA's values for a sampler on another device; dropped when the state changes. */
  private plainLora: Promise<Record<string, PlainTensor>> | null = null;
  private state!: { step: number; lora: Record<string, Tensor>; m: Record<string, Tensor>; v: Record<string, Tensor> };

  private constructor(
    private readonly folder: string,
    private readonly manifest: Manifest,
    private readonly weights: { path: string; data: Uint8Array }[],
    private readonly initLora: Record<string, PlainTensor>,
    private readonly padId: number,
    /** Longest row the step takes (the policy's context); longer rows are cut. */
    private readonly maxLength: number,
    private readonly stepSession: Session,
    /** On WebGPU, the step with graph capture (captured-step.ts); null: stepSession runs it. */
    private readonly captured: CapturedStep | null,
    /** The LoRA sampler: decode with `samplerFeeds()` as extra inputs. */
    readonly sampler: Session,
    readonly info: Omit<TrainerInfo, 'step'>,
  ) {}

  static async create(opts: TrainerOptions): Promise<Trainer> {
    const folder = opts.folder.endsWith('/') ? opts.folder : `${opts.folder}/`;
    const url = (file: string) => new URL(file, folder).href;
    // Through the model cache (models/hub.ts), as the sampler's files: the Train tab works after an offline reload.
    const getBytes = async (file: string) => (await getFile(url(file), { id: folder, file })).bytes;
    const manifest = await getJson<Manifest>(url('train_step.json'), { id: folder, file: 'train_step.json (a trainable policy folder needs it: training/policy/train_step.py)' });
    const config = await getJson<{ pad_token_id?: number; eos_token_id?: number; max_position_embeddings?: number }>(url('config.json'), { id: folder, file: 'config.json' });
    if (!manifest.packed) throw new Error(`${url('train_step.json')} has no 'packed' step graph; export it with training/policy/train_step_packed.py`);
    const weights = await Promise.all(
      (manifest.external_data ?? ['onnx/policy_weights.onnx_data']).map(async (f) => ({ path: f.split('/').pop()!, data: await getBytes(f) })),
    );
    const initLora = readSafetensors(await getBytes('lora_init.safetensors'));
    const detected = opts.device === 'auto' || opts.device === 'webgpu' ? await detectDevice() : null;
    const emulated = detected?.emulated === true;
    const stepDevice = opts.device === 'auto' ? learnerDevice(detected!.device, emulated) : (opts.device ?? 'wasm');
    const made = await createSession(await getBytes(manifest.packed.file), stepDevice, weights, `${manifest.packed.file} of ${folder}`);
    const onWasmForSpeed = opts.device === 'auto' && detected!.device === 'webgpu' && stepDevice === 'wasm';
    const device = made.info.device;
    const wanted = opts.sampler === 'auto' ? samplerDevice(device, globalThis.crossOriginIsolated === true) : (opts.sampler ?? device);
    const samplerFile = wanted === 'webgpu' && manifest.sampler.webgpu_file ? manifest.sampler.webgpu_file : manifest.sampler.file;
    const sampler = await createSession(await getBytes(samplerFile), wanted, weights, `${samplerFile} of ${folder}`);
    const shapes = Object.fromEntries(manifest.sampler.lora_inputs.map((n) => [n, initLora[n]?.dims ?? missingLora(n)]));
    const buckets = (manifest.buckets ?? [{ seq: manifest.seq, train_step: manifest.train_step.file, logprob: manifest.logprob.file }]).map((b) => b.seq).sort((a, b) => a - b);
    const padId = config.pad_token_id ?? config.eos_token_id ?? 0;
    let captured: CapturedStep | null = null;
    let uncaptured: string | undefined;
    if (device === 'webgpu' && manifest.gpu && opts.capture !== false) {
      captured = new CapturedStep(await getBytes(manifest.gpu.file), weights, shapes, `${manifest.gpu.file} of ${folder}`, emulated ? null : manifest.batch);
      await captured.init().catch(async (err: unknown) => {
        uncaptured = `the WebGPU train step runs uncaptured (${err instanceof Error ? err.message : String(err)})`;
        await captured?.release();
        captured = null;
      });
    }
    const emulatedNotice = onWasmForSpeed ? `the WebGPU adapter is CPU-emulated (${detected!.reason}): the learner runs on WASM, faster there` : undefined;
    const notice = [emulatedNotice, made.info.notice, sampler.info.notice, uncaptured].filter(Boolean).join('; ');
    const trainer = new Trainer(folder, manifest, weights, initLora, padId, config.max_position_embeddings ?? 1024, made.session, captured, sampler.session, {
      device,
      samplerDevice: sampler.info.device,
      captured: captured !== null,
      ...(notice ? { notice } : {}),
      batch: manifest.batch,
      buckets,
      lora: { ...manifest.lora, shapes },
    });
    trainer.restore(opts.state ?? freshState(opts.lora ? checkLora(opts.lora, shapes) : initLora));
    return trainer;
  }

  get step(): number {
    return this.state.step;
  }

  /**
   * The LoRA sampler's extra inputs: the learner's current tensors, shared, not copied — or, when the
   * sampler runs on another device than the step, their values, read back once per step.
   */
  async samplerFeeds(): Promise<Record<string, Tensor>> {
    if (this.info.samplerDevice === this.info.device) return { ...this.state.lora };
    this.plainLora ??= this.captured ? this.captured.read().then((s) => s.lora) : plainRecord(this.state.lora);
    return this.plainLora;
  }

  /** One GRPO update on one group (≤ batch rows); returns the step's statistics. */
  async trainStep(batch: TrainBatch, hyper: Partial<TrainHyper> = {}): Promise<TrainStats> {
    const t0 = performance.now();
    const h = { ...DEFAULT_HYPER, ...hyper };
    const withRef = batch.refLogp || h.klBeta <= 0 ? batch : { ...batch, refLogp: await this.referenceLogp(batch) };
    const packed = packSlots(withRef, this.info.batch, this.maxLength, this.padId);
    const step = this.state.step;
    const scalars: StepScalars = {
      step, lr: h.lr, clip_low: h.clipLow, clip_high: h.clipHigh, kl_beta: h.klBeta, weight_decay: h.weightDecay,
      max_grad_norm: h.maxGradNorm, loss_denom: h.lossDenom, use_old_logp: packed.oldLogp ? 1 : 0,
    };
    // Either engine keeps the old state when a statistic is not finite: such a step would poison the LoRA
    // for every later sample.
    const stats = this.captured ? await this.captured.run(packed, scalars) : await this.runPacked(packed, scalars);
    if (!Object.values(stats).every(Number.isFinite)) {
      throw new Error(`train step ${step + 1} produced non-finite statistics ${JSON.stringify(stats)}; the LoRA was not updated (lower lr or check advantages)`);
    }
    if (this.captured) {
      this.state.step = step + 1; // the captured step updated the state's GPU buffers in place
      this.plainLora = null;
    }
    return { step: step + 1, ...stats, ms: performance.now() - t0, tokens: packed.tokens, seq: packed.length, slots: packed.slots, truncated: packed.truncated };
  }

  /** The packed step graph through ORT's run: the updated tensors replace the state when the step is finite. */
  private async runPacked(packed: ReturnType<typeof packSlots>, scalars: StepScalars): Promise<Record<'loss' | 'kl' | 'clip_frac' | 'entropy' | 'grad_norm', number>> {
    const dims = [packed.slots, packed.length];
    const f32 = (data: Float32Array | null): PlainTensor => ({ type: 'float32', dims, data: data ?? new Float32Array(packed.slots * packed.length) });
    const { lora, m, v, step } = this.state;
    const feeds: Record<string, Tensor> = {
      ...lora,
      ...prefixed('adam_m.', m),
      ...prefixed('adam_v.', v),
      ...Object.fromEntries(Object.entries(scalars).map(([k, x]) => [k, { type: 'float32', dims: [], data: Float32Array.of(x) } as PlainTensor])),
      input_ids: { type: 'int64', dims, data: packed.ids },
      position_ids: { type: 'int64', dims, data: packed.positions },
      segment_ids: { type: 'int64', dims, data: packed.segments },
      loss_mask: f32(packed.mask),
      advantages: f32(packed.advantages),
      old_logp: f32(packed.oldLogp),
      ref_logp: f32(packed.refLogp),
    };
    const out = await runOnDevice(this.stepSession, feeds);
    const stat = async (name: string): Promise<number> => Number((await (out[name] ?? missingOutput(name)).getData())[0]);
    const stats = { loss: await stat('loss'), kl: await stat('kl'), clip_frac: await stat('clip_frac'), entropy: await stat('entropy'), grad_norm: await stat('grad_norm') };
    if (!Object.values(stats).every(Number.isFinite)) {
      Object.values(out).forEach((t) => t.dispose());
      return stats;
    }
    const names = Object.keys(lora);
    const next = {
      step: step + 1,
      lora: Object.fromEntries(names.map((n) => [n, out[`updated.${n}`]!])),
      m: Object.fromEntries(names.map((n) => [n, out[`updated.adam_m.${n}`]!])),
      v: Object.fromEntries(names.map((n) => [n, out[`updated.adam_v.${n}`]!])),
    };
    for (const [name, t] of Object.entries(out)) if (!name.startsWith('updated.')) t.dispose();
    this.replace(next);
    return stats;
  }

  /** The state as plain data (downloaded from the GPU on WebGPU), for checkpoints and export. */
  async exportState(): Promise<TrainerState> {
    const { step, lora, m, v } = this.state;
    if (this.captured) return { step, ...(await this.captured.read()) };
    return { step, lora: await plainRecord(lora), m: await plainRecord(m), v: await plainRecord(v) };
  }

  /** Replaces the state: a checkpoint (exact resume), or a LoRA alone (fresh moments, step 0). */
  importState(next: { state: TrainerState } | { lora: Record<string, PlainTensor> }): void {
    this.replace('state' in next ? checkState(next.state, this.info.lora.shapes) : freshState(checkLora(next.lora, this.info.lora.shapes)));
  }

  /** Back to the folder's initial LoRA (a no-op adapter: B = 0), zero moments, step 0. */
  reset(): void {
    this.replace(freshState(this.initLora));
  }

  async release(): Promise<void> {
    if (this.captured) await this.captured.release();
    else this.replace({ step: 0, lora: {}, m: {}, v: {} });
    for (const s of this.refs.values()) await (await s.catch(() => null))?.release();
    this.refs.clear();
    await this.stepSession.release();
    await this.sampler.release();
  }

  /** Each row's sampled tokens' log p under the base policy (LoRA off: B = 0), for the KL term (klBeta > 0). */
  private async referenceLogp(batch: TrainBatch): Promise<number[][]> {
    const B = this.info.batch;
    const padded = packBatch(batch, B, this.info.buckets, this.padId);
    const T = padded.seq;
    const session = await this.session(this.refs, T);
    const off = Object.fromEntries(Object.entries(this.initLora).map(([n, t]) => [n, n.endsWith('lora_B') ? zeros(t.dims) : t]));
    const out = await runOnDevice(session, { ...off, input_ids: { type: 'int64', dims: [B, T], data: padded.ids } });
    out.entropy?.dispose();
    const logp = out.logp ?? missingOutput('logp');
    const data = (await logp.getData()) as Float32Array;
    logp.dispose();
    return batch.ids.map((row, b) => {
      const n = Math.min(row.length, batch.length?.[b] ?? row.length, T);
      return Array.from(data.subarray(b * T + batch.promptLen[b]!, b * T + Math.max(n, batch.promptLen[b]!)));
    });
  }

  private session(table: Map<number, Promise<Session>>, seq: number): Promise<Session> {
    const graph = 'logprob';
    let found = table.get(seq);
    if (!found) {
      const bucket = this.manifest.buckets?.find((b) => b.seq === seq);
      const file = bucket ? bucket[graph] : this.manifest[graph].file;
      found = getFile(new URL(file, this.folder).href, { id: this.folder, file })
        .then(({ bytes }) => createSession(bytes, this.info.device, this.weights, `${file} of ${this.folder}`))
        .then((made) => made.session);
      found.catch(() => table.delete(seq)); // a failed load is retried by the next step
      table.set(seq, found);
    }
    return found;
  }

  private restore(state: TrainerState): void {
    this.plainLora = null;
    if (this.captured) {
      // the captured step's state lives in fixed GPU buffers: write into them, keep their tensors
      this.captured.load(state);
      this.state = { step: state.step, ...this.captured.tensors() };
      return;
    }
    this.state = { step: state.step, lora: { ...state.lora }, m: { ...state.m }, v: { ...state.v } };
  }

  private replace(next: TrainerState | Trainer['state']): void {
    const old = this.state;
    this.restore(next as TrainerState);
    if (old && !this.captured) for (const rec of [old.lora, old.m, old.v]) for (const t of Object.values(rec)) if ('dispose' in t) t.dispose();
  }
}

function missingOutput(name: string): never {
  throw new Error(`the train-step graph has no output '${name}'; re-export it with training/policy/train_step.py`);
}
