// 'auto' through the real loader (registry → ml worker) on this CPU-emulated adapter (SwiftShader): the
// bundled policy and the encoders run on WASM with their int8 defaults (src/lib/models/stage-device.ts:
// WebGPU there scored a group ~80× slower). Asked for WebGPU, an encoder takes its fp32 variant, never int8.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useHeadlessPage, type Win } from './setup';

const ctx = useHeadlessPage({ workers: 1 });
const load = (key: string, id: string) =>
  ctx.page.evaluate(([k, i]) => (window as unknown as Win).sgp.modelLoad(k, i, { device: 'auto' }), [key, id] as const);

test("'auto' on an emulated adapter: the bundled policy and DINO on WASM (int8); DINO asked for WebGPU in fp32", async () => {
  assert.equal(await ctx.page.evaluate(() => (window as unknown as Win).sgp.crossOriginIsolated()), true);
  const policy = (await load('policy', 'sgp-tiny-policy')).model;
  assert.equal(policy.graphs.model?.device, 'wasm');
  assert.equal(policy.variant, 'model_quantized');
  const dino = (await load('dino', 'sgp-tiny-dino')).model;
  assert.equal(dino.graphs.model?.device, 'wasm', dino.graphs.model?.notice);
  assert.equal(dino.variant, 'model_quantized');
  const onGpu = (await ctx.page.evaluate(() => (window as unknown as Win).sgp.modelLoad('dino-gpu', 'sgp-tiny-dino', { device: 'webgpu' }))).model;
  assert.equal(onGpu.graphs.model?.device, 'webgpu', onGpu.graphs.model?.notice);
  assert.equal(onGpu.variant, 'model');
});
