// 'auto' through the real loader (registry → ml worker): the bundled policy decodes on WASM, where
// the H200 run measured it faster than WebGPU (src/lib/models/stage-device.ts); an encoder still
// goes to WebGPU (SwiftShader here) with its fp32 variant, never int8 on WebGPU.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useHeadlessPage, type Win } from './setup';

const ctx = useHeadlessPage({ workers: 1 });
const load = (key: string, id: string) =>
  ctx.page.evaluate(([k, i]) => (window as unknown as Win).sgp.modelLoad(k, i, { device: 'auto' }), [key, id] as const);

test("'auto': the bundled policy on WASM (its quantized default), the DINO encoder on WebGPU in fp32", async () => {
  assert.equal(await ctx.page.evaluate(() => (window as unknown as Win).sgp.crossOriginIsolated()), true);
  const policy = (await load('policy', 'sgp-tiny-policy')).model;
  assert.equal(policy.graphs.model?.device, 'wasm');
  assert.equal(policy.variant, 'model_quantized');
  const dino = (await load('dino', 'sgp-tiny-dino')).model;
  assert.equal(dino.graphs.model?.device, 'webgpu', dino.graphs.model?.notice);
  assert.equal(dino.variant, 'model');
});
