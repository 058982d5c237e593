// The stateful GRPO learner in Chromium's ml worker (src/lib/rl/trainer.ts through TrainerClient):
// 1. one off-policy step from lora_init on the golden batch (goldens/train_step_offpolicy.json: old_logp and
//    ref_logp moved off the current log-probs, kl_beta > 0, so ratios clip and the KL term pulls) matches
//    onnxruntime (Python) on its loss, statistics and every updated LoRA/AdamW tensor — run by the packed
//    step (rows sharing slots as long as the longest row), not the golden's padded T = 384 graph;
// 2. on-policy steps keep their state in the worker, reach the LoRA sampler without a copy, a worker restart
//    is reported instead of training afresh, and a checkpoint resumes the run after a page reload.
// The golden itself is checked against PEFT and TRL by tests/factory/train-step-golden.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { useHeadlessPage, type Win } from './setup';
import { waitForIsolation } from '../../scripts/lib/browser';
import { readSafetensors } from '../../src/lib/models/safetensors';
import type { PlainTensor } from '../../src/lib/models/backend';
import type { TrainBatch, TrainHyper } from '../../src/lib/rl/trainer';

const ctx = useHeadlessPage();
const dir = 'public/models/sgp-tiny-policy';
const manifest = JSON.parse(readFileSync(`${dir}/train_step.json`, 'utf8')) as { batch: number; seq: number; logprob: { inputs: Record<string, unknown> } };
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

const relClose = (a: number, b: number, rel: number) => Math.abs(a - b) <= rel * Math.max(1e-6, Math.abs(b));
type Api = Win['sgp'];
type Hook = 'trainerInit' | 'trainerStep' | 'trainerGenerate' | 'trainerExport' | 'trainerReset' | 'trainerCheckpoint' | 'trainerResume';
/** Calls window.sgp[name](...args) in the page. */
const call = <K extends Hook>(name: K, ...args: Parameters<Api[K]>): Promise<Awaited<ReturnType<Api[K]>>> =>
  ctx.page.evaluate(([n, a]) => ((window as unknown as Win).sgp[n] as (...x: unknown[]) => Promise<unknown>)(...a), [name, args] as const) as Promise<Awaited<ReturnType<Api[K]>>>;
const sums = (data: number[]) => ({ sum: data.reduce((a, v) => a + v, 0), abs_sum: data.reduce((a, v) => a + Math.abs(v), 0) });

test('an off-policy step of the stateful learner matches onnxruntime: loss, clip and KL statistics, updated tensors', { timeout: 600_000 }, async () => {
  assert.ok(golden.step.clip_frac > 0.05 && golden.step.kl > 0 && golden.hyper.kl_beta! > 0, 'the golden step exercises clipping and the KL term');
  // log-probs of lora_init through the stateless log-prob graph: the golden's old/ref inputs are offsets from them
  const inputIds: PlainTensor = { type: 'int64', dims: [B, T], data: batch.input_ids.flat() };
  const plain = (t: PlainTensor) => ({ ...t, data: Array.from(t.data) });
  await ctx.page.evaluate(([u, e]) => (window as unknown as Win).sgp.onnxLoad('logprob', u, 'wasm', e), ['models/sgp-tiny-policy/onnx/logprob.onnx', external] as const);
  const logp = await ctx.page.evaluate(
    (f) => (window as unknown as Win).sgp.onnxRun('logprob', f).then((o) => Array.from(o.logp!.data)),
    { ...Object.fromEntries(loraNames.map((n) => [n, plain(lora[n]!)])), input_ids: inputIds },
  );
  await ctx.page.evaluate(() => (window as unknown as Win).sgp.onnxRelease('logprob'));
  const rows = batch.loss_mask_rows;
  rows.forEach(([s, e], b) => {
    const sum = logp.slice(b * T + s, b * T + e).reduce((a, v) => a + v, 0);
    assert.ok(relClose(sum, batch['old_logp = ref_logp'].row_sums[b]!, 1e-4), `row ${b} log-prob sum ${sum}`);
  });
  const shifted = (which: 'old_logp' | 'ref_logp') => rows.map(([s, e], b) => Array.from({ length: e - s }, (_, i) => logp[b * T + s + i]! + golden.offsets[which].rows[b]![i]!));
  const step: TrainBatch = {
    ids: batch.input_ids.map((r, b) => r.slice(0, rows[b]![1])),
    promptLen: rows.map(([s]) => s),
    advantages: batch.advantages,
    oldLogp: shifted('old_logp'),
    refLogp: shifted('ref_logp'),
  };
  const h = golden.hyper;
  const hyper: TrainHyper = { lr: h.lr!, clipLow: h.clip_low!, clipHigh: h.clip_high!, klBeta: h.kl_beta!, weightDecay: h.weight_decay!, maxGradNorm: h.max_grad_norm!, lossDenom: h.loss_denom! };

  const info = await call('trainerInit', { device: 'wasm' });
  assert.equal(info.step, 0);
  const stats = await call('trainerStep', step, hyper);
  assert.equal(stats.step, 1);
  assert.ok(stats.seq >= Math.max(...rows.map(([, e]) => e)) && stats.slots * stats.seq < rows.length * T, `ran packed (${stats.slots} slots of ${stats.seq}), not padded to the golden's ${rows.length} × ${T}`);
  for (const stat of ['loss', 'kl', 'clip_frac', 'entropy', 'grad_norm'] as const) {
    const want = golden.step[stat];
    assert.ok(Math.abs(stats[stat] - want) <= golden.tolerance.stats_rel * Math.max(1e-3, Math.abs(want)), `${stat}: ${stats[stat]} vs ${want}`);
  }
  const state = await call('trainerExport');
  assert.equal(state.step, 1);
  for (const [name, want] of Object.entries(golden.step.updated)) {
    const [, group, n] = /^updated\.(adam_m\.|adam_v\.)?(.*)$/.exec(name)!;
    const t = (group === 'adam_m.' ? state.m : group === 'adam_v.' ? state.v : state.lora)[n!]!;
    const got = sums(t.data);
    assert.ok(relClose(got.abs_sum, want.abs_sum, golden.tolerance.tensors_rel), `${name}: abs sum ${got.abs_sum} vs ${want.abs_sum}`);
    assert.ok(Math.abs(got.sum - want.sum) <= golden.tolerance.tensors_rel * want.abs_sum, `${name}: sum ${got.sum} vs ${want.sum}`);
  }
});

test('on-policy steps keep state in the worker, feed the sampler, report a worker restart, and resume from a checkpoint after a reload', { timeout: 600_000 }, async () => {
  await call('trainerInit', { device: 'wasm' });
  const params = { n: 4, seed: 3, maxNewTokens: 40 };
  const before = await call('trainerGenerate', 'a red circle', params);
  const adv = [1, -1, 0.5, -0.5];
  const group: TrainBatch = {
    ids: before.samples.map((x) => [...before.promptIds, ...x.tokens]),
    promptLen: before.samples.map(() => before.promptIds.length),
    advantages: adv,
  };
  const hyper = { lr: 5e-3 };
  const s1 = await call('trainerStep', group, hyper);
  // on-policy (no oldLogp): the ratio is exactly 1, so nothing clips and loss = −Σ A_b·n_b / Σ n_b
  const n = before.samples.map((x) => x.tokens.length);
  const want = -adv.reduce((a, v, b) => a + v * n[b]!, 0) / n.reduce((a, v) => a + v, 0);
  assert.equal(s1.clip_frac, 0);
  assert.ok(relClose(s1.loss, want, 1e-4), `on-policy loss ${s1.loss} vs ${want}`);
  assert.equal(s1.tokens, n.reduce((a, v) => a + v, 0));
  // packed: slots at least as long as the longest row (not a 128 bucket), rows sharing them
  const rowLen = before.samples.map((x) => before.promptIds.length + x.tokens.length);
  assert.ok(s1.seq >= Math.max(...rowLen) && s1.seq < 128, `slot length ${s1.seq} for rows ${rowLen}`);
  assert.ok(s1.slots >= Math.ceil(rowLen.reduce((a, v) => a + v, 0) / s1.seq) && s1.slots <= rowLen.length, `${s1.slots} slots for rows ${rowLen}`);
  assert.ok(s1.grad_norm > 0 && s1.entropy > 0);

  // the update reaches the sampler: same seed, other log-probs for the same tokens (the prefix both share)
  const after = await call('trainerGenerate', 'a red circle', params);
  const moved = before.samples.map((x, i) => {
    const y = after.samples[i]!;
    let most = 0;
    for (let t = 0; t < Math.min(x.tokens.length, y.tokens.length) && x.tokens[t] === y.tokens[t]; t++) most = Math.max(most, Math.abs(x.logprobs[t]! - y.logprobs[t]!));
    return most;
  });
  assert.ok(Math.max(...moved) > 1e-3, `the sampler did not see the step: largest log-prob change per row ${moved.join(', ')}`);

  assert.equal(await call('trainerCheckpoint', 'browser-test'), 1);
  const s2 = await call('trainerStep', group, hyper);
  const lora2 = (await call('trainerExport')).lora;

  await ctx.page.evaluate(() => (window as unknown as Win).sgp.mlRestart());
  const lost = await ctx.page.evaluate(
    (g) => (window as unknown as Win).sgp.trainerStep(g).then(() => null, (e: Error & { code?: string }) => ({ code: e.code, message: e.message })),
    group,
  );
  assert.equal(lost?.code, 'state-lost', `a step after a restart must fail as state-lost, got ${JSON.stringify(lost)}`);

  // the checkpoint lives in IndexedDB: it survives a page reload (a fresh page, ml client and worker)
  await ctx.page.reload();
  await waitForIsolation(ctx.page);
  await ctx.page.waitForFunction(() => (window as unknown as Win).sgp?.ready === true, null, { timeout: 60_000 });
  const resumed = await call('trainerResume', 'browser-test');
  assert.equal(resumed.step, 1);
  const again = await call('trainerStep', group, hyper);
  assert.equal(again.step, 2);
  for (const stat of ['loss', 'entropy', 'grad_norm'] as const) assert.ok(relClose(again[stat], s2[stat], 1e-4), `resumed ${stat}: ${again[stat]} vs ${s2[stat]}`);
  const lora2b = (await call('trainerExport')).lora;
  for (const [name, t] of Object.entries(lora2)) {
    const [a, b] = [sums(t.data), sums(lora2b[name]!.data)];
    assert.ok(Math.abs(a.sum - b.sum) <= 1e-4 * a.abs_sum + 1e-7, `${name}: resumed sum ${b.sum} vs ${a.sum}`);
  }

  await call('trainerReset');
  assert.equal((await call('trainerExport')).step, 0);
});

test('the captured WebGPU step equals the WASM step over two updates, and its WASM sampler decodes with the GPU LoRA', { timeout: 900_000 }, async () => {
  await call('trainerInit', { device: 'wasm' });
  const params = { n: 2, seed: 3, maxNewTokens: 30 };
  const before = await call('trainerGenerate', 'a red circle', params);
  const group: TrainBatch = {
    ids: before.samples.map((x) => [...before.promptIds, ...x.tokens]),
    promptLen: before.samples.map(() => before.promptIds.length),
    advantages: [1, 0.5], // not opposite: two equal rows would cancel to no gradient
  };
  const hyper = { lr: 2e-2 };
  const wasm = [await call('trainerStep', group, hyper)];
  const wasmState = await call('trainerExport');
  wasm.push(await call('trainerStep', group, hyper));

  const split = await call('trainerInit', { device: 'webgpu', sampler: 'wasm' });
  assert.deepEqual([split.device, split.samplerDevice, split.captured], ['webgpu', 'wasm', true], `learner ${JSON.stringify(split)}`);
  const gpu = [await call('trainerStep', group, hyper)];
  const gpuState = await call('trainerExport');
  gpu.push(await call('trainerStep', group, hyper));
  // AdamW's first update is ≈ lr·sign(g), so where |g| is at rounding level the two engines' summation orders
  // flip signs: the state after it and the second step agree to 1e-2, the first step to 1e-3. (Replays of the
  // recording equal an uncaptured run of the same graph exactly; a state not carried over would be far off.)
  gpu.forEach((g, i) => {
    assert.ok(g.grad_norm > 0, `step ${i + 1}: grad norm ${g.grad_norm}`);
    for (const stat of ['loss', 'entropy', 'grad_norm'] as const) assert.ok(relClose(g[stat], wasm[i]![stat], i ? 1e-2 : 1e-3), `step ${i + 1} ${stat}: captured ${g[stat]} vs WASM ${wasm[i]![stat]}`);
  });
  assert.equal(gpuState.step, 1);
  for (const part of ['lora', 'm', 'v'] as const) {
    for (const [name, t] of Object.entries(wasmState[part])) {
      const [a, b] = [sums(t.data), sums(gpuState[part][name]!.data)];
      assert.ok(relClose(b.abs_sum, a.abs_sum, 1e-2) && Math.abs(a.sum - b.sum) <= 1e-2 * a.abs_sum + 1e-9, `${part} ${name}: captured sums ${b.sum} / ${b.abs_sum} vs WASM ${a.sum} / ${a.abs_sum}`);
    }
  }

  // the WASM sampler decodes with the LoRA the GPU wrote: the same state in an all-WASM learner (a checkpoint
  // resumes on WASM) samples the same tokens with the same log-probs
  const after = await call('trainerGenerate', 'a red circle', params);
  assert.equal(await call('trainerCheckpoint', 'split-test'), 2);
  const resumed = await call('trainerResume', 'split-test');
  assert.deepEqual([resumed.device, resumed.samplerDevice, resumed.step], ['wasm', 'wasm', 2]);
  const again = await call('trainerGenerate', 'a red circle', params);
  after.samples.forEach((x, i) => {
    const y = again.samples[i]!;
    assert.deepEqual(x.tokens, y.tokens, `row ${i}: the split learner's sampler drew other tokens than the WASM learner with the same state`);
    x.logprobs.forEach((lp, t) => assert.ok(Math.abs(lp - y.logprobs[t]!) < 1e-4, `row ${i} token ${t}: log-prob ${lp} vs ${y.logprobs[t]}`));
  });
  const moved = before.samples.some((x, i) => x.tokens.join() !== after.samples[i]!.tokens.join() || x.logprobs.some((lp, t) => Math.abs(lp - after.samples[i]!.logprobs[t]!) > 1e-3));
  assert.ok(moved, 'the sampler did not see the GPU steps');
});
