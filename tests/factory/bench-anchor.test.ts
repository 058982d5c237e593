// The CPU anchors `npm run bench` calls (training/policy/bench_anchor.py) on the bundled policy: the
// LlamaForCausalLM rebuilt from model.onnx's initializers gives onnxruntime's logits, and the script prints
// the JSON the bench reads. A few tokens only: speed itself belongs to the bench.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { PYTHON } from './python';

interface Anchor {
  new_tokens: number; threads: number;
  max_abs_logit_vs_torch: Record<string, number>;
  torch_cpu_generate: Record<string, number>;
  ort_cpu: Record<string, Record<string, number>>;
}

test('bench anchor: PyTorch rebuilt from the ONNX initializers matches onnxruntime; JSON for the bench', { timeout: 300_000 }, () => {
  const r = spawnSync(PYTHON, ['training/policy/bench_anchor.py', '--model', 'public/models/sgp-tiny-policy', '--variant', 'model_quantized',
    '--batch', '1,2', '--new-tokens', '4', '--repeats', '1', '--json'], { encoding: 'utf8', timeout: 280_000 });
  assert.equal(r.status, 0, `bench_anchor.py failed:\n${r.stderr.slice(-2000)}`);
  const a = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '') as Anchor;
  assert.equal(a.new_tokens, 4);
  assert.ok((a.max_abs_logit_vs_torch.model ?? Infinity) <= 1e-3, `fp32 graph vs PyTorch: ${a.max_abs_logit_vs_torch.model}`);
  // int8 differs by design, but a wrong graph (or weights read in the wrong layout) would be off by far more
  assert.ok((a.max_abs_logit_vs_torch.model_quantized ?? Infinity) <= 3, `int8 vs PyTorch: ${a.max_abs_logit_vs_torch.model_quantized}`);
  for (const row of [a.torch_cpu_generate, a.ort_cpu.model, a.ort_cpu.model_quantized]) {
    // tokens per wall second and per CPU second (steadier on a shared machine), per batch
    assert.deepEqual(Object.keys(row ?? {}).sort(), ['B1_tok_per_cpu_s', 'B1_tok_s', 'B2_tok_per_cpu_s', 'B2_tok_s']);
    for (const v of Object.values(row ?? {})) assert.ok(v > 0);
  }
});
