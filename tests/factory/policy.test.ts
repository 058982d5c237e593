// CPU smoke test of the policy model factory (training/policy/smoke.py): a tiny random Llama is exported
// to every graph the tab uses and each is checked with onnxruntime against PyTorch, the train step against
// transformers+PEFT gradients and TRL's GRPO loss. Runs in training/.venv (training/requirements.txt), which
// `npm run test:factory` builds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { PYTHON } from './python';

interface Check { ok: boolean; [k: string]: unknown }
interface Smoke { ok: boolean; seconds: number; torch: string; checks: Record<string, Check> }

test('policy factory: every exported graph matches PyTorch, the train step matches PEFT and TRL', { timeout: 300_000 }, () => {
  const r = spawnSync(PYTHON, ['training/policy/smoke.py'], { encoding: 'utf8', timeout: 280_000 });
  const last = r.stdout.trim().split('\n').at(-1) ?? '';
  assert.ok(last.startsWith('{'), `smoke.py printed no JSON (exit ${r.status}); stderr tail:\n${r.stderr.slice(-2000)}`);
  const s = JSON.parse(last) as Smoke;
  const failed = Object.entries(s.checks).filter(([, c]) => !c.ok).map(([k, c]) => `${k}: ${JSON.stringify(c)}`);
  assert.deepEqual(failed, [], 'failed checks');
  for (const name of ['decoder_fp32', 'decoder_int8', 'decoder_lora', 'greedy_cached_vs_full',
    'logprob', 'decoder_lora_shared_weights', 'decoder_lora_fused_shared_weights', 'decoder_fp32_shared_weights', 'train_step_token_mean', 'train_step_dr_grpo', 'train_step_vs_eager', 'train_step_own_old_logp']) {
    assert.ok(s.checks[name], `missing check ${name}`);
  }
  const step = s.checks.train_step_token_mean as Check & { graph_loss: number; trl_loss: number; grad_rel_err: number };
  assert.ok(Math.abs(step.graph_loss - step.trl_loss) <= 1e-4 * Math.abs(step.trl_loss), 'graph loss = TRL loss (rtol 1e-4)');
  assert.ok(step.grad_rel_err <= 1e-4, `gradients match PEFT (rel err ${step.grad_rel_err})`);
  assert.equal(r.status, 0);
  assert.ok(s.seconds < 180, `smoke test took ${s.seconds} s; budget 180 s`);
});
