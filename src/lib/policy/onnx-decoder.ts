// The bundled Llama policy graph (transformers.js layout: input_ids, attention_mask, position_ids,
// past_key_values.L.key/value in; logits, present.L.key/value out) as a DecoderGraph. The cache is
// the session's own output tensors, fed straight back: on WebGPU they never leave the GPU.
import { int64Tensor, readFloat32, releaseTensor, runOnDevice, type DeviceTensor, type PlainTensor } from '../models/backend';
import type { DecoderGraph } from './decoder';

type Session = Parameters<typeof runOnDevice>[0];
type Cache = Record<string, PlainTensor | DeviceTensor>;

export interface DecoderShape {
  layers: number;
  kvHeads: number;
  headDim: number;
  vocabSize: number;
}

/** The cache shape from a Hugging Face config.json. */
export function decoderShape(config: { num_hidden_layers: number; num_key_value_heads?: number; num_attention_heads: number; head_dim?: number; hidden_size: number; vocab_size: number }): DecoderShape {
  return {
    layers: config.num_hidden_layers,
    kvHeads: config.num_key_value_heads ?? config.num_attention_heads,
    headDim: config.head_dim ?? config.hidden_size / config.num_attention_heads,
    vocabSize: config.vocab_size,
  };
}

/** `extra` feeds every pass too (e.g. the LoRA tensors of model_lora.onnx, a transformers.js-layout LoRA graph). */
export function onnxDecoder(session: Session, shape: DecoderShape, extra: Record<string, PlainTensor | DeviceTensor> = {}): DecoderGraph<Cache> {
  const names = Array.from({ length: shape.layers }, (_, l) => [`${l}.key`, `${l}.value`]).flat();
  const empty = (rows: number): Cache =>
    Object.fromEntries(names.map((n) => [n, { type: 'float32', dims: [rows, shape.kvHeads, 0, shape.headDim], data: new Float32Array(0) } satisfies PlainTensor]));
  const release = (cache: Cache): void => Object.values(cache).forEach(releaseTensor);
  // The attention mask is all ones (the group shares its prompt, nothing is padded): one buffer, grown
  // by doubling, whose prefix every step feeds.
  let ones = new BigInt64Array(0);
  const mask = (n: number): BigInt64Array => (ones.length >= n ? ones : (ones = new BigInt64Array(Math.max(n, 2 * ones.length)).fill(1n))).subarray(0, n);

  return {
    vocabSize: shape.vocabSize,
    async forward({ ids, rows, pastLength, past }) {
      const length = ids.length / rows;
      const idData = new BigInt64Array(ids.length);
      const positions = new BigInt64Array(ids.length);
      for (let i = 0; i < ids.length; i++) [idData[i], positions[i]] = [BigInt(ids[i]!), BigInt(pastLength + (i % length))];
      const cache = past ?? empty(rows);
      const feeds: Record<string, PlainTensor | DeviceTensor> = {
        ...extra,
        input_ids: int64Tensor(session, idData, [rows, length]),
        attention_mask: int64Tensor(session, mask(rows * (pastLength + length)), [rows, pastLength + length]),
        position_ids: int64Tensor(session, positions, [rows, length]),
      };
      for (const n of names) feeds[`past_key_values.${n}`] = cache[n]!;
      const out = await runOnDevice(session, feeds);
      const next: Cache = Object.fromEntries(names.map((n) => [n, out[`present.${n}`] ?? missing(n)]));
      const logitsT = out.logits ?? missing('logits');
      try {
        const all = await readFloat32(logitsT);
        if (length === 1) return { logits: all, cache: next }; // a decode step: already [rows, vocab]
        const V = shape.vocabSize;
        const logits = new Float32Array(rows * V);
        for (let r = 0; r < rows; r++) logits.set(all.subarray(((r + 1) * length - 1) * V, (r + 1) * length * V), r * V);
        return { logits, cache: next };
      } finally {
        logitsT.dispose();
        for (const [name, t] of Object.entries(out)) if (name !== 'logits' && !name.startsWith('present.')) t.dispose();
      }
    },
    async expand(cache, rows) {
      const grown: Cache = {};
      for (const n of names) {
        const t = cache[n]!;
        const data = 'getData' in t ? await readFloat32(t) : (t.data as Float32Array);
        const tiled = new Float32Array(data.length * rows);
        for (let r = 0; r < rows; r++) tiled.set(data, r * data.length);
        grown[n] = { type: 'float32', dims: [rows, ...t.dims.slice(1)], data: tiled };
      }
      release(cache);
      return grown;
    },
    release,
  };
}

function missing(name: string): never {
  throw new Error(`the policy graph has no output '${name}'; expected logits and present.L.key/value (transformers.js decoder layout)`);
}
