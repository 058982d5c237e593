// Static-shape WebGPU sessions: every input and output keeps one shape and one GPU buffer for its life. The
// caller writes inputs in place (queue.writeBuffer), binds outputs it allocated (a KV cache can be its own
// past), and reads back only what it needs. Used by the policy's decode step (policy/gpu-step.ts) and the
// captured train step (rl/captured-step.ts).
//
// Graph capture (`capture`): ORT records the session's dispatches on the first run and replays them after,
// skipping its per-kernel CPU work (~0.1 ms a kernel: a 2,700-kernel train step spent 465 ms on an H200 that
// computes it in tens of ms). Two things in onnxruntime-web 1.30 make it work or not:
// - the WebGPU EP hears `enableGraphCapture` only when the EP is given as an object ({ name: 'webgpu' }),
//   not as the string 'webgpu'; with the string the capturing run succeeds and replays fail;
// - after every run ORT unregisters the GPU buffers it was given, releasing their handles, so a replay
//   would bind released buffers. A pinned slot keeps its registration for good: its metadata entry's use
//   count is made NaN as ORT writes it, so it never drops to zero (the way ORT keeps the buffers of its own
//   outputs). The entry's symbol is read once from an output of a one-node probe graph.
// Graphs must be all-WebGPU for capture (ORT refuses a session with any CPU node).
import type * as Ort from 'onnxruntime-web';
import { clip, isPlain, message, ortFor, ortOf, owners, toOrt, type DeviceTensor, type PlainTensor } from './backend';

const captured = new WeakSet<Ort.InferenceSession>();

export interface StaticOptions {
  /** Record the dispatches on the first run and replay them (all slots pinned). */
  capture?: boolean;
  /** Values for the graph's symbolic dimensions (ONNX dim_param), making a dynamic graph static. */
  dims?: Record<string, number>;
}

export async function createStaticSession(model: Uint8Array, externalData: { path: string; data: Uint8Array }[], what: string, opts: StaticOptions = {}): Promise<Ort.InferenceSession> {
  const ort = await ortFor('webgpu', 'plain');
  try {
    const session = await ort.InferenceSession.create(model, {
      executionProviders: [{ name: 'webgpu' }],
      graphOptimizationLevel: 'all',
      enableGraphCapture: opts.capture === true,
      preferredOutputLocation: 'gpu-buffer',
      ...(opts.dims ? { freeDimensionOverrides: opts.dims } : {}),
      ...(externalData.length ? { externalData } : {}),
    });
    owners.set(session, ort);
    if (opts.capture) captured.add(session);
    return session;
  } catch (err) {
    throw new Error(`${what} could not be loaded on WebGPU${opts.capture ? ' for graph capture' : ''}: ${clip(message(err))}`);
  }
}

/** A GPU buffer bound as one tensor of a static session: written before a run, read after. */
export interface GpuSlot {
  readonly tensor: DeviceTensor;
  readonly buffer: GPUBuffer;
  write(data: Float32Array | Int32Array | BigInt64Array): void;
  read(): Promise<Float32Array>;
  destroy(): void;
}

const SLOT_TYPES = { float32: 4, int32: 4, int64: 8 } as const;

export async function gpuSlot(session: Ort.InferenceSession, type: keyof typeof SLOT_TYPES, dims: number[]): Promise<GpuSlot> {
  const ort = ortOf(session);
  const device = await ort.env.webgpu.device;
  const bytes = dims.reduce((a, b) => a * b, 1) * SLOT_TYPES[type];
  const size = Math.max(16, Math.ceil(bytes / 16) * 16);
  const buffer = device.createBuffer({ size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  if (captured.has(session)) pin(buffer, await registrationSymbol());
  let staging: GPUBuffer | null = null;
  const read = async () => {
    staging ??= device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const enc = device.createCommandEncoder();
    enc.copyBufferToBuffer(buffer, 0, staging, 0, size);
    device.queue.submit([enc.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const out = new Float32Array(staging.getMappedRange(0, bytes).slice(0));
    staging.unmap();
    return out;
  };
  // no `download`: a tensor's getData() would turn it into a CPU tensor for good, which a captured session
  // then refuses; read() is the way out
  const tensor = ort.Tensor.fromGpuBuffer(buffer, { dataType: type, dims });
  return {
    tensor,
    buffer,
    write: (data) => device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength),
    read,
    destroy() {
      buffer.destroy();
      staging?.destroy();
    },
  };
}

/** Copies each [from, to] slot's bytes on the GPU, in one submission. */
export async function copySlots(session: Ort.InferenceSession, pairs: [GpuSlot, GpuSlot][]): Promise<void> {
  const device = await ortOf(session).env.webgpu.device;
  const enc = device.createCommandEncoder();
  for (const [from, to] of pairs) enc.copyBufferToBuffer(from.buffer, 0, to.buffer, 0, Math.min(from.buffer.size, to.buffer.size));
  device.queue.submit([enc.finish()]);
}

/** One run of a static session into outputs the caller bound (a present KV cache may be its past's buffer). */
export async function runStatic(session: Ort.InferenceSession, feeds: Record<string, DeviceTensor | PlainTensor>, fetches: Record<string, DeviceTensor>): Promise<void> {
  const made: Ort.Tensor[] = [];
  const inputs: Record<string, Ort.Tensor> = {};
  for (const [k, v] of Object.entries(feeds)) inputs[k] = isPlain(v) ? (made.push(toOrt(session, v)), made.at(-1)!) : v;
  try {
    // a captured replay hands back fresh wrappers of the bound outputs: disposing them would release the
    // buffers the recording binds, so they are left to the garbage collector
    await session.run(inputs, fetches);
  } finally {
    for (const t of made) t.dispose();
  }
}

// ---- pinning (see the module comment) ----
// A one-node graph, Identity on float[1] (onnx.helper, opset 13): its output buffer carries ORT's symbol.
const PROBE = 'CAgSADo7ChAKAXgSAXkiCElkZW50aXR5EgVwcm9iZVoPCgF4EgoKCAgBEgQKAggBYg8KAXkSCgoICAESBAoCCAFCBAoAEA0=';
let symbol: Promise<symbol> | null = null;

function registrationSymbol(): Promise<symbol> {
  symbol ??= (async () => {
    const ort = await ortFor('webgpu', 'plain');
    const bytes = Uint8Array.from(atob(PROBE), (c) => c.charCodeAt(0));
    const probe = await ort.InferenceSession.create(bytes, { executionProviders: [{ name: 'webgpu' }], preferredOutputLocation: 'gpu-buffer' });
    try {
      const out = (await probe.run({ x: new ort.Tensor('float32', Float32Array.of(1), [1]) })).y!;
      const found = Object.getOwnPropertySymbols(out.gpuBuffer).find((s) => s.description === 'gpuBufferMetadata');
      out.dispose();
      if (!found) throw new Error("onnxruntime-web keeps no 'gpuBufferMetadata' on its GPU buffers (a new version?): graph capture cannot pin its inputs");
      return found;
    } finally {
      await probe.release();
    }
  })();
  symbol.catch(() => (symbol = null));
  return symbol;
}

function pin(buffer: GPUBuffer, key: symbol): void {
  let entry: [number, number] | undefined;
  Object.defineProperty(buffer, key, {
    configurable: true,
    get: () => entry,
    set: (next: [number, number] | undefined) => {
      entry = next;
      if (entry) entry[1] = NaN; // never counts down to zero: the handle is never released
    },
  });
}
