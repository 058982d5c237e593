// The learner's LoRA as a PEFT adapter and back: names and transposes as PEFT stores them, a safetensors
// file the app's own reader accepts, an exact round trip, and adapters of another shape refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromPeftAdapter, toPeftAdapter, type LoraSpec } from '../../../src/lib/rl/peft';
import { readSafetensors } from '../../../src/lib/models/safetensors';
import type { PlainTensor } from '../../../src/lib/models/backend';

const spec: LoraSpec = {
  rank: 2, alpha: 4, targets: ['self_attn.q_proj', 'mlp.down_proj'],
  shapes: {
    'model.layers.0.self_attn.q_proj.lora_A': [3, 2], 'model.layers.0.self_attn.q_proj.lora_B': [2, 3],
    'model.layers.0.mlp.down_proj.lora_A': [5, 2], 'model.layers.0.mlp.down_proj.lora_B': [2, 3],
  },
};
const lora: Record<string, PlainTensor> = Object.fromEntries(
  Object.entries(spec.shapes).map(([n, d], k) => [n, { type: 'float32', dims: d, data: Float32Array.from({ length: d[0]! * d[1]! }, (_, i) => k * 100 + i) }]),
);

test('exports PEFT names, transposed weights and a config PEFT reads; imports it back exactly', () => {
  const files = toPeftAdapter(lora, { ...spec, baseModel: 'sgp-tiny-policy' });
  const config = JSON.parse(files['adapter_config.json']) as Record<string, unknown>;
  assert.equal(config.peft_type, 'LORA');
  assert.equal(config.r, 2);
  assert.equal(config.lora_alpha, 4);
  assert.deepEqual(config.target_modules, ['down_proj', 'q_proj']);
  const st = readSafetensors(files['adapter_model.safetensors']);
  const a = st['base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight']!;
  assert.deepEqual(a.dims, [2, 3], 'PEFT keeps lora_A as (r, in)');
  // ours (in=3, r=2) row-major [0 1; 2 3; 4 5] → PEFT's (2, 3) [0 2 4; 1 3 5]
  assert.deepEqual(Array.from(a.data as Float32Array), [0, 2, 4, 1, 3, 5]);
  assert.deepEqual(st['base_model.model.model.layers.0.mlp.down_proj.lora_B.weight']!.dims, [3, 2]);
  const back = fromPeftAdapter(files, spec);
  for (const [n, t] of Object.entries(lora)) {
    assert.deepEqual(back[n]!.dims, t.dims, n);
    assert.deepEqual(Array.from(back[n]!.data as Float32Array), Array.from(t.data as Float32Array), n);
  }
});

test('refuses adapters of another rank, a missing module, or tensors this policy cannot take', () => {
  const files = toPeftAdapter(lora, spec);
  const cfg = JSON.parse(files['adapter_config.json']) as Record<string, unknown>;
  assert.throws(() => fromPeftAdapter({ ...files, 'adapter_config.json': JSON.stringify({ ...cfg, r: 4, lora_alpha: 8 }) }, spec), /r = 4, lora_alpha = 8; this policy's graphs take r = 2, lora_alpha = 4/);
  assert.throws(() => fromPeftAdapter({ ...files, 'adapter_config.json': '{"peft_type":"IA3"}' }, spec), /only LORA adapters/);
  const fewer = toPeftAdapter(lora, { ...spec, shapes: Object.fromEntries(Object.entries(spec.shapes).slice(0, 2)) });
  assert.throws(() => fromPeftAdapter(fewer, spec), /adapter lacks base_model\.model\.model\.layers\.0\.mlp\.down_proj\.lora_A\.weight/);
  const more = toPeftAdapter({ ...lora, 'model.layers.1.self_attn.q_proj.lora_A': lora['model.layers.0.self_attn.q_proj.lora_A']! }, {
    ...spec, shapes: { ...spec.shapes, 'model.layers.1.self_attn.q_proj.lora_A': [3, 2] },
  });
  assert.throws(() => fromPeftAdapter(more, spec), /cannot take, e\.g\. base_model\.model\.model\.layers\.1/);
});
