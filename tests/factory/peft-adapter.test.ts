// The browser's learner exports a PEFT adapter that `peft` loads on the PyTorch rebuild of the bundled base
// and that reproduces the browser's log-probs: Chromium takes two GRPO steps (the LoRA moves off its no-op
// start), samples a group with the trained LoRA, exports adapter_config.json + adapter_model.safetensors;
// training/policy/check_peft_adapter.py recomputes each sampled token's log-prob with PeftModel. The base
// alone must miss them by far more, so the adapter both loads right and matters. Builds dist/ first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PYTHON } from './python';
import { openHeadless, openSession } from '../../scripts/lib/browser';
import type { HeadlessApi } from '../../src/headless';

type Win = { sgp: HeadlessApi };
const TOLERANCE = 2e-3; // fp32 on both sides; the graph and PyTorch sum in different orders

test('an adapter exported by the browser loads with peft and reproduces the browser log-probs', { timeout: 900_000 }, async (t) => {
  assert.equal(spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' }).status, 0, 'vite build failed');
  const session = await openSession();
  const dir = mkdtempSync(join(tmpdir(), 'sgp-peft-'));
  try {
    const page = await openHeadless(session, { workers: 1 });
    const exported = await page.evaluate(async () => {
      const sgp = (window as unknown as Win).sgp;
      await sgp.trainerInit({ device: 'wasm' });
      const params = { n: 4, seed: 5, maxNewTokens: 48 };
      for (let k = 0; k < 2; k++) {
        const g = await sgp.trainerGenerate('two blue stars above a green house', params);
        await sgp.trainerStep({ ids: g.samples.map((s) => [...g.promptIds, ...s.tokens]), promptLen: g.samples.map(() => g.promptIds.length), advantages: [1.5, -0.5, 0.5, -1.5] }, { lr: 1e-2 });
      }
      const g = await sgp.trainerGenerate('a red circle', { ...params, seed: 6 });
      return { adapter: await sgp.trainerAdapter(), samples: { prompt_ids: g.promptIds, samples: g.samples.map((s) => ({ tokens: s.tokens, logprobs: s.logprobs })) } };
    });
    writeFileSync(join(dir, 'adapter_config.json'), exported.adapter.config);
    writeFileSync(join(dir, 'adapter_model.safetensors'), Uint8Array.from(exported.adapter.safetensors));
    writeFileSync(join(dir, 'samples.json'), JSON.stringify(exported.samples));
    const r = spawnSync(PYTHON, ['training/policy/check_peft_adapter.py', dir], { encoding: 'utf8', timeout: 300_000 });
    const last = r.stdout.trim().split('\n').at(-1) ?? '';
    assert.ok(last.startsWith('{'), `check_peft_adapter.py printed no JSON (exit ${r.status}); stderr tail:\n${r.stderr.slice(-2000)}`);
    const got = JSON.parse(last) as { max_abs_logprob_peft: number; max_abs_logprob_base: number; tokens: number };
    t.diagnostic(`max |Δ log-prob| vs the browser over ${got.tokens} tokens: peft ${got.max_abs_logprob_peft.toExponential(2)}, base ${got.max_abs_logprob_base.toExponential(2)}`);
    assert.ok(got.tokens >= 20, `too few sampled tokens to compare: ${got.tokens}`);
    assert.ok(got.max_abs_logprob_peft <= TOLERANCE, `PEFT log-probs differ from the browser's by ${got.max_abs_logprob_peft}`);
    assert.ok(got.max_abs_logprob_base > 10 * TOLERANCE, `the trained adapter barely changes the base (${got.max_abs_logprob_base}); the check would not see a wrong export`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await session.close();
  }
});
