// The bundled policy in the browser: the decoder graph (prefill, then one step fed its own KV cache)
// on WASM and WebGPU, and the LoRA-as-inputs sampler graph with the shared external weights file,
// against the logits onnxruntime (Python) wrote to goldens/logits.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { useHeadlessPage, type Win } from './setup';
import type { PlainTensor } from '../../src/lib/models/backend';

const ctx = useHeadlessPage();
const dir = 'public/models/sgp-tiny-policy';
const config = JSON.parse(readFileSync(`${dir}/config.json`, 'utf8')) as { num_hidden_layers: number; num_key_value_heads: number; head_dim: number };
const golden = JSON.parse(readFileSync(`${dir}/goldens/logits.json`, 'utf8')) as {
  tolerance: { fp32_abs: number };
  prefill: { input_ids: number[][]; attention_mask: number[][]; position_ids: number[][]; last_logits: number[][] };
  step: { input_ids: number[][]; position_ids: number[][]; logits: number[][] };
};
const manifest = JSON.parse(readFileSync(`${dir}/train_step.json`, 'utf8')) as { sampler: { file: string; lora_inputs: string[] } };
const lora = manifest.sampler.lora_inputs;

const int64 = (rows: number[][]): PlainTensor => ({ type: 'int64', dims: [rows.length, rows[0]!.length], data: rows.flat() });
const L = config.num_hidden_layers;
const B = golden.prefill.input_ids.length;

function emptyPast(): Record<string, PlainTensor> {
  const past: Record<string, PlainTensor> = {};
  for (let l = 0; l < L; l++) {
    for (const kv of ['key', 'value']) past[`past_key_values.${l}.${kv}`] = { type: 'float32', dims: [B, config.num_key_value_heads, 0, config.head_dim], data: [] };
  }
  return past;
}

/** Zero LoRA: the LoRA graph must then equal the plain decoder. */
function zeroLora(): Record<string, PlainTensor> {
  const shapes = JSON.parse(readFileSync(`${dir}/train_step.json`, 'utf8')).logprob.inputs as Record<string, [string, number[]]>;
  return Object.fromEntries(lora.map((n) => [n, { type: 'float32', dims: shapes[n]![1], data: new Array(shapes[n]![1].reduce((a, b) => a * b, 1)).fill(0) }]));
}

const run = (key: string, feeds: Record<string, PlainTensor>) =>
  ctx.page.evaluate(
    ([k, f]) => (window as unknown as Win).sgp.onnxRun(k, f).then((o) => Object.fromEntries(Object.entries(o).map(([n, t]) => [n, { type: t.type, dims: t.dims, data: Array.from(t.data) }]))),
    [key, feeds] as const,
  );

/** Last-position logits of each row of a [B, T, V] output. */
function lastLogits(t: { dims: number[]; data: number[] }): number[][] {
  const [b, T, V] = t.dims as [number, number, number];
  return Array.from({ length: b }, (_, i) => t.data.slice((i * T + T - 1) * V, (i * T + T) * V));
}

function assertClose(actual: number[][], expected: number[][], tol: number, what: string): void {
  let worst = 0;
  expected.forEach((row, i) => row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - actual[i]![j]!)))));
  assert.ok(worst <= tol, `${what}: max abs error ${worst} > ${tol}`);
}

const graphs = [
  { name: 'model.onnx', device: 'wasm', extra: () => ({}) },
  { name: 'model.onnx', device: 'webgpu', extra: () => ({}) },
  { name: 'model_lora.onnx', device: 'wasm', extra: zeroLora },
] as const;

for (const g of graphs) {
  test(`${g.name} on ${g.device}: prefill and one cached step match onnxruntime`, async () => {
    const key = `${g.name}-${g.device}`;
    // both decoders keep their fp32 weights in the folder's shared external-data file
    const external = [{ path: 'policy_weights.onnx_data', url: `models/sgp-tiny-policy/onnx/policy_weights.onnx_data` }];
    await ctx.page.evaluate(([k, u, d, e]) => (window as unknown as Win).sgp.onnxLoad(k, u, d as 'wasm', e), [key, `models/sgp-tiny-policy/onnx/${g.name}`, g.device, external] as const);
    const p = golden.prefill;
    const first = await run(key, { input_ids: int64(p.input_ids), attention_mask: int64(p.attention_mask), position_ids: int64(p.position_ids), ...emptyPast(), ...g.extra() });
    assertClose(lastLogits(first.logits!), p.last_logits, golden.tolerance.fp32_abs, 'prefill');

    const past: Record<string, PlainTensor> = {};
    for (const [name, t] of Object.entries(first)) if (name.startsWith('present.')) past[`past_key_values.${name.slice(8)}`] = t as PlainTensor;
    const mask = p.attention_mask.map((row) => [...row, 1]);
    const second = await run(key, { input_ids: int64(golden.step.input_ids), attention_mask: int64(mask), position_ids: int64(golden.step.position_ids), ...past, ...g.extra() });
    assertClose(lastLogits(second.logits!), golden.step.logits, golden.tolerance.fp32_abs, 'cached step');
  });
}
