import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hardNegative, hardNegatives } from '../../../src/lib/reward/negatives.ts';
import { makeRng } from '../../../src/lib/world/index.ts';

test('hard negatives change one fact: a colour, a count, or every relation word', () => {
  const rng = makeRng(1);
  const c = hardNegative('a red car to the left of a blue fish', 'colour', rng)!;
  assert.notEqual(c, 'a red car to the left of a blue fish');
  assert.match(c, /^an? \w+ car to the left of an? \w+ fish$/);
  assert.equal(c.split(' ').filter((w) => ['red', 'blue'].includes(w)).length, 1, c);
  assert.match(hardNegative('three green stars', 'count', rng)!, /^(two|four|five) green stars$/);
  assert.equal(hardNegative('a red car to the left of a blue fish', 'relation', rng), 'a red car to the right of a blue fish');
  assert.equal(hardNegative('a red car', 'relation', rng), undefined);
  assert.equal(hardNegative('a red car', 'count', rng), undefined);
  assert.match(hardNegative('a red apple', 'colour', makeRng(5))!, /^(a (?!orange)\w+|an orange) apple$/);
  assert.deepEqual(hardNegatives('a red car', makeRng(2)).map((n) => n.kind), ['colour']);
});
