// The off-policy train-step golden that the browser test replays (goldens/train_step_offpolicy.json:
// old_logp and ref_logp off the current log-probs, kl_beta > 0) against independent references on the
// bundled weights: transformers+PEFT for the loss, gradients and gradient norm, TRL's GRPO loss code for the loss,
// KL, clip fraction and entropy (training/policy/check_grpo.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { PYTHON } from './python';

interface Check { ok: boolean; [k: string]: unknown }

test('the off-policy train-step golden matches PEFT and TRL, and its clip and KL terms are active', { timeout: 300_000 }, () => {
  const r = spawnSync(PYTHON, ['training/policy/check_grpo.py', 'public/models/sgp-tiny-policy'], { encoding: 'utf8', timeout: 280_000 });
  const last = r.stdout.trim().split('\n').at(-1) ?? '';
  assert.ok(last.startsWith('{'), `check_grpo.py printed no JSON (exit ${r.status}); stderr tail:\n${r.stderr.slice(-2000)}`);
  const { checks } = JSON.parse(last) as { checks: Record<string, Check> };
  assert.deepEqual(Object.keys(checks).sort(), ['adam_m_peft', 'clip_frac_trl', 'entropy_trl', 'grad_norm_peft', 'kl_trl', 'loss_peft', 'loss_trl',
    'peft_logp_row_sums', 'terms_active']);
  const failed = Object.entries(checks).filter(([, c]) => !c.ok).map(([k, c]) => `${k}: ${JSON.stringify(c)}`);
  assert.deepEqual(failed, [], 'failed checks');
  assert.equal(r.status, 0);
});
