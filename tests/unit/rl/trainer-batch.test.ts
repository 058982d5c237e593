// Packing a GRPO group into slots for the packed train step (rows share slots, each keeps its positions and
// segment), and into a log-prob bucket: right padding, the loss mask over sampled tokens only,
// the smallest bucket that holds the longest row, padded rows that cannot contribute, and refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packBatch, packSlots } from '../../../src/lib/rl/train-batch';

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

test('packSlots: rows go first-fit-decreasing into slots, each with its own positions and segment', () => {
  // lengths 10, 4, 6, 3: slots of 13 (10 + 3) beat slots of 10 (3 slots: [10], [6, 4], [3]): [10, 3] and [6, 4]
  const p = packSlots({ ids: [row(10), row(4, 50), row(6, 70), row(3, 90)], promptLen: [2, 1, 3, 1], advantages: [1, -1, 0.5, 2], oldLogp: [new Array(8).fill(-1), [-0.1, -0.2, -0.3], [-2, -2, -2], [-5, -5]] }, 8, 1024, 0);
  assert.deepEqual([p.slots, p.length], [2, 13]);
  assert.deepEqual(p.ids.slice(0, 13), [...row(10), ...row(3, 90)]);
  assert.deepEqual(p.ids.slice(13, 26), [...row(6, 70), ...row(4, 50), 0, 0, 0]);
  assert.deepEqual(p.positions.slice(13, 26), [0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 0, 0, 0]);
  assert.deepEqual(p.segments.slice(13, 26), [1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 0, 0, 0], 'the rest of a slot is padding (segment 0)');
  assert.deepEqual(Array.from(p.mask.slice(13, 26)), [0, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0]);
  assert.deepEqual(Array.from(p.advantages.slice(13, 26)), [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, -1, -1, -1, -1, 0, 0, 0]);
  assert.deepEqual(Array.from(p.oldLogp!.slice(13, 26)).map((x) => Math.round(x * 10) / 10), [0, 0, 0, -2, -2, -2, 0, -0.1, -0.2, -0.3, 0, 0, 0]);
  assert.equal(p.tokens, 8 + 3 + 3 + 2);
  assert.equal(p.refLogp, null);
});

test('packSlots picks the slot length that costs least: the longest row, or two rows together', () => {
  const lengths = (ls: number[]) => packSlots({ ids: ls.map((n) => row(n)), promptLen: ls.map(() => 1), advantages: ls.map(() => 0) }, 8, 1024, 0);
  // 100 | 60 | 60 (3 × 100) vs 100 | 60 + 60 (2 × 120): the second, though attention grows with the length
  assert.deepEqual(((p) => [p.slots, p.length])(lengths([100, 60, 60])), [2, 120]);
  // equal rows gain nothing from sharing (4 × 100 tokens, but each attends over 100): 8 × 50
  assert.deepEqual(((p) => [p.slots, p.length])(lengths(new Array(8).fill(50))), [8, 50]);
  assert.deepEqual(((p) => [p.slots, p.length])(lengths([300, 20])), [1, 320]);
});

test('packSlots cuts rows to the longest the step takes and counts them; refuses what packBatch refuses', () => {
  const p = packSlots({ ids: [row(50), row(900)], promptLen: [4, 4], length: [30, 900], advantages: [0.5, 0.5] }, 8, 512, 7);
  assert.deepEqual([p.slots, p.length, p.truncated, p.tokens], [2, 512, 1, 26 + 508]);
  assert.throws(() => packSlots({ ids: new Array(9).fill(row(4)), promptLen: new Array(9).fill(1), advantages: new Array(9).fill(0) }, 8, 1024, 0), /1 to 8 rows/);
  assert.throws(() => packSlots({ ids: [row(4)], promptLen: [5], advantages: [0] }, 8, 1024, 0), /promptLen 5 must be an integer in \[1, 4\]/);
});
