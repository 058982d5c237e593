// 'auto' per kind of model: the bundled policy decodes on WASM (measured faster than WebGPU on an
// H200, bench/gpu/), everything else follows the detected device.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autoDevice } from '../../../src/lib/models/stage-device';
import { MODELS } from '../../../src/lib/models/registry';

test('the bundled policy runs on WASM when its threads can start, else on the detected device', () => {
  const policy = MODELS['sgp-tiny-policy']!;
  assert.equal(autoDevice(policy, 'webgpu', true), 'wasm');
  assert.equal(autoDevice(policy, 'webgpu', false), 'webgpu', 'one WASM thread: WebGPU as before');
  assert.equal(autoDevice(policy, 'wasm', false), 'wasm');
});

test('encoders and hub policies follow the detected device', () => {
  for (const id of ['sgp-tiny-siglip', 'sgp-tiny-dino', 'Xenova/dinov2-small']) assert.equal(autoDevice(MODELS[id]!, 'webgpu', true), 'webgpu', id);
  const hubPolicy = Object.values(MODELS).find((m) => m.task === 'policy' && m.source === 'hub');
  assert.ok(hubPolicy, 'the registry lists a hub policy');
  assert.equal(autoDevice(hubPolicy, 'webgpu', true), 'webgpu');
  assert.equal(autoDevice(hubPolicy, 'wasm', true), 'wasm');
});
