// A fused policy graph whose KV cache lives here, in JS, instead of going round trip through the graph
// (training/policy/fused.py, cache="new": past_key_values.L.key/value in, only this call's new.L.key/value
// out). onnxruntime-web copies every CPU input into its wasm heap and every output back out on each run:
// with the transformers.js layout (present = past + new as outputs) a B=8 step moved the whole cache in,
// concatenated it and copied it out again, and at 384 cached positions that traffic took most of the step
// (WASM, 1 thread: 37.7 → 21.0 ms a step, 14.6 → 11.6 ms at 128; README, Sampling). Here the cache only
// goes in: a buffer per layer of `capacity` slots, grown by CHUNK slots at a time, whose unfilled slots
// the attention mask hides. Every row holds the same number of positions (the group shares its prompt).
import { int64Tensor, readFloat32, runOnDevice, type DeviceTensor, type PlainTensor } from '../models/backend';
import type { DecoderGraph } from './decoder';
import { onnxDecoder, type DecoderShape } from './onnx-decoder';

type Session = Parameters<typeof runOnDevice>[0];

/** Per layer: keys and values [rows, heads, capacity, headDim]; slots ≥ `length` are not filled yet. */
export interface JsCache {
  rows: number;
  length: number;
  capacity: number;
  keys: Float32Array[];
  values: Float32Array[];
}

/**
 * Slots added when the cache is full. Every step feeds the whole capacity, so spare slots cost input
 * copying; growing copies the cache once. 32 keeps both small (≤ 31 idle slots, a copy every 32 steps).
 */
const CHUNK = 32;

/** True when `session` is a graph of this layout (outputs new.0.key rather than present.0.key). */
export function keepsCacheOutside(session: Session): boolean {
  return session.outputNames.includes('new.0.key');
}

/** A graph's own cache layout: this file's for the fused graphs, onnx-decoder.ts's (present fed back) for transformers.js graphs. */
export function decoderFor(session: Session, shape: DecoderShape, extra: Record<string, PlainTensor | DeviceTensor> = {}): DecoderGraph<unknown> {
  return keepsCacheOutside(session) ? cacheDecoder(session, shape, extra) : onnxDecoder(session, shape, extra);
}

/** `extra` feeds every pass too (the LoRA tensors of the fused LoRA sampler). */
export function cacheDecoder(session: Session, shape: DecoderShape, extra: Record<string, PlainTensor | DeviceTensor> = {}): DecoderGraph<JsCache> {
  const { layers: L, kvHeads: H, headDim: D, vocabSize: V } = shape;
  const alloc = (rows: number, capacity: number): JsCache => ({
    rows,
    length: 0,
    capacity,
    keys: Array.from({ length: L }, () => new Float32Array(rows * H * capacity * D)),
    values: Array.from({ length: L }, () => new Float32Array(rows * H * capacity * D)),
  });
  /** The first `c.length` slots of `c` in a cache of `capacity` slots. */
  const regrow = (c: JsCache, capacity: number): JsCache => {
    const next = { ...alloc(c.rows, capacity), length: c.length };
    const used = c.length * D;
    for (let l = 0; l < L; l++) {
      for (let rh = 0; rh < c.rows * H; rh++) {
        next.keys[l]!.set(c.keys[l]!.subarray(rh * c.capacity * D, rh * c.capacity * D + used), rh * capacity * D);
        next.values[l]!.set(c.values[l]!.subarray(rh * c.capacity * D, rh * c.capacity * D + used), rh * capacity * D);
      }
    }
    return next;
  };

  return {
    vocabSize: V,
    async forward({ ids, rows, pastLength, past }) {
      const S = ids.length / rows;
      const cache = past ?? alloc(rows, CHUNK); // never empty: WebGPU cannot bind a zero-size buffer (the slots are masked)
      if (cache.rows !== rows || cache.length !== pastLength) throw new Error(`the cache holds ${cache.rows} rows × ${cache.length} positions; this pass needs ${rows} × ${pastLength}`);
      const C = cache.capacity;
      const idData = new BigInt64Array(ids.length);
      const positions = new BigInt64Array(ids.length);
      for (let i = 0; i < ids.length; i++) [idData[i], positions[i]] = [BigInt(ids[i]!), BigInt(pastLength + (i % S))];
      // attention_mask [rows, C + S]: filled slots and the new tokens are seen; idle slots are not.
      const mask = new BigInt64Array(rows * (C + S));
      for (let r = 0; r < rows; r++) {
        mask.fill(1n, r * (C + S), r * (C + S) + cache.length);
        mask.fill(1n, r * (C + S) + C, (r + 1) * (C + S));
      }
      const feeds: Record<string, PlainTensor | DeviceTensor> = {
        ...extra,
        input_ids: int64Tensor(session, idData, [rows, S]),
        attention_mask: int64Tensor(session, mask, [rows, C + S]),
        position_ids: int64Tensor(session, positions, [rows, S]),
      };
      for (let l = 0; l < L; l++) {
        feeds[`past_key_values.${l}.key`] = { type: 'float32', dims: [rows, H, C, D], data: cache.keys[l]! };
        feeds[`past_key_values.${l}.value`] = { type: 'float32', dims: [rows, H, C, D], data: cache.values[l]! };
      }
      const out = await runOnDevice(session, feeds);
      try {
        const grown = cache.length + S > C ? regrow(cache, Math.ceil((cache.length + S) / CHUNK) * CHUNK) : cache;
        // new.L.key/value [rows, S, H·D] → slots length … length + S of [rows, H, capacity, D]
        for (let l = 0; l < L; l++) {
          for (const [name, into] of [['key', grown.keys[l]!], ['value', grown.values[l]!]] as const) {
            const fresh = await readFloat32(out[`new.${l}.${name}`] ?? missing(`new.${l}.${name}`));
            for (let r = 0; r < rows; r++) {
              for (let s = 0; s < S; s++) {
                for (let h = 0; h < H; h++) {
                  const from = ((r * S + s) * H + h) * D;
                  const to = ((r * H + h) * grown.capacity + grown.length + s) * D;
                  for (let d = 0; d < D; d++) into[to + d] = fresh[from + d]!; // 32 floats: a loop beats a subarray object
                }
              }
            }
          }
        }
        grown.length += S;
        const all = await readFloat32(out.logits ?? missing('logits'));
        if (S === 1) return { logits: all, cache: grown }; // a decode step: already [rows, vocab]
        const logits = new Float32Array(rows * V);
        for (let r = 0; r < rows; r++) logits.set(all.subarray(((r + 1) * S - 1) * V, (r + 1) * S * V), r * V);
        return { logits, cache: grown };
      } finally {
        for (const t of Object.values(out)) t.dispose();
      }
    },
    async expand(cache, rows) {
      const tiled = alloc(rows, cache.capacity);
      tiled.length = cache.length;
      for (let l = 0; l < L; l++) {
        for (let r = 0; r < rows; r++) {
          tiled.keys[l]!.set(cache.keys[l]!, r * cache.keys[l]!.length);
          tiled.values[l]!.set(cache.values[l]!, r * cache.values[l]!.length);
        }
      }
      return tiled;
    },
    async keep(cache, rows) {
      const kept = alloc(rows.length, cache.capacity);
      kept.length = cache.length;
      const block = H * cache.capacity * D; // one row of one layer
      for (let l = 0; l < L; l++) {
        rows.forEach((r, j) => {
          kept.keys[l]!.set(cache.keys[l]!.subarray(r * block, (r + 1) * block), j * block);
          kept.values[l]!.set(cache.values[l]!.subarray(r * block, (r + 1) * block), j * block);
        });
      }
      return kept;
    },
    // Plain arrays: the garbage collector frees them. A pass grows its past in place, so the sampler's
    // release of the past after a pass must not clear anything.
    release() {},
  };
}

function missing(name: string): never {
  throw new Error(`the policy graph has no output '${name}'; a cache-outside graph (training/policy/fused.py, cache="new") outputs logits and new.L.key/value`);
}
