// The GRPO train-step graph of the bundled policy runs in onnxruntime-web inside Chromium's ml worker
// and reproduces one step that onnxruntime (Python) took on a fixed batch: log-probs from logprob.onnx
// (goldens/train_step.json), then one step off-policy (goldens/train_step_offpolicy.json: old_logp and
// ref_logp moved off the current log-probs, kl_beta > 0, so ratios clip and the KL term pulls), checked
// on its loss, statistics and updated LoRA/AdamW tensors. One step: it takes ≈ 15 s on WASM here.
// The golden itself is checked against PEFT and TRL by tests/factory/train-step-golden.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { useHeadlessPage, type Win } from './setup';
import { readSafetensors } from '../../src/lib/models/safetensors';
import type { PlainTensor } from '../../src/lib/models/backend';

const ctx = useHeadlessPage();
const dir = 'public/models/sgp-tiny-policy';
const manifest = JSON.parse(readFileSync(`${dir}/train_step.json`, 'utf8')) as {
  batch: number;
  seq: number;
  train_step: { input_order: string[] };
  logprob: { inputs: Record<string, unknown> };
};
type Summary = { sum: number; abs_sum: number };
type Stat = 'loss' | 'kl' | 'clip_frac' | 'entropy' | 'grad_norm';
const batch = JSON.parse(readFileSync(`${dir}/goldens/train_step.json`, 'utf8')) as {
  input_ids: number[][];
  loss_mask_rows: [number, number][];
  advantages: number[];
  'old_logp = ref_logp': Summary & { row_sums: number[] };
};
const golden = JSON.parse(readFileSync(`${dir}/goldens/train_step_offpolicy.json`, 'utf8')) as {
  offsets: Record<'old_logp' | 'ref_logp', { rows: number[][] }>;
  hyper: Record<string, number>;
  tolerance: { stats_rel: number; tensors_rel: number };
  step: { updated: Record<string, Summary> } & Record<Stat, number>;
};
const lora = readSafetensors(readFileSync(`${dir}/lora_init.safetensors`));
const loraNames = Object.keys(manifest.logprob.inputs).filter((n) => n !== 'input_ids');
const [B, T] = [manifest.batch, manifest.seq];
const external = [{ path: 'policy_weights.onnx_data', url: 'models/sgp-tiny-policy/onnx/policy_weights.onnx_data' }];

const plain = (t: PlainTensor) => ({ ...t, data: Array.from(t.data) });
const scalar = (v: number): PlainTensor => ({ type: 'float32', dims: [], data: [v] });
const relClose = (a: number, b: number, rel: number) => Math.abs(a - b) <= rel * Math.max(1e-6, Math.abs(b));
const run = (key: string, feeds: Record<string, PlainTensor>) =>
  ctx.page.evaluate(
    ([k, f]) => (window as unknown as Win).sgp.onnxRun(k, f).then((o) => Object.fromEntries(Object.entries(o).map(([n, t]) => [n, Array.from(t.data)]))),
    [key, feeds] as const,
  );
const load = (key: string, file: string) =>
  ctx.page.evaluate(([k, u, e]) => (window as unknown as Win).sgp.onnxLoad(k, u, 'wasm', e), [key, `models/sgp-tiny-policy/onnx/${file}`, external] as const);

test('one off-policy GRPO step on WASM matches onnxruntime: log-probs, loss, clip and KL statistics, updated tensors', async () => {
  const want = golden.step;
  assert.ok(want.clip_frac > 0.05 && want.kl > 0 && golden.hyper.kl_beta! > 0, 'the golden step exercises clipping and the KL term');
  const inputIds: PlainTensor = { type: 'int64', dims: [B, T], data: batch.input_ids.flat() };
  const mask = new Array<number>(B * T).fill(0);
  batch.loss_mask_rows.forEach(([start, end], b) => mask.fill(1, b * T + start, b * T + end));
  const loraFeeds = Object.fromEntries(loraNames.map((n) => [n, plain(lora[n]!)]));

  await load('logprob', 'logprob.onnx');
  const lp = await run('logprob', { ...loraFeeds, input_ids: inputIds });
  const logp = lp.logp!.map((v, i) => v * mask[i]!);
  const rowSums = Array.from({ length: B }, (_, b) => logp.slice(b * T, (b + 1) * T).reduce((s, v) => s + v, 0));
  rowSums.forEach((s, b) => assert.ok(relClose(s, batch['old_logp = ref_logp'].row_sums[b]!, 1e-4), `row ${b} log-prob sum ${s}`));
  /** (logp + offset) on the loss mask, 0 elsewhere: the golden's old_logp and ref_logp. */
  const offPolicy = (which: 'old_logp' | 'ref_logp'): number[] => {
    const out = new Array<number>(B * T).fill(0);
    batch.loss_mask_rows.forEach(([start, end], b) => {
      for (let t = start; t < end; t++) out[b * T + t] = logp[b * T + t]! + golden.offsets[which].rows[b]![t - start]!;
    });
    return out;
  };

  const zeros = (n: string) => ({ ...plain(lora[n]!), data: new Array(lora[n]!.data.length).fill(0) });
  const feeds: Record<string, PlainTensor> = {
    ...loraFeeds,
    ...Object.fromEntries(loraNames.map((n) => [`adam_m.${n}`, zeros(n)])),
    ...Object.fromEntries(loraNames.map((n) => [`adam_v.${n}`, zeros(n)])),
    ...Object.fromEntries(Object.entries(golden.hyper).map(([k, v]) => [k, scalar(v)])),
    step: scalar(0),
    input_ids: inputIds,
    loss_mask: { type: 'float32', dims: [B, T], data: mask },
    advantages: { type: 'float32', dims: [B], data: batch.advantages },
    old_logp: { type: 'float32', dims: [B, T], data: offPolicy('old_logp') },
    ref_logp: { type: 'float32', dims: [B, T], data: offPolicy('ref_logp') },
  };
  assert.deepEqual(Object.keys(feeds).sort(), [...manifest.train_step.input_order].sort());
  await load('train-step', 'train_step.onnx');
  const out = await run('train-step', feeds);
  for (const stat of ['loss', 'kl', 'clip_frac', 'entropy', 'grad_norm'] as const) {
    const got = out[stat]![0]!;
    assert.ok(Math.abs(got - want[stat]) <= golden.tolerance.stats_rel * Math.max(1e-3, Math.abs(want[stat])), `${stat}: ${got} vs ${want[stat]}`);
  }
  for (const [name, s] of Object.entries(want.updated)) {
    const data = out[name]!;
    const sum = data.reduce((a, v) => a + v, 0);
    const absSum = data.reduce((a, v) => a + Math.abs(v), 0);
    assert.ok(relClose(absSum, s.abs_sum, golden.tolerance.tensors_rel), `${name}: abs sum ${absSum} vs ${s.abs_sum}`);
    assert.ok(Math.abs(sum - s.sum) <= golden.tolerance.tensors_rel * s.abs_sum, `${name}: sum ${sum} vs ${s.sum}`);
  }
});
