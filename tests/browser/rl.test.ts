// GRPO end to end in Chromium on tiny shapes (G = 4, one prompt a step, short programs): the learner
// samples in the ml worker, the svg pool scores through the reward preset, the train step updates the
// LoRA; then the run resumes from its checkpoint (after a reload, and after the ml worker dies), and
// `npm run rl` prints its lines and summary.
// Compositional prompts and a preset with the length term keep rewards in a group apart (simple objects
// often give G identical programs), so every group is trained on; β > 0 runs the KL reference pass too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { useHeadlessPage, type Win } from './setup';

const ctx = useHeadlessPage();
const PRESET = 'name:test;label:verifier and length;terms:verifier*1*raw,length*0.5*raw;gates:format';
const init = { split: 'compositional', seed: 3, preset: PRESET, backend: 'wasm' as const, heldout: 1, heldoutSamples: 2, pool: 4, run: 'rl-browser-test', config: { group: 4, promptsPerStep: 1, maxNewTokens: 200, lr: 1e-3, klBeta: 0.04 } };
const finite = (x: unknown) => typeof x === 'number' && Number.isFinite(x);

test('two GRPO steps: finite statistics, the reward terms of the preset, a changed LoRA, and a resume from the checkpoint', async () => {
  const { page } = ctx;
  const started = await page.evaluate((o) => (window as unknown as Win).sgp.rlInit(o), init);
  assert.equal(started.step, 0);
  assert.equal(started.info.device, 'wasm');
  const before = await page.evaluate(() => (window as unknown as Win).sgp.rlLoraBNorm());
  assert.equal(before.sum, 0, 'the initial adapter is a no-op (lora_B = 0)');

  const lines = [];
  for (let s = 0; s < 2; s++) lines.push(await page.evaluate(() => (window as unknown as Win).sgp.rlStep()));
  for (const [s, line] of lines.entries()) {
    assert.equal(line.step, s + 1);
    assert.equal(line.trained, 1, `step ${s + 1}: the group was trained on (length keeps rewards apart): ${JSON.stringify(line)}`);
    for (const k of ['reward_mean', 'reward_std', 'valid_rate', 'length', 'loss', 'kl', 'clip_frac', 'entropy', 'grad_norm'] as const) assert.ok(finite(line[k]), `step ${s + 1}: ${k} = ${line[k]}`);
    assert.deepEqual(Object.keys(line.terms).filter((k) => ['verifier', 'length', 'format'].includes(k)).sort(), ['format', 'length', 'verifier'], 'the scorer\'s terms reach the log');
    assert.ok(line.grad_norm! > 0 && line.entropy! > 0 && line.kl! >= 0);
    assert.ok(line.ms.sample > 0 && line.ms.train > 0);
  }
  const after = await page.evaluate(() => (window as unknown as Win).sgp.rlLoraBNorm());
  assert.equal(after.step, 2);
  assert.ok(after.sum > 0, `two updates moved lora_B (Σ|B| = ${after.sum})`);

  const held = await page.evaluate(() => (window as unknown as Win).sgp.rlHeldOut());
  assert.ok(finite(held.reward) && held.reward >= 0 && held.reward <= 1);
  assert.equal(held.prompts.length, 1);

  // A reload (or a replaced worker) resumes from the checkpoint the last step wrote.
  const resumed = await page.evaluate((o) => (window as unknown as Win).sgp.rlInit({ ...o, resume: true }), init);
  assert.equal(resumed.step, 2);
  assert.equal(resumed.info.step, 2);
  const same = await page.evaluate(() => (window as unknown as Win).sgp.rlLoraBNorm());
  assert.ok(Math.abs(same.sum - after.sum) <= 1e-6 * after.sum, 'the resumed LoRA is the checkpointed one');

  // The ml worker dies between steps: the next step reports it and goes on from the checkpoint.
  await page.evaluate(() => (window as unknown as Win).sgp.mlRestart());
  const third = await page.evaluate(() => (window as unknown as Win).sgp.rlStep());
  assert.equal(third.step, 3);
  const recoveries = await page.evaluate(() => (window as unknown as Win).sgp.rlRecoveries());
  assert.equal(recoveries.length, 1);
  assert.match(recoveries[0]!, /^step 3: the ml worker restarted/);
});

test('npm run rl: a line per step and the summary with held-out rewards before and after', () => {
  const r = spawnSync('node', ['--import', 'tsx', 'scripts/cli.ts', 'rl', '--steps', '1', '--seed', '2', '--split', 'compositional', '--preset', PRESET, '--group', '4', '--prompts-per-step', '1', '--max-new-tokens', '200', '--heldout', '1', '--heldout-samples', '2'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr + r.stdout.slice(-800));
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines[0]!.start, true);
  assert.equal(lines[1]!.heldout, 'before');
  assert.equal(lines[2]!.step, 1);
  const summary = lines.at(-1)!;
  assert.equal(summary.summary, true);
  for (const k of ['heldout_reward_before', 'heldout_reward_after', 'valid_rate_min', 'seconds']) assert.ok(finite(summary[k]), `${k} = ${summary[k]}`);
  assert.equal(summary.steps, 1);
  const bad = spawnSync('node', ['--import', 'tsx', 'scripts/cli.ts', 'rl', '--steps', '1', '--split', 'nope'], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stdout, /unknown split 'nope'; one of: object, scene, compositional, heldout/);
});
