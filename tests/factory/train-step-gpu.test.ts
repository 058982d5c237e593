// The WebGPU train step (onnx/train_step_gpu.onnx: the packed step in the form graph capture takes — Gather
// embeddings, next-token log-probs without one-hot or slice backward, float position and segment ids)
// against the unpacked step in PyTorch on padded batches, on-policy and off-policy with clipping and KL
// (training/policy/train_step_gpu.py --check-only): the statistics and each updated tensor's sums agree
// within the goldens' tolerance (1e-3 relative).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { PYTHON } from './python';

test('the capture-ready train-step graph takes the same step as the padded one', { timeout: 300_000 }, () => {
  const r = spawnSync(PYTHON, ['training/policy/train_step_gpu.py', '--check-only'], { encoding: 'utf8', timeout: 280_000 });
  const last = r.stdout.trim().split('\n').at(-1) ?? '';
  assert.ok(last.startsWith('{'), `train_step_gpu.py printed no JSON (exit ${r.status}); stderr tail:\n${r.stderr.slice(-2000)}`);
  const { max_rel_err_vs_unpacked: err } = JSON.parse(last) as { max_rel_err_vs_unpacked: number };
  assert.ok(err < 1e-3, `capture-ready vs unpacked: relative error ${err}`);
  assert.equal(r.status, 0);
});
