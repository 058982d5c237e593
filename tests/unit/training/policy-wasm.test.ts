// The bundled policy's training graphs in onnxruntime-web (WASM backend, in Node) against the goldens
// that onnxruntime (Python, CPU) wrote: the log-prob graph and two chained GRPO train steps, each fed
// the previous step's outputs. (Decoder logits are checked in Chromium: tests/browser/policy.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { readSafetensors } from '../../../src/lib/models/safetensors';

const DIR = 'public/models/sgp-tiny-policy/';
const json = <T>(p: string): T => JSON.parse(readFileSync(DIR + p, 'utf8')) as T;
ort.env.wasm.numThreads = 1;

interface Summary { shape: number[]; sum: number; abs_sum: number; head: number[] }
interface StepGolden { loss: number; kl: number; clip_frac: number; entropy: number; grad_norm: number; logp: Summary; updated: Record<string, Summary> }
interface TrainGolden {
  input_ids: number[][]; loss_mask_rows: [number, number][]; advantages: number[]; hyper: Record<string, number>;
  'old_logp = ref_logp': Summary & { row_sums: number[] }; steps: StepGolden[];
}

const close = (got: number, want: number, rtol: number, atol: number, what: string): void =>
  assert.ok(Math.abs(got - want) <= atol + rtol * Math.abs(want), `${what}: got ${got}, want ${want}`);
const i64 = (rows: number[][]): ort.Tensor =>
  new ort.Tensor('int64', BigInt64Array.from(rows.flat().map((x) => BigInt(x))), [rows.length, rows[0]?.length ?? 0]);
const scalar = (x: number): ort.Tensor => new ort.Tensor('float32', Float32Array.of(x), []);
const sum = (t: ort.Tensor): number => (t.data as Float32Array).reduce((a, b) => a + b, 0);

/** LoRA tensors through the app's own safetensors reader. */
function readLora(path: string): Map<string, ort.Tensor> {
  return new Map(Object.entries(readSafetensors(readFileSync(path))).map(([n, t]) => [n, new ort.Tensor('float32', t.data as Float32Array, t.dims)]));
}

const shared = { externalData: [{ path: 'policy_weights.onnx_data', data: readFileSync(DIR + 'onnx/policy_weights.onnx_data') }] };

test('log-prob graph and two chained GRPO train steps match the goldens in WASM', { timeout: 600_000 }, async () => {
  const g = json<TrainGolden>('goldens/train_step.json');
  const lp = await ort.InferenceSession.create(readFileSync(DIR + 'onnx/logprob.onnx'), { executionProviders: ['wasm'], ...shared });
  const step = await ort.InferenceSession.create(readFileSync(DIR + 'onnx/train_step.onnx'), { executionProviders: ['wasm'], ...shared });
  const lora = readLora(DIR + 'lora_init.safetensors');
  const names = lp.inputNames.filter((n) => n !== 'input_ids');
  const [B, T] = [g.input_ids.length, g.input_ids[0]?.length ?? 0];
  const ids = i64(g.input_ids);
  const mask = new Float32Array(B * T);
  g.loss_mask_rows.forEach(([a, e], b) => mask.fill(1, b * T + a, b * T + e));

  const feedsLp: Record<string, ort.Tensor> = { input_ids: ids };
  for (const n of names) feedsLp[n] = lora.get(n) ?? assert.fail(`lora_init lacks ${n}`);
  const logp = (await lp.run(feedsLp)).logp as ort.Tensor;
  const old = new Float32Array((logp.data as Float32Array).map((x, i) => x * (mask[i] as number)));
  g['old_logp = ref_logp'].row_sums.forEach((want, b) =>
    close(old.subarray(b * T, (b + 1) * T).reduce((a, x) => a + x, 0), want, 1e-4, 1e-3, `old_logp row ${b}`));

  const state = new Map<string, ort.Tensor>();
  for (const n of names) {
    const t = lora.get(n) as ort.Tensor;
    state.set(n, t);
    state.set(`adam_m.${n}`, new ort.Tensor('float32', new Float32Array(t.size), t.dims));
    state.set(`adam_v.${n}`, new ort.Tensor('float32', new Float32Array(t.size), t.dims));
  }
  for (const [k, want] of g.steps.entries()) {
    const feeds: Record<string, ort.Tensor> = Object.fromEntries(state);
    Object.assign(feeds, {
      step: scalar(k), input_ids: ids, loss_mask: new ort.Tensor('float32', mask, [B, T]),
      advantages: new ort.Tensor('float32', Float32Array.from(g.advantages), [B]),
      old_logp: new ort.Tensor('float32', old, [B, T]), ref_logp: new ort.Tensor('float32', old, [B, T]),
    });
    for (const [h, v] of Object.entries(g.hyper)) feeds[h] = scalar(v);
    // The golden feeds old_logp = logp(lora_init) to both steps. Step 1 runs on-policy, so the graph's own
    // detached log-probs (use_old_logp = 0, no separate pass) must give the same step; step 2 is off-policy
    // (its LoRA moved) and takes old_logp from the input.
    feeds.use_old_logp = scalar(k === 0 ? 0 : 1);
    const out = await step.run(feeds);
    for (const stat of ['loss', 'kl', 'clip_frac', 'entropy', 'grad_norm'] as const) {
      close((out[stat] as ort.Tensor).data[0] as number, want[stat], 1e-3, 1e-6, `step ${k + 1} ${stat}`);
    }
    for (const [name, s] of Object.entries(want.updated)) {
      const t = out[name] ?? assert.fail(`missing output ${name}`);
      // parameters move by ±lr where Adam sees tiny gradients, so a sign flip of one near-zero gradient
      // shifts their sum by 2·lr: a looser bound than for the moments
      const tol = name.includes('adam_') ? 1e-3 : 5e-3;
      close(sum(t), s.sum, 0, tol * s.abs_sum + 1e-7, `step ${k + 1} ${name} sum`);
      state.set(name.slice('updated.'.length), t); // feed the update back as next step's input
    }
  }
});

// AdamW keeps two moments; a graph that read one input for both (it once did: make_fx wired one traced
// tensor into both) passes every golden made while both are zero. With no gradient (advantages 0, β = 0)
// one step must decay each moment on its own: m' = β1·m, v' = β2·v.
// The packed graph takes any [slots, length]; a bucket graph only its own [8, T].
for (const [file, S, L] of [['onnx/train_step_packed.onnx', 2, 16], ['onnx/train_step_128.onnx', 8, 128]] as const) {
  test(`${file} updates AdamW's first and second moments from their own inputs`, { timeout: 300_000 }, async () => {
    const manifest = json<{ adamw: { betas: [number, number] }; packed: { input_order: string[] } }>('train_step.json');
    const [b1, b2] = manifest.adamw.betas;
    const session = await ort.InferenceSession.create(readFileSync(DIR + file), { executionProviders: ['wasm'], ...shared });
    const lora = readLora(DIR + 'lora_init.safetensors');
    const filled = (t: ort.Tensor, x: number) => new ort.Tensor('float32', new Float32Array(t.size).fill(x), t.dims);
    const tokens = (x: number) => new ort.Tensor('float32', new Float32Array(S * L).fill(x), [S, L]);
    const ids = i64(Array.from({ length: S }, () => Array.from({ length: L }, (_, i) => 4 + i)));
    const feeds: Record<string, ort.Tensor> = {
      step: scalar(3), lr: scalar(1e-3), input_ids: ids, loss_mask: tokens(1), old_logp: tokens(0), ref_logp: tokens(0),
      clip_low: scalar(0.2), clip_high: scalar(0.28), kl_beta: scalar(0), weight_decay: scalar(0), max_grad_norm: scalar(1), loss_denom: scalar(0), use_old_logp: scalar(0),
    };
    if (file.includes('packed')) {
      Object.assign(feeds, { position_ids: i64(Array.from({ length: S }, () => Array.from({ length: L }, (_, i) => i))), segment_ids: i64(Array.from({ length: S }, () => Array(L).fill(1))), advantages: tokens(0) });
    } else {
      feeds.advantages = new ort.Tensor('float32', new Float32Array(S), [S]);
    }
    for (const [n, t] of lora) Object.assign(feeds, { [n]: t, [`adam_m.${n}`]: filled(t, 0.01), [`adam_v.${n}`]: filled(t, 1e-6) });
    const missing = session.inputNames.filter((n) => !(n in feeds));
    assert.deepEqual(missing, [], `inputs this test does not feed: ${missing.join(', ')}`);
    const out = await session.run(feeds);
    for (const n of lora.keys()) {
      const m = out[`updated.adam_m.${n}`]!.data as Float32Array;
      const v = out[`updated.adam_v.${n}`]!.data as Float32Array;
      close(m[0]!, b1 * 0.01, 1e-5, 0, `${n} first moment`);
      close(v[0]!, b2 * 1e-6, 1e-5, 0, `${n} second moment`);
    }
  });
}
