// CPU smoke test of the encoder factory (training/encoders/smoke.py): synthetic renders → prepare →
// a few training steps of both encoders → ONNX export + int8 → onnxruntime parity with PyTorch.
// Runs in training/.venv (training/requirements.txt), which `npm run test:factory` builds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { PYTHON } from './python';

interface Parity {
  outputs: Record<string, number[]>;
  max_abs_err_pooler: number;
  max_abs_err_hidden: number;
  pooler_abs_max: number;
}

test('encoder export path: tiny SigLIP + DINO train, export and run in onnxruntime', { timeout: 120_000 }, () => {
  const r = spawnSync(PYTHON, ['training/encoders/smoke.py'], { encoding: 'utf8', timeout: 115_000 });
  assert.equal(r.status, 0, `smoke.py failed (is torch installed?):\n${r.stderr.slice(-3000)}`);
  const lines = r.stdout.trim().split('\n');
  const report = JSON.parse(lines[lines.length - 1] ?? '{}') as Record<string, Parity> & {
    files: Record<string, number>;
    config_model_types: string[];
  };
  assert.deepEqual(report.config_model_types, ['siglip', 'dinov2']);
  for (const f of ['siglip/onnx/vision_model.onnx', 'siglip/onnx/text_model.onnx', 'siglip/onnx/vision_model_quantized.onnx',
    'siglip/onnx/text_model_quantized.onnx', 'siglip/tokenizer.json', 'siglip/tokenizer_config.json',
    'siglip/preprocessor_config.json', 'dino/onnx/model.onnx', 'dino/onnx/model_quantized.onnx', 'dino/preprocessor_config.json']) {
    assert.ok((report.files[f] ?? 0) > 0, `missing export ${f}`);
  }
  const shapes: Record<string, [number[], number[]]> = {
    siglip_vision: [[2, 16, 32], [2, 32]], // 32 px / patch 8 → 16 tokens, no CLS (SigLIP pools with a MAP head)
    siglip_text: [[2, 64, 32], [2, 32]], // padded to 64 tokens
    dino: [[2, 17, 32], [2, 32]], // CLS + 16 patches
  };
  for (const [key, [hidden, pooled]] of Object.entries(shapes)) {
    const fp32 = report[`${key}_fp32`];
    const q = report[`${key}_quantized`];
    assert.ok(fp32 && q, `no parity report for ${key}`);
    assert.deepEqual(fp32.outputs['last_hidden_state'], hidden);
    assert.deepEqual(fp32.outputs['pooler_output'], pooled);
    assert.ok(fp32.max_abs_err_pooler < 1e-4, `${key} fp32 ONNX differs from PyTorch by ${fp32.max_abs_err_pooler}`);
    assert.ok(fp32.max_abs_err_hidden < 1e-4, `${key} fp32 hidden differs by ${fp32.max_abs_err_hidden}`);
    // int8 weights: errors of a few percent of the output's range, never garbage
    assert.ok(q.max_abs_err_pooler < 0.15 * Math.max(1, q.pooler_abs_max), `${key} int8 error ${q.max_abs_err_pooler}`);
    assert.ok(q.max_abs_err_pooler > 0, `${key} int8 variant is identical to fp32: was it quantized?`);
  }
});
