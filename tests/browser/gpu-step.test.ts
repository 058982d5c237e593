// The WebGPU step graph (training/policy/gpu_graph.py → onnx/model_gpu.onnx, src/lib/policy/gpu-step.ts):
// a captured static-shape decode step that samples on the GPU. On SwiftShader it must reproduce the greedy
// goldens (tokens and log-probs, as sampler.ts does), give the same programs for the same seed, and
// really be the path taken: its Gumbel-max draws differ from sampler.ts's at the same seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { useHeadlessPage, type Win } from './setup';
import type { SampleParams } from '../../src/lib/policy/sampler';

const ctx = useHeadlessPage();
const dir = 'public/models/sgp-tiny-policy/goldens';
const greedy = JSON.parse(readFileSync(`${dir}/greedy.json`, 'utf8')) as { cases: { prompt: string; ids: number[]; text: string }[] };
const logits = JSON.parse(readFileSync(`${dir}/logits.json`, 'utf8')) as { prefill: { last_logits: number[][] }; step: { logits: number[][] } };

const sample = (prompt: string, params: Partial<SampleParams>, opts: { render?: boolean; stepGraph?: boolean } = {}) =>
  ctx.page.evaluate(([p, q, o]) => (window as unknown as Win).sgp.sample(p, q, o), [prompt, params, opts] as const);
const logSoftmax = (row: number[]): number[] => {
  const max = Math.max(...row);
  const lse = max + Math.log(row.reduce((a, x) => a + Math.exp(x - max), 0));
  return row.map((x) => x - lse);
};

test('WebGPU step graph: greedy goldens in 2 rows with log-probs within 1e-3; same seed, same programs; not sampler.ts', async () => {
  const info = await ctx.page.evaluate(() => (window as unknown as Win).sgp.policyLoad('model', 'webgpu'));
  assert.equal(info.device, 'webgpu', info.notice);
  for (const k of [0]) {
    const c = greedy.cases[k]!;
    const r = await sample(c.prompt, { n: 2, temperature: 0, maxNewTokens: c.ids.length + 5 }, { render: false });
    const want = [logSoftmax(logits.prefill.last_logits[k]!)[c.ids[0]!]!, logSoftmax(logits.step.logits[k]!)[c.ids[1]!]!];
    for (const s of r.samples) {
      assert.deepEqual(s.tokens, c.ids, `case ${k} row ${s.i}`);
      assert.equal(s.program, c.text);
      assert.equal(r.streamed[s.i], c.text, 'the streamed deltas add up to the program');
      want.forEach((w, j) => assert.ok(Math.abs(s.logprobs[j]! - w) <= 1e-3, `case ${k} log-prob ${j}: ${s.logprobs[j]} vs ${w}`));
    }
  }
  const params = { n: 2, temperature: 1, seed: 5, maxNewTokens: 16, minNewTokens: 16, stop: [] };
  const a = await sample('a red circle above a blue square', params, { render: false });
  const b = await sample('a red circle above a blue square', params, { render: false });
  const plain = await sample('a red circle above a blue square', params, { render: false, stepGraph: false });
  assert.deepEqual(a.samples.map((s) => s.tokens), b.samples.map((s) => s.tokens), 'same seed, same tokens');
  assert.ok(a.samples.every((s) => s.tokens.length === 16 && s.logprobs.every((x) => x <= 0 && Number.isFinite(x))), 'min tokens kept eos away; log-probs finite');
  assert.notDeepEqual(a.samples.map((s) => s.tokens), plain.samples.map((s) => s.tokens), 'the step graph draws (Gumbel-max) differ from sampler.ts at the same seed');
});
