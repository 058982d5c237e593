// The WebGPU decode step of training/policy/gpu_graph.py (onnx/model_gpu.onnx) as a StepGraph: one
// static-shape ORT session per group size and cache length, its GPU buffers bound once. A step writes
// ids, positions and noise with queue.writeBuffer, runs the graph (the KV cache is updated in place:
// present.* are the past.* buffers) and reads back [rows, 2] floats. total_sequence_length goes as a
// CPU tensor: uncaptured, GroupQueryAttention reads it on the CPU (a GPU one would be copied back).
import { fetchBytes, type PlainTensor } from '../models/backend';
import { createStaticSession, gpuSlot, runStatic, type GpuSlot } from '../models/static-session';
import type { DecoderShape } from './onnx-decoder';
import type { StepGraph } from './step-sampler';

export const GPU_STEP_GRAPH = 'onnx/model_gpu.onnx';
/** The same step with the LoRA matrices as inputs (the learner's live tensors, as model_lora.onnx takes them). */
export const GPU_STEP_LORA_GRAPH = 'onnx/model_gpu_lora.onnx';
/** The weights file model_gpu.onnx points into (shared with model.onnx). */
export const GPU_STEP_WEIGHTS = 'policy_weights.onnx_data';

export interface GpuStep extends StepGraph {
  /** Extra inputs fed on every step from now on (the LoRA graph's A/B tensors): bind before a generation. */
  bind(extra: Extra): void;
  release(): Promise<void>;
}

type Extra = Record<string, GpuSlot['tensor'] | PlainTensor>;

/** The graph's bytes and weights, fetched once per folder and reused for every group size. */
export async function fetchGpuStep(folder: string, lora: boolean): Promise<StepFiles> {
  const base = folder.endsWith('/') ? folder : `${folder}/`;
  const [model, weights, config] = await Promise.all([
    fetchBytes(new URL(lora ? GPU_STEP_LORA_GRAPH : GPU_STEP_GRAPH, base).href, 'policy step graph'),
    fetchBytes(new URL(`onnx/${GPU_STEP_WEIGHTS}`, base).href, `external data ${GPU_STEP_WEIGHTS}:`),
    fetchBytes(new URL('config.json', base).href, 'policy config'),
  ]);
  // the graph's RoPE tables have max_position_embeddings rows: no cache may be longer
  const maxPositions = (JSON.parse(new TextDecoder().decode(config)) as { max_position_embeddings?: number }).max_position_embeddings ?? 1024;
  return { model, weights, maxPositions };
}

interface StepFiles {
  model: Uint8Array;
  weights: Uint8Array;
  maxPositions: number;
}

/** `extra`: the extra inputs of the first (warm-up) run, e.g. the learner's current LoRA. */
export async function gpuStep(files: StepFiles, shape: DecoderShape, rows: number, maxLength: number, extra: Extra = {}): Promise<GpuStep> {
  const session = await createStaticSession(files.model, [{ path: GPU_STEP_WEIGHTS, data: files.weights }], `${GPU_STEP_GRAPH} (${rows} rows)`);
  const slots: GpuSlot[] = [];
  const slot = async (type: 'float32' | 'int32', dims: number[]) => {
    const s = await gpuSlot(session, type, dims);
    slots.push(s);
    return s;
  };
  try {
    const ids = await slot('int32', [rows, 1]);
    const seqlens = await slot('int32', [rows]);
    const noise = await slot('float32', [rows, shape.vocabSize]);
    const next = await slot('float32', [rows, 2]);
    const total = (n: number): PlainTensor => ({ type: 'int32', dims: [1], data: [n] });
    const feeds: Record<string, GpuSlot['tensor'] | PlainTensor> = { input_ids: ids.tensor, seqlens_k: seqlens.tensor, total_sequence_length: total(1), noise: noise.tensor };
    const fetches: Record<string, GpuSlot['tensor']> = { next: next.tensor };
    for (let l = 0; l < shape.layers; l++) {
      for (const kv of ['key', 'value']) {
        // past and present share the buffer: GroupQueryAttention writes the new position in place
        const cache = await slot('float32', [rows, shape.kvHeads, maxLength, shape.headDim]);
        feeds[`past_key_values.${l}.${kv}`] = cache.tensor;
        fetches[`present.${l}.${kv}`] = cache.tensor;
      }
    }
    const seq = new Int32Array(rows);
    // A first run here (position 0, nothing of it kept) compiles the shaders, so that a GPU that cannot
    // run the graph fails now, before a generation relies on it, and the first token comes sooner.
    ids.write(new Int32Array(rows));
    seqlens.write(seq);
    let bound = extra;
    await runStatic(session, { ...feeds, ...bound }, fetches);
    await next.read();
    return {
      rows,
      vocabSize: shape.vocabSize,
      maxLength,
      async step(tokens, position, noiseRow) {
        if (position >= maxLength) throw new Error(`position ${position} is past the step graph's cache of ${maxLength}`);
        ids.write(tokens);
        seqlens.write(seq.fill(position));
        if (noiseRow) noise.write(noiseRow);
        await runStatic(session, { ...feeds, ...bound, total_sequence_length: total(position + 1) }, fetches);
        return next.read();
      },
      bind(next) {
        bound = next;
      },
      async release() {
        await session.release();
        slots.forEach((s) => s.destroy());
      },
    };
  } catch (err) {
    await session.release();
    slots.forEach((s) => s.destroy());
    throw err;
  }
}

/**
 * Step graphs by folder, group size and cache length, made on first use and kept for the worker's life
 * (a captured session is recorded once; making one per group would record it again). The cache length
 * is the prompt plus new tokens rounded up to a power of two (≥ 256), so a few sessions serve all calls.
 */
export class GpuSteps {
  private readonly files = new Map<string, Promise<StepFiles>>();
  private readonly steps = new Map<string, Promise<GpuStep>>();

  /** `lora`: the LoRA step graph, bound to these tensors (the learner's current LoRA) for this call. */
  async get(folder: string, shape: DecoderShape, rows: number, length: number, lora?: Extra): Promise<GpuStep> {
    const fileKey = `${folder}|${lora ? 'lora' : 'base'}`;
    let files = this.files.get(fileKey);
    if (!files) {
      this.files.set(fileKey, (files = fetchGpuStep(folder, !!lora)));
      files.catch(() => this.files.delete(fileKey));
    }
    const f = await files;
    const maxLength = Math.min(f.maxPositions, Math.max(256, 2 ** Math.ceil(Math.log2(length))));
    const key = `${fileKey}|${rows}|${maxLength}`;
    let found = this.steps.get(key);
    if (!found) {
      found = gpuStep(f, shape, rows, maxLength, lora);
      found.catch(() => this.steps.delete(key)); // a failed load is tried again by the next call
      this.steps.set(key, found);
    }
    const step = await found;
    if (lora) step.bind(lora);
    return step;
  }

  async release(): Promise<void> {
    const all = [...this.steps.values()];
    this.steps.clear();
    this.files.clear();
    await Promise.all(all.map((s) => s.then((x) => x.release(), () => undefined)));
  }
}
