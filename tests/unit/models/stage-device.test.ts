// 'auto' per kind of model: the bundled policy decodes on WebGPU on a real GPU (the step graph, measured
// faster than WASM at batch 8 on an H200, bench/gpu/), on WASM on a CPU-emulated adapter when WASM's
// threads can start; encoders on WASM on an emulated adapter; hub policies follow the detected device.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autoDevice, learnerDevice, samplerDevice } from '../../../src/lib/models/stage-device';
import { MODELS } from '../../../src/lib/models/registry';

test('the bundled policy: WebGPU on a real GPU; on an emulated one WASM when its threads can start', () => {
  const policy = MODELS['sgp-tiny-policy']!;
  assert.equal(autoDevice(policy, 'webgpu', true), 'webgpu', 'a real GPU: the step graph');
  assert.equal(autoDevice(policy, 'webgpu', true, true), 'wasm', 'SwiftShader, isolated');
  assert.equal(autoDevice(policy, 'webgpu', false, true), 'webgpu', 'one WASM thread: WebGPU as before');
  assert.equal(autoDevice(policy, 'wasm', false), 'wasm');
});

test('encoders: the detected device on a real GPU, WASM on an emulated one; hub policies follow the detected device', () => {
  for (const id of ['sgp-tiny-siglip', 'sgp-tiny-dino', 'Xenova/dinov2-small']) {
    assert.equal(autoDevice(MODELS[id]!, 'webgpu', true), 'webgpu', id);
    assert.equal(autoDevice(MODELS[id]!, 'webgpu', true, true), 'wasm', `${id}: SwiftShader scores ~80× slower than WASM`);
    assert.equal(autoDevice(MODELS[id]!, 'webgpu', false, true), 'wasm', `${id}, one WASM thread`);
  }
  const hubPolicy = Object.values(MODELS).find((m) => m.task === 'policy' && m.source === 'hub');
  assert.ok(hubPolicy, 'the registry lists a hub policy');
  assert.equal(autoDevice(hubPolicy, 'webgpu', true, true), 'webgpu');
  assert.equal(autoDevice(hubPolicy, 'wasm', true), 'wasm');
});

test("the learner's LoRA sampler: WASM beside a WebGPU step when WASM has threads, else with the step", () => {
  assert.equal(samplerDevice('webgpu', true), 'wasm');
  assert.equal(samplerDevice('webgpu', false), 'webgpu', 'one WASM thread: stays on the GPU');
  assert.equal(samplerDevice('wasm', true), 'wasm');
  assert.equal(samplerDevice('wasm', false), 'wasm');
});

test("the learner's step: WebGPU on a real GPU, WASM on an emulated adapter", () => {
  assert.equal(learnerDevice('webgpu', false), 'webgpu');
  assert.equal(learnerDevice('webgpu', true), 'wasm', 'SwiftShader: minutes a step on WebGPU');
  assert.equal(learnerDevice('wasm', false), 'wasm');
});
