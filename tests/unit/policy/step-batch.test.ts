// Step events leave the worker in batches: at most one batch unanswered, at most one per interval,
// every step delivered in order, and the page's "stop" read at the next step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchSteps } from '../../../src/lib/policy/step-batch';
import type { StepEvent } from '../../../src/lib/policy/sampler';

const step = (i: number): StepEvent => ({ step: i, tokens: [], ms: i });

test('the first step goes at once; later ones wait for the interval and for the answer; flush sends the rest', async () => {
  let clock = 0;
  const sent: number[][] = [];
  const answers: (() => void)[] = [];
  const b = batchSteps((events) => {
    sent.push(events.map((e) => e.step));
    return new Promise<boolean>((resolve) => answers.push(() => resolve(true)));
  }, 30, () => clock);
  b.onStep(step(0));
  await new Promise((r) => setTimeout(r));
  assert.deepEqual(sent, [[0]]);
  clock = 10; // step 0 is unanswered and the interval has not passed
  b.onStep(step(1));
  await new Promise((r) => setTimeout(r));
  assert.deepEqual(sent, [[0]]);
  answers.shift()!();
  await new Promise((r) => setTimeout(r));
  clock = 20; // answered, but only 20 ms since the last batch
  b.onStep(step(2));
  await new Promise((r) => setTimeout(r));
  assert.deepEqual(sent, [[0]]);
  clock = 40;
  b.onStep(step(3));
  await new Promise((r) => setTimeout(r));
  assert.deepEqual(sent, [[0], [1, 2, 3]]);
  clock = 100; // due, but [1, 2, 3] is unanswered
  b.onStep(step(4));
  await new Promise((r) => setTimeout(r));
  assert.deepEqual(sent, [[0], [1, 2, 3]]);
  const done = b.flush();
  answers.shift()!();
  await new Promise((r) => setTimeout(r));
  answers.shift()!();
  await done;
  assert.deepEqual(sent, [[0], [1, 2, 3], [4]]);
});

test('an answer of false stops at the next step; a failed send does not', async () => {
  let clock = 0;
  const replies: (() => unknown)[] = [() => true, () => Promise.reject(new Error('page gone')), () => false];
  const b = batchSteps(() => replies.shift()!(), 30, () => clock);
  const tick = () => new Promise((r) => setTimeout(r));
  assert.equal(b.onStep(step(0)), undefined);
  await tick();
  clock = 100;
  assert.equal(b.onStep(step(1)), undefined);
  await tick();
  clock = 200;
  assert.equal(b.onStep(step(2)), undefined, 'the page answers this batch with false');
  await tick();
  assert.equal(b.onStep(step(3)), false);
  await b.flush();
});
