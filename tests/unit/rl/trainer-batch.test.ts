// Packing a GRPO group into a train-step bucket: right padding, the loss mask over sampled tokens only,
// the smallest bucket that holds the longest row, padded rows that cannot contribute, and refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packBatch } from '../../../src/lib/rl/train-batch';

const BUCKETS = [128, 256, 384, 768];
const row = (n: number, start = 10) => Array.from({ length: n }, (_, i) => start + i);

test('a group pads to the smallest bucket that holds its longest row; the mask covers sampled tokens only', () => {
  const p = packBatch({ ids: [row(20), row(130)], promptLen: [5, 5], advantages: [1, -1] }, 8, BUCKETS, 0);
  assert.equal(p.seq, 256);
  assert.equal(p.ids.length, 8 * 256);
  assert.deepEqual(p.ids.slice(0, 21), [...row(20), 0]);
  assert.deepEqual(Array.from(p.mask.slice(0, 21)), [...new Array(5).fill(0), ...new Array(15).fill(1), 0]);
  assert.equal(p.tokens, 15 + 125);
  // rows 2..7 are padding: no tokens, no advantage, so they add nothing to loss or gradient
  assert.equal(p.mask.slice(2 * 256).reduce((a, b) => a + b, 0), 0);
  assert.deepEqual(Array.from(p.advantages), [1, -1, 0, 0, 0, 0, 0, 0]);
  assert.equal(p.oldLogp, null);
  assert.equal(packBatch({ ids: [row(128)], promptLen: [3], advantages: [0] }, 8, BUCKETS, 0).seq, 128);
});

test('length cuts a row; rows past the largest bucket are truncated and counted', () => {
  const p = packBatch({ ids: [row(50), row(900)], promptLen: [4, 4], length: [30, 900], advantages: [0.5, 0.5] }, 8, BUCKETS, 7);
  assert.equal(p.seq, 768);
  assert.equal(p.truncated, 1);
  assert.equal(p.ids[30], 7, 'beyond length is padding');
  assert.equal(p.tokens, 26 + 764);
});

test('oldLogp lands on the sampled positions', () => {
  const p = packBatch({ ids: [row(6)], promptLen: [3], advantages: [1], oldLogp: [[-0.1, -0.2, -0.3]] }, 8, BUCKETS, 0);
  assert.deepEqual(Array.from(p.oldLogp!.slice(0, 7)).map((x) => Math.round(x * 10) / 10), [0, 0, 0, -0.1, -0.2, -0.3, 0]);
});

test('refuses more rows than the graph batch, mismatched arrays, bad prompt lengths and non-finite advantages', () => {
  assert.throws(() => packBatch({ ids: new Array(9).fill(row(4)), promptLen: new Array(9).fill(1), advantages: new Array(9).fill(0) }, 8, BUCKETS, 0), /1 to 8 rows/);
  assert.throws(() => packBatch({ ids: [row(4)], promptLen: [1, 1], advantages: [0] }, 8, BUCKETS, 0), /promptLen has 2 entries for 1 rows/);
  assert.throws(() => packBatch({ ids: [row(4)], promptLen: [5], advantages: [0] }, 8, BUCKETS, 0), /promptLen 5 must be an integer in \[1, 4\]/);
  assert.throws(() => packBatch({ ids: [row(4)], promptLen: [1], advantages: [NaN] }, 8, BUCKETS, 0), /advantage NaN/);
});
