// The bundled policy's decoders in onnxruntime-web (WASM backend, in Node) against the fp32 goldens that
// onnxruntime (Python, CPU) wrote: model.onnx through the shared external-data file, exactly; the default
// int8 variant (self-contained, its cache kept by the caller: cache-decoder.ts) close to it, with the same
// next token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';

const DIR = 'public/models/sgp-tiny-policy/';
ort.env.wasm.numThreads = 1;

interface LogitsGolden {
  tolerance: { fp32_abs: number };
  prefill: { input_ids: number[][]; attention_mask: number[][]; position_ids: number[][]; last_logits: number[][] };
  step: { input_ids: number[][]; position_ids: number[][]; logits: number[][] };
}
const golden = JSON.parse(readFileSync(DIR + 'goldens/logits.json', 'utf8')) as LogitsGolden;
const cfg = JSON.parse(readFileSync(DIR + 'config.json', 'utf8')) as Record<string, number>;
const i64 = (rows: number[][]): ort.Tensor =>
  new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0]?.length ?? 0]);

/** Last-position logits of the golden prefill and of the cached step after it. */
async function prefillAndStep(sess: ort.InferenceSession): Promise<[number[][], number[][]]> {
  const p = golden.prefill;
  const B = p.input_ids.length;
  const hd = (cfg.hidden_size as number) / (cfg.num_attention_heads as number);
  const feeds: Record<string, ort.Tensor> = { input_ids: i64(p.input_ids), attention_mask: i64(p.attention_mask), position_ids: i64(p.position_ids) };
  for (let i = 0; i < (cfg.num_hidden_layers as number); i++) {
    for (const kv of ['key', 'value']) feeds[`past_key_values.${i}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [B, cfg.num_key_value_heads as number, 0, hd]);
  }
  const last = (t: ort.Tensor): number[][] => {
    const [b, s, v] = t.dims as [number, number, number];
    return Array.from({ length: b }, (_, i) => Array.from((t.data as Float32Array).subarray((i * s + s - 1) * v, (i * s + s) * v)));
  };
  const first = await sess.run(feeds);
  const next: Record<string, ort.Tensor> = {
    input_ids: i64(golden.step.input_ids), position_ids: i64(golden.step.position_ids),
    attention_mask: i64(p.attention_mask.map((row) => [...row, 1])),
  };
  for (const [k, v] of Object.entries(first)) {
    if (k.startsWith('present.')) next[`past_key_values.${k.slice(8)}`] = v;
    // A cache-outside graph returns only the call's new keys/values, [B, S, H·hd]: the caller's cache is [B, H, S, hd].
    if (k.startsWith('new.')) next[`past_key_values.${k.slice(4)}`] = headsFirst(v, cfg.num_key_value_heads as number);
  }
  return [last(first.logits as ort.Tensor), last((await sess.run(next)).logits as ort.Tensor)];
}

/** [B, S, H·hd] → [B, H, S, hd]. */
function headsFirst(t: ort.Tensor, heads: number): ort.Tensor {
  const [b, s, width] = t.dims as [number, number, number];
  const hd = width / heads;
  const src = t.data as Float32Array;
  const out = new Float32Array(src.length);
  for (let i = 0; i < b; i++) for (let p = 0; p < s; p++) for (let h = 0; h < heads; h++) {
    out.set(src.subarray(((i * s + p) * heads + h) * hd, ((i * s + p) * heads + h + 1) * hd), ((i * heads + h) * s + p) * hd);
  }
  return new ort.Tensor('float32', out, [b, heads, s, hd]);
}

const maxAbs = (a: number[][], b: number[][]): number => Math.max(...a.flatMap((row, i) => row.map((x, j) => Math.abs(x - (b[i]?.[j] ?? NaN)))));
const argmax = (rows: number[][]): number[] => rows.map((r) => r.indexOf(Math.max(...r)));

test('fp32 model.onnx reads its weights from policy_weights.onnx_data and matches the goldens in WASM', async () => {
  const sess = await ort.InferenceSession.create(readFileSync(DIR + 'onnx/model.onnx'), {
    executionProviders: ['wasm'], externalData: [{ path: 'policy_weights.onnx_data', data: readFileSync(DIR + 'onnx/policy_weights.onnx_data') }],
  });
  const [prefill, step] = await prefillAndStep(sess);
  assert.ok(maxAbs(prefill, golden.prefill.last_logits) <= golden.tolerance.fp32_abs, `prefill off by ${maxAbs(prefill, golden.prefill.last_logits)}`);
  assert.ok(maxAbs(step, golden.step.logits) <= golden.tolerance.fp32_abs, `cached step off by ${maxAbs(step, golden.step.logits)}`);
});

test('default int8 model_quantized.onnx is self-contained and tracks fp32 in WASM', async () => {
  const sess = await ort.InferenceSession.create(readFileSync(DIR + 'onnx/model_quantized.onnx'), { executionProviders: ['wasm'] });
  const [prefill, step] = await prefillAndStep(sess);
  // Python onnxruntime measured 0.32 on the prefill; quantization error, not a loading fault, stays below 1
  assert.ok(maxAbs(prefill, golden.prefill.last_logits) <= 1, `prefill off fp32 by ${maxAbs(prefill, golden.prefill.last_logits)}`);
  assert.ok(maxAbs(step, golden.step.logits) <= 1, `cached step off fp32 by ${maxAbs(step, golden.step.logits)}`);
  assert.deepEqual(argmax(prefill), argmax(golden.prefill.last_logits));
  assert.deepEqual(argmax(step), argmax(golden.step.logits));
});
