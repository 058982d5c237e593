// Token choice from one row of logits: greedy, temperature, top-k and top-p, with a seeded generator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeRng } from '../../../src/lib/world/rng';
import { argmax, chooseToken, logProb, pickToken } from '../../../src/lib/policy/sampling';

const logits = Float32Array.from([1, 3, 2, 3, -1]); // ids 1 and 3 tie for the top
const counts = (p: { temperature: number; topK: number; topP: number }, draws = 4000): number[] => {
  const rng = makeRng(9);
  const seen = new Array<number>(logits.length).fill(0);
  for (let i = 0; i < draws; i++) seen[pickToken(logits, p, rng)]! += 1;
  return seen;
};

test('greedy picks the argmax, the lower id on a tie', () => {
  assert.equal(argmax(logits), 1);
  assert.equal(pickToken(logits, { temperature: 0, topK: 0, topP: 1 }, makeRng(1)), 1);
});

test('log-probs are log-softmax at temperature 1', () => {
  const z = [...logits].reduce((a, x) => a + Math.exp(x), 0);
  logits.forEach((x, i) => assert.ok(Math.abs(logProb(logits, i) - (x - Math.log(z))) < 1e-6));
});

test('temperature 1 samples every token near its probability', () => {
  const z = [...logits].reduce((a, x) => a + Math.exp(x), 0);
  counts({ temperature: 1, topK: 0, topP: 1 }).forEach((c, i) => {
    const p = Math.exp(logits[i]!) / z;
    assert.ok(Math.abs(c / 4000 - p) < 0.03, `token ${i}: ${c / 4000} vs ${p}`);
  });
});

test('top-k keeps the k most likely; top-p the smallest set reaching p', () => {
  assert.deepEqual(counts({ temperature: 1, topK: 2, topP: 1 }).map((c) => c > 0), [false, true, false, true, false]);
  // p(1) = p(3) ≈ 0.39 each, p(2) ≈ 0.14: 0.7 needs ids 1 and 3, 0.9 adds id 2
  assert.deepEqual(counts({ temperature: 1, topK: 0, topP: 0.7 }).map((c) => c > 0), [false, true, false, true, false]);
  assert.deepEqual(counts({ temperature: 1, topK: 0, topP: 0.9 }).map((c) => c > 0), [false, true, true, true, false]);
});

test('the same seed draws the same tokens', () => {
  const draw = (seed: number) => Array.from({ length: 50 }, ((rng) => () => pickToken(logits, { temperature: 1.3, topK: 4, topP: 0.95 }, rng))(makeRng(seed)));
  assert.deepEqual(draw(5), draw(5));
  assert.notDeepEqual(draw(5), draw(6));
});

test('chooseToken picks what pickToken picks, with the log-prob logProb gives, in every sampling mode and with a banned token', () => {
  const rowRng = makeRng(3);
  const rows = Array.from({ length: 40 }, () => Float32Array.from({ length: 300 }, () => (rowRng.next() - 0.5) * 12));
  rows.push(Float32Array.from([1, 3, 2, 3, -1])); // a tie at the top
  const modes = [
    { temperature: 0, topK: 0, topP: 1 },
    { temperature: 1, topK: 0, topP: 1 },
    { temperature: 0.7, topK: 0, topP: 1 },
    { temperature: 1.2, topK: 20, topP: 0.9 },
  ];
  for (const p of modes) {
    for (const banned of [-1, 1, 3]) {
      const [a, b] = [makeRng(17), makeRng(17)];
      for (const row of rows) {
        const masked = row.slice();
        if (banned >= 0) masked[banned] = -Infinity;
        const want = pickToken(masked, p, a);
        const got = chooseToken(row, p, b, banned);
        assert.equal(got.token, want, `mode ${JSON.stringify(p)}, banned ${banned}`);
        assert.notEqual(got.token, banned);
        assert.equal(got.logprob, logProb(row, want));
      }
    }
  }
});
