// The one module that owns onnxruntime-web: which execution provider to use, where ORT's wasm
// comes from, and plain-data tensors in and out (so workers can post them). Nothing else imports ORT.
// Runs inside ml.worker: ORT's own proxy worker does not work with WebGPU, so ours hosts it.
//
// Two ORT builds, each imported on first use: WebGPU sessions need the WebGPU bundle (whose wasm is
// the asyncify build), but WASM sessions run faster on the plain WASM build — up to 45 % at batch 1
// (see `npm run bench`, decode_*). A session loaded with `wasmBuild: 'asyncify'` runs WASM on the
// WebGPU bundle instead, for measuring exactly that. Tensors belong to the build that made them.
import type * as Ort from 'onnxruntime-web';

type OrtModule = typeof Ort;
type Build = 'wasm' | 'webgpu';

export type Device = 'webgpu' | 'wasm';

/** A tensor as plain data: what crosses the worker boundary and what goldens store. */
export interface PlainTensor {
  type: 'float32' | 'int64' | 'int32' | 'bool' | 'uint8';
  dims: number[];
  data: number[] | Float32Array | Int32Array | Uint8Array;
}

export interface SessionInfo {
  device: Device;
  /** Why this session runs on WASM although WebGPU was asked for or looked for: shown to the user. */
  notice?: string;
  inputNames: readonly string[];
  outputNames: readonly string[];
}

/**
 * What this browser can run: WebGPU when an adapter exists, else WASM. `emulated`: the adapter is a CPU
 * fallback (SwiftShader), where WebGPU is correct but slow (stage-device.ts decides with it).
 */
export async function detectDevice(): Promise<{ device: Device; reason: string; shaderF16: boolean; emulated?: boolean }> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) return { device: 'wasm', reason: 'navigator.gpu is absent', shaderF16: false };
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter();
  } catch (err) {
    return { device: 'wasm', reason: `requestAdapter() failed: ${message(err)}`, shaderF16: false };
  }
  if (!adapter) return { device: 'wasm', reason: 'no WebGPU adapter (requestAdapter() returned null)', shaderF16: false };
  const emulated = (adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter === true || adapter.info.architecture === 'swiftshader';
  return { device: 'webgpu', reason: `${adapter.info.vendor} ${adapter.info.architecture}`.trim(), shaderF16: adapter.features.has('shader-f16'), emulated };
}

export type WasmBuild = 'plain' | 'asyncify';

export interface BackendConfig {
  /** The .wasm file of each build, as Vite emitted it: ORT's wasm must come from this site (no CDN). */
  wasmUrls?: { plain: string; asyncify: string };
  threads: number;
}

let config: BackendConfig | null = null;
const builds: Partial<Record<Build, Promise<OrtModule>>> = {};
/** Which build each session belongs to: its inputs must be that build's tensors. */
export const owners = new WeakMap<Ort.InferenceSession, OrtModule>();

/** Call before the first session; later calls are ignored (ORT reads its env once per build). */
export function configure(next: BackendConfig): void {
  config ??= next;
}

/** The ORT build for `device` (static-session.ts uses it too). */
export function ortFor(device: Device, wasmBuild: WasmBuild): Promise<OrtModule> {
  const build: Build = device === 'webgpu' || wasmBuild === 'asyncify' ? 'webgpu' : 'wasm';
  return (builds[build] ??= (build === 'webgpu' ? import('onnxruntime-web/webgpu') : import('onnxruntime-web/wasm')).then((ort) => {
    const url = config?.wasmUrls?.[build === 'webgpu' ? 'asyncify' : 'plain'];
    if (url) ort.env.wasm.wasmPaths = { wasm: url };
    // Threads need cross-origin isolation (SharedArrayBuffer); without it ORT must not try.
    ort.env.wasm.numThreads = globalThis.crossOriginIsolated ? (config?.threads ?? 1) : 1;
    ort.env.logLevel = 'error';
    return ort;
  }));
}

/** A weights file a graph references by name (ONNX external data), e.g. shared by several graphs. */
export interface ExternalData {
  path: string;
  /** URL or bytes. */
  data: string | Uint8Array;
}

/**
 * Fetches a model or external-data file. Static servers often answer a missing file with the app's
 * index.html (SPA fallback), which ORT would then report as a protobuf error: refuse HTML here.
 */
export async function fetchBytes(url: string, what: string): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    throw new Error(`${what} ${url} could not be fetched: ${message(err)}`);
  }
  const html = (res.headers.get('content-type') ?? '').includes('text/html');
  if (!res.ok || html) throw new Error(`${what} ${url} not found (HTTP ${res.status}${html ? ', an HTML page' : ''}); is the model folder in public/models?`);
  return new Uint8Array(await res.arrayBuffer());
}

/**
 * Creates a session on `device` ('auto': WebGPU when an adapter exists). A WebGPU failure — no
 * adapter, or session creation throwing (an op or a limit the GPU refuses) — falls back to WASM and
 * says so in `info.notice`. `what` names the model and its external data in errors.
 */
export async function createSession(
  model: Uint8Array,
  device: Device | 'auto',
  externalData: { path: string; data: Uint8Array }[] = [],
  what = 'model',
  wasmBuild: WasmBuild = 'plain',
): Promise<{ session: Ort.InferenceSession; info: SessionInfo }> {
  const open = async (ep: Device) => {
    const ort = await ortFor(ep, wasmBuild);
    const session = await ort.InferenceSession.create(model, {
      executionProviders: [ep],
      graphOptimizationLevel: 'all',
      // WASM threads wait for work without spinning: a spinning pool burns the cores that the page, the
      // render workers and other tabs need, and on a busy 2-core machine it made decoding slower, not
      // faster (B=8, 2 threads: 205 vs 144 tok/s, 559 vs 402 tokens per CPU-second; README, Sampling).
      ...(ep === 'wasm' ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
      // Outputs stay where they were computed: a KV cache fed back to the next step never visits
      // the CPU. Whoever needs the values reads them (readTensor / run download them).
      ...(ep === 'webgpu' ? { preferredOutputLocation: 'gpu-buffer' as const } : {}),
      ...(externalData.length ? { externalData } : {}),
    });
    owners.set(session, ort);
    return session;
  };
  let notice: string | undefined;
  let target: Device = device === 'auto' ? 'webgpu' : device;
  if (device === 'auto') {
    const found = await detectDevice();
    target = found.device;
    if (target === 'wasm') notice = `WebGPU unavailable (${found.reason}); running on WASM`;
  }
  if (target === 'webgpu') {
    try {
      const session = await open('webgpu');
      return { session, info: { device: 'webgpu', inputNames: session.inputNames, outputNames: session.outputNames } };
    } catch (err) {
      // ORT frees a session whose creation failed, so nothing half-made is left on the GPU.
      notice = `WebGPU could not run ${what} (${clip(message(err))}); running on WASM`;
    }
  }
  let session: Ort.InferenceSession;
  try {
    session = await open('wasm');
  } catch (err) {
    throw new Error(`${what} could not be loaded: ${clip(message(err))}`);
  }
  return { session, info: { device: 'wasm', ...(notice ? { notice } : {}), inputNames: session.inputNames, outputNames: session.outputNames } };
}

const CTORS = { float32: Float32Array, int32: Int32Array, uint8: Uint8Array, bool: Uint8Array } as const;

/** A tensor made by (or for) one session's build; on WebGPU its data may live on the GPU. */
export type DeviceTensor = Ort.Tensor;

/** The ORT build that made `session`. */
export function ortOf(session: Ort.InferenceSession): OrtModule {
  const ort = owners.get(session);
  if (!ort) throw new Error('this session was not made by createSession(); its ORT build is unknown');
  return ort;
}

export function toOrt(session: Ort.InferenceSession, t: PlainTensor): Ort.Tensor {
  const ort = ortOf(session);
  if (t.type === 'int64') return new ort.Tensor('int64', BigInt64Array.from(Array.from(t.data as ArrayLike<number>, (v) => BigInt(v))), t.dims);
  const data = t.data instanceof CTORS[t.type] ? t.data : CTORS[t.type].from(t.data as ArrayLike<number>);
  return new ort.Tensor(t.type, data as Float32Array, t.dims);
}

/**
 * An int64 tensor for `session` straight from BigInts: per-step decoder inputs (ids, positions, the
 * attention mask) skip the number → BigInt conversion that `toOrt` does element by element.
 */
export function int64Tensor(session: Ort.InferenceSession, data: BigInt64Array, dims: number[]): DeviceTensor {
  return new (ortOf(session).Tensor)('int64', data, dims);
}

export async function fromOrt(t: Ort.Tensor): Promise<PlainTensor> {
  const data = await t.getData(); // downloads from the GPU when the output lives there
  const dims = [...t.dims];
  if (t.type === 'int64') return { type: 'int64', dims, data: Array.from(data as BigInt64Array, Number) };
  if (t.type === 'float32') return { type: 'float32', dims, data: data as Float32Array };
  if (t.type === 'int32') return { type: 'int32', dims, data: data as Int32Array };
  if (t.type === 'bool' || t.type === 'uint8') return { type: t.type, dims, data: data as Uint8Array };
  throw new Error(`output type ${t.type} is not supported; expected float32, int64, int32, bool or uint8`);
}

export async function run(session: Ort.InferenceSession, feeds: Record<string, PlainTensor>): Promise<Record<string, PlainTensor>> {
  const outputs = await runOnDevice(session, feeds);
  const out: Record<string, PlainTensor> = {};
  for (const [name, tensor] of Object.entries(outputs)) {
    out[name] = await fromOrt(tensor);
    tensor.dispose();
  }
  return out;
}

/**
 * Runs `session` and leaves its outputs where they are (on the GPU for WebGPU sessions): for state
 * fed back into the next call, like a KV cache. Feeds may mix plain data and such outputs. The caller
 * owns the outputs and disposes them (`releaseTensor`).
 */
export async function runOnDevice(session: Ort.InferenceSession, feeds: Record<string, PlainTensor | DeviceTensor>): Promise<Record<string, DeviceTensor>> {
  const missing = session.inputNames.filter((n) => !(n in feeds));
  if (missing.length) throw new Error(`missing inputs: ${missing.join(', ')}; the model takes ${session.inputNames.join(', ')}`);
  const made: Ort.Tensor[] = [];
  const inputs: Record<string, Ort.Tensor> = {};
  for (const [k, v] of Object.entries(feeds)) {
    if (isPlain(v)) made.push((inputs[k] = toOrt(session, v)));
    else inputs[k] = v;
  }
  try {
    return await session.run(inputs);
  } finally {
    for (const t of made) t.dispose();
  }
}

/** The float32 values of a tensor, downloaded when it lives on the GPU. */
export async function readFloat32(t: DeviceTensor): Promise<Float32Array> {
  if (t.type !== 'float32') throw new Error(`expected a float32 tensor, got ${t.type}`);
  return (await t.getData()) as Float32Array;
}

export function releaseTensor(t: PlainTensor | DeviceTensor): void {
  if (!isPlain(t)) t.dispose();
}

export const isPlain = (t: PlainTensor | DeviceTensor): t is PlainTensor => !('dispose' in t);

export function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** ORT errors can run to kilobytes of stack; the first 300 characters carry the cause. */
export function clip(text: string): string {
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
