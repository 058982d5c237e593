// The GRPO step on WebGPU with graph capture (models/static-session.ts): train_step.json's `gpu` graph
// (training/policy/train_step_gpu.py: the packed step with every node on the GPU), one captured session per
// (slots, length) shape, the group's packed rows padded up to it. The learner's LoRA and AdamW moments live
// in GPU buffers shared by every shape; a step writes its batch into that shape's input buffers, replays
// the recording, and copies the updated tensors onto the state's buffers on the GPU. Only five statistics
// are read back. Shapes round up so a run records few: the length to LENGTHS, the slots to `fixedSlots` (the
// group's rows) on a real GPU, where padding costs little and a recording ~1.8 s (H200) — init records the
// usual lengths there —, and to a power of two on an emulated adapter, where every padded token costs.
import type { DeviceTensor, PlainTensor } from '../models/backend';
import { copySlots, createStaticSession, gpuSlot, runStatic, type GpuSlot } from '../models/static-session';
import type { packSlots } from './train-batch';

type Packed = ReturnType<typeof packSlots>;
/** What a step reads of a packed group (null: zeros). */
type Rows = Pick<Packed, 'slots' | 'length' | 'ids'> & { [K in 'positions' | 'segments' | 'mask' | 'advantages' | 'oldLogp' | 'refLogp']: ArrayLike<number> | null };
type Session = Awaited<ReturnType<typeof createStaticSession>>;

/** Slot lengths a shape rounds up to (the longest is the policy's context); a real GPU skips 64, padding is cheap there. */
const LENGTHS = { gpu: [128, 256, 512, 1024], emulated: [64, 128, 256, 512, 1024] };
/** Shapes recorded at init: on a real GPU every length a group of ≤ 320 new tokens packs into. */
const RECORDED_AT_INIT = { gpu: [128, 256, 512], emulated: [64] };
/** Recorded shapes kept at once (each holds its own activations on the GPU). */
const MAX_SHAPES = 6;
const STATS = ['loss', 'kl', 'clip_frac', 'entropy', 'grad_norm'] as const;
const SCALARS = ['step', 'lr', 'clip_low', 'clip_high', 'kl_beta', 'weight_decay', 'max_grad_norm', 'loss_denom', 'use_old_logp'] as const;

export type StepScalars = Record<(typeof SCALARS)[number], number>;

interface Shape {
  session: Session;
  inputs: Record<string, GpuSlot>;
  outputs: Record<string, GpuSlot>;
}

/** The learner's tensors as GPU buffers: LoRA, first and second moments, each by LoRA name. */
interface StateSlots {
  lora: Record<string, GpuSlot>;
  m: Record<string, GpuSlot>;
  v: Record<string, GpuSlot>;
  updated: Record<string, GpuSlot>;
}

export class CapturedStep {
  private readonly shapes = new Map<string, Promise<Shape>>();
  private state: StateSlots | null = null;

  constructor(
    private readonly model: Uint8Array,
    private readonly weights: { path: string; data: Uint8Array }[],
    private readonly loraShapes: Record<string, number[]>,
    private readonly what: string,
    /** Every shape's slot count (the group's rows), or null: the packed slots rounded to a power of two. */
    private readonly fixedSlots: number | null,
  ) {}

  /**
   * Makes the state's buffers and records the likeliest shape with a run on an empty batch (no loss tokens;
   * its update is not kept), so the first steps replay: a graph that cannot be captured fails here.
   */
  async init(): Promise<void> {
    const S = this.fixedSlots ?? 1;
    for (const L of RECORDED_AT_INIT[this.kind]) {
      const empty = { slots: S, length: L, ids: new Array<number>(S * L).fill(0), positions: null, segments: null, mask: null, advantages: null, oldLogp: null, refLogp: null };
      await this.run(empty, { step: 0, lr: 0, clip_low: 0.2, clip_high: 0.28, kl_beta: 0, weight_decay: 0, max_grad_norm: 1, loss_denom: 0, use_old_logp: 0 }, false);
    }
  }

  private get kind(): 'gpu' | 'emulated' {
    return this.fixedSlots ? 'gpu' : 'emulated';
  }

  /** The state's tensors (GPU buffers) to feed other WebGPU sessions, e.g. the LoRA sampler. */
  tensors(): { lora: Record<string, DeviceTensor>; m: Record<string, DeviceTensor>; v: Record<string, DeviceTensor> } {
    const s = this.slots();
    const of = (rec: Record<string, GpuSlot>) => Object.fromEntries(Object.entries(rec).map(([n, x]) => [n, x.tensor]));
    return { lora: of(s.lora), m: of(s.m), v: of(s.v) };
  }

  /** The state's values, read back from the GPU. */
  async read(): Promise<{ lora: Record<string, PlainTensor>; m: Record<string, PlainTensor>; v: Record<string, PlainTensor> }> {
    const s = this.slots();
    const plain = async (rec: Record<string, GpuSlot>) =>
      Object.fromEntries(await Promise.all(Object.entries(rec).map(async ([n, x]) => [n, { type: 'float32', dims: [...x.tensor.dims], data: await x.read() } as PlainTensor] as const)));
    return { lora: await plain(s.lora), m: await plain(s.m), v: await plain(s.v) };
  }

  /** Writes a state (a checkpoint, an imported LoRA, the initial one) into the GPU buffers. */
  load(state: { lora: Record<string, PlainTensor>; m: Record<string, PlainTensor>; v: Record<string, PlainTensor> }): void {
    const s = this.slots();
    for (const part of ['lora', 'm', 'v'] as const) {
      for (const [n, slot] of Object.entries(s[part])) slot.write(Float32Array.from(state[part][n]!.data as ArrayLike<number>));
    }
  }

  /** One step on a packed group; the state's buffers hold the update when it returns (unless `keep` is false). */
  async run(packed: Rows, scalars: StepScalars, keep = true): Promise<Record<(typeof STATS)[number], number>> {
    const S = this.fixedSlots ?? 2 ** Math.ceil(Math.log2(packed.slots));
    const L = LENGTHS[this.kind].find((l) => l >= packed.length) ?? packed.length;
    const shape = await this.shape(S, L);
    const s = this.slots();
    const lay = <T extends Float32Array | BigInt64Array>(out: T, src: ArrayLike<number> | null, conv: (x: number) => T[number]): T => {
      if (src) for (let r = 0; r < packed.slots; r++) for (let t = 0; t < packed.length; t++) out[r * L + t] = conv(src[r * packed.length + t]!);
      return out;
    };
    const f32 = (src: ArrayLike<number> | null) => lay(new Float32Array(S * L), src, Number);
    shape.inputs.input_ids!.write(lay(new BigInt64Array(S * L), packed.ids, BigInt));
    shape.inputs.position_ids!.write(f32(packed.positions));
    shape.inputs.segment_ids!.write(f32(packed.segments));
    shape.inputs.loss_mask!.write(f32(packed.mask));
    shape.inputs.advantages!.write(f32(packed.advantages));
    shape.inputs.old_logp!.write(f32(packed.oldLogp));
    shape.inputs.ref_logp!.write(f32(packed.refLogp));
    for (const k of SCALARS) shape.inputs[k]!.write(Float32Array.of(scalars[k]));
    const prefixed = (p: string, rec: Record<string, GpuSlot>) => Object.entries(rec).map(([n, x]) => [p + n, x.tensor] as const);
    const feeds = Object.fromEntries([...prefixed('', s.lora), ...prefixed('adam_m.', s.m), ...prefixed('adam_v.', s.v), ...Object.entries(shape.inputs).map(([n, x]) => [n, x.tensor] as const)]);
    const fetches = Object.fromEntries([...Object.entries(s.updated).map(([n, x]) => [n, x.tensor] as const), ...Object.entries(shape.outputs).map(([n, x]) => [n, x.tensor] as const)]);
    await runStatic(shape.session, feeds, fetches);
    const values = await Promise.all(STATS.map(async (k) => (await shape.outputs[k]!.read())[0]!));
    if (keep && values.every(Number.isFinite)) {
      // the update lands on the state only when the statistics are finite (Trainer.trainStep's rule)
      const pairs = (['lora', 'm', 'v'] as const).flatMap((part) => Object.entries(s[part]).map(([n, to]) => [s.updated[`updated.${part === 'lora' ? '' : `adam_${part}.`}${n}`]!, to] as [GpuSlot, GpuSlot]));
      await copySlots(shape.session, pairs);
    }
    return Object.fromEntries(STATS.map((k, i) => [k, values[i]!])) as Record<(typeof STATS)[number], number>;
  }

  async release(): Promise<void> {
    for (const p of this.shapes.values()) await releaseShape(await p.catch(() => null));
    this.shapes.clear();
    for (const rec of Object.values(this.state ?? {})) for (const x of Object.values(rec as Record<string, GpuSlot>)) x.destroy();
    this.state = null;
  }

  private slots(): StateSlots {
    if (!this.state) throw new Error('the captured train step has no state yet; call init() first');
    return this.state;
  }

  private shape(S: number, L: number): Promise<Shape> {
    const key = `${S}x${L}`;
    let found = this.shapes.get(key);
    if (!found) {
      if (this.shapes.size >= MAX_SHAPES) {
        const [oldest, shape] = this.shapes.entries().next().value!;
        this.shapes.delete(oldest);
        void shape.then(releaseShape, () => undefined);
      }
      found = this.record(S, L);
      found.catch(() => this.shapes.delete(key));
      this.shapes.set(key, found);
    } else {
      this.shapes.delete(key); // most recently used last
      this.shapes.set(key, found);
    }
    return found;
  }

  private async record(S: number, L: number): Promise<Shape> {
    const session = await createStaticSession(this.model, this.weights, `${this.what} (${S} × ${L})`, { capture: true, dims: { slots: S, length: L } });
    if (!this.state) {
      const make = async (prefix: string) => Object.fromEntries(await Promise.all(Object.entries(this.loraShapes).map(async ([n, d]) => [prefix + n, await gpuSlot(session, 'float32', d)] as const)));
      const [lora, m, v, ...updated] = await Promise.all([make(''), make(''), make(''), make('updated.'), make('updated.adam_m.'), make('updated.adam_v.')]);
      this.state = { lora: lora!, m: m!, v: v!, updated: Object.assign({}, ...updated) };
    }
    const perToken = ['input_ids', 'position_ids', 'segment_ids', 'loss_mask', 'advantages', 'old_logp', 'ref_logp'];
    const inputs: Record<string, GpuSlot> = {};
    for (const n of perToken) inputs[n] = await gpuSlot(session, n === 'input_ids' ? 'int64' : 'float32', [S, L]);
    for (const n of SCALARS) inputs[n] = await gpuSlot(session, 'float32', []);
    const outputs: Record<string, GpuSlot> = { logp: await gpuSlot(session, 'float32', [S, L]) };
    for (const n of STATS) outputs[n] = await gpuSlot(session, 'float32', []);
    return { session, inputs, outputs };
  }
}

async function releaseShape(shape: Shape | null): Promise<void> {
  if (!shape) return;
  await shape.session.release();
  for (const x of [...Object.values(shape.inputs), ...Object.values(shape.outputs)]) x.destroy();
}
