// The GRPO loop on fakes: advantages (GRPO and Dr.GRPO), the batch each train step receives, groups
// with equal rewards skipped, statistics, and the held-out measurement.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TrainBatch, TrainHyper } from '../../../src/lib/rl/trainer';
import { DEFAULT_GRPO_CONFIG, advantages, grpoStep, heldOutReward, sampleSeed, trainHyper, type GrpoDeps, type RlPrompt } from '../../../src/lib/rl/grpo';

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('GRPO advantages are (r − mean)/std with the unbiased std; they sum to 0 and have unit std', () => {
  const r = [1, 0, 0, 1, 0.5, 0.5, 0, 1];
  const a = advantages(r, 'grpo');
  const mean = 0.5;
  const std = Math.sqrt(r.reduce((s, x) => s + (x - mean) ** 2, 0) / 7);
  a.forEach((x, i) => close(x, (r[i]! - mean) / (std + 1e-4)));
  close(a.reduce((s, x) => s + x, 0), 0, 1e-9);
  close(Math.sqrt(a.reduce((s, x) => s + x * x, 0) / 7), std / (std + 1e-4), 1e-9);
});

test('Dr.GRPO advantages are r − mean (no std), so a group of near-equal rewards gives small advantages', () => {
  const r = [0.5, 0.51, 0.49, 0.5];
  assert.deepEqual(advantages(r, 'dr-grpo').map((x) => +x.toFixed(6)), [0, 0.01, -0.01, 0]);
  // GRPO would blow the same tiny differences up to unit scale: the difficulty bias Dr.GRPO removes.
  assert.ok(Math.abs(advantages(r, 'grpo')[1]!) > 1);
});

test('equal rewards give zero advantages (no NaN from a zero std)', () => {
  assert.deepEqual(advantages([0.3, 0.3, 0.3], 'grpo'), [0, 0, 0]);
});

test('train hyperparameters: token mean for GRPO, a constant G·maxNewTokens divisor for Dr.GRPO', () => {
  assert.equal(trainHyper(DEFAULT_GRPO_CONFIG).lossDenom, 0);
  const dr = trainHyper({ ...DEFAULT_GRPO_CONFIG, objective: 'dr-grpo', group: 4, maxNewTokens: 100 });
  assert.equal(dr.lossDenom, 400);
  assert.deepEqual([dr.clipLow, dr.clipHigh, dr.klBeta], [0.2, 0.28, 0]);
});

/** Fake policy: program i of a group is `i` repeated; its reward is i / (G − 1) unless `flat`. */
function fakes(opts: { flat?: Set<string> } = {}) {
  const batches: { batch: TrainBatch; hyper: TrainHyper }[] = [];
  const seeds: number[] = [];
  const deps: GrpoDeps = {
    async sample(prompt, p) {
      seeds.push(p.seed);
      const programs = Array.from({ length: p.n }, (_, i) => ({ text: `${prompt}:${i}`, tokens: Array.from({ length: i + 1 }, () => i) }));
      return { promptIds: [100, 101, prompt.length], programs };
    },
    async score(prompt, programs) {
      const flat = opts.flat?.has(prompt.id);
      return {
        renderMs: 1,
        samples: programs.map((_, i) => ({ reward: flat ? 0.5 : i / (programs.length - 1), terms: { verifier: i % 2, reference: NaN }, valid: i !== 0 })),
      };
    },
    async trainStep(batch, hyper) {
      batches.push({ batch, hyper });
      return { step: batches.length, loss: 0.1, kl: 0, clip_frac: 0.25, entropy: 1.5, grad_norm: 2, ms: 1, tokens: 10, seq: 128, slots: 4, truncated: 0 };
    },
  };
  return { deps, batches, seeds };
}

const prompts: RlPrompt[] = [{ id: 'a', prompt: 'a red circle' }, { id: 'b', prompt: 'two blue squares' }];

test('a step trains once per informative group, on that group\'s tokens and advantages', async () => {
  const { deps, batches } = fakes();
  const c = { ...DEFAULT_GRPO_CONFIG, group: 4 };
  const log = await grpoStep(deps, c, prompts, 3);
  assert.equal(batches.length, 2);
  const p = [100, 101, 'a red circle'.length];
  assert.deepEqual(batches[0]!.batch.ids, [[...p, 0], [...p, 1, 1], [...p, 2, 2, 2], [...p, 3, 3, 3, 3]]);
  assert.deepEqual(batches[0]!.batch.promptLen, [3, 3, 3, 3]);
  assert.equal(batches[0]!.batch.oldLogp, undefined, 'sampler = learner: the step computes old_logp itself');
  assert.deepEqual(batches[0]!.batch.advantages, advantages([0, 1 / 3, 2 / 3, 1], 'grpo'));
  assert.equal(batches[1]!.hyper.lr, c.lr);
  assert.equal(log.step, 3);
  assert.equal(log.skipped, 0);
  close(log.rewardMean, 0.5);
  close(log.validRate, 0.75);
  close(log.length, 2.5);
  assert.deepEqual(log.terms, { verifier: 0.5 }); // a term that is NaN everywhere has no mean
  close(log.clipFrac, 0.25);
  assert.ok(Number.isNaN(log.kl), 'β = 0: no reference pass, so no KL to report');
  const withKl = await grpoStep(fakes().deps, { ...c, klBeta: 0.04 }, prompts, 0);
  close(withKl.kl, 0);
  assert.equal(log.groups.length, 2);
  assert.ok(log.groups.every((g) => g.trained && g.advantages.length === 4));
  assert.equal(log.ms.render, 2);
});

test('a group whose rewards are all equal is not trained on and is counted as skipped', async () => {
  const { deps, batches } = fakes({ flat: new Set(['b']) });
  const log = await grpoStep(deps, { ...DEFAULT_GRPO_CONFIG, group: 4 }, prompts, 0);
  assert.equal(batches.length, 1);
  assert.equal(log.skipped, 1);
  assert.equal(log.groups[1]!.trained, false);
  const none = await grpoStep(fakes({ flat: new Set(['a', 'b']) }).deps, { ...DEFAULT_GRPO_CONFIG, group: 4 }, prompts, 0);
  assert.ok(Number.isNaN(none.loss), 'no train step: the loss is unknown, not 0');
});

test('sampler seeds differ per step and prompt and repeat for the same run seed', async () => {
  const a = fakes();
  await grpoStep(a.deps, DEFAULT_GRPO_CONFIG, prompts, 0);
  await grpoStep(a.deps, DEFAULT_GRPO_CONFIG, prompts, 1);
  assert.equal(new Set(a.seeds).size, 4);
  assert.deepEqual(a.seeds, [sampleSeed(1, 0, 0), sampleSeed(1, 0, 1), sampleSeed(1, 1, 0), sampleSeed(1, 1, 1)]);
});

test('a scorer that drops a sample is an error naming both counts', async () => {
  const { deps } = fakes();
  deps.score = async () => ({ samples: [{ reward: 1, terms: {}, valid: true }] });
  await assert.rejects(grpoStep(deps, { ...DEFAULT_GRPO_CONFIG, group: 4 }, prompts, 0), /returned 1 results for 4 programs/);
});

test('held-out reward: the mean over prompts of each group\'s mean reward, at a fixed seed, without training', async () => {
  const { deps, batches, seeds } = fakes({ flat: new Set(['b']) });
  const r = await heldOutReward(deps, DEFAULT_GRPO_CONFIG, prompts, 4, 99);
  close(r.reward, 0.5);
  close(r.validRate, 0.75);
  assert.deepEqual(r.prompts.map((p) => p.program), ['a red circle:0', 'two blue squares:0']);
  assert.equal(batches.length, 0);
  const again = fakes();
  await heldOutReward(again.deps, DEFAULT_GRPO_CONFIG, prompts, 4, 99);
  assert.deepEqual(again.seeds, seeds);
});
