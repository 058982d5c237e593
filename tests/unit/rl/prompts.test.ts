// Prompt sources for GRPO: world splits (deterministic, the held-out set disjoint
// from training), benchmark items, typed prompts, and the order steps read them in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { benchmarkPrompts, heldOutPrompts, promptsForStep, typedPrompts, worldPrompts, TRAIN_STREAM } from '../../../src/lib/rl/prompts';
import { buildMiniBench } from '../../../src/lib/world';

test('world prompts: same seed → same prompts, with specs and references; another seed → other prompts', () => {
  const a = worldPrompts('compositional', 14, 1, TRAIN_STREAM);
  assert.deepEqual(a, worldPrompts('compositional', 14, 1, TRAIN_STREAM));
  assert.notDeepEqual(a.map((p) => p.prompt), worldPrompts('compositional', 14, 2, TRAIN_STREAM).map((p) => p.prompt));
  assert.ok(a.every((p) => p.spec && p.reference?.startsWith('<svg')));
});

test('the held-out set is fixed and shares no prompt with training prompts of any seed', () => {
  const held = heldOutPrompts('compositional', 16);
  assert.deepEqual(held, heldOutPrompts('compositional', 16));
  const heldText = new Set(held.map((p) => p.prompt));
  for (const seed of [1, 2, 3]) {
    const train = worldPrompts('compositional', 256, seed, TRAIN_STREAM);
    assert.ok(!train.some((p) => heldText.has(p.prompt) && JSON.stringify(p.spec) === JSON.stringify(held.find((h) => h.prompt === p.prompt)?.spec)), `seed ${seed}`);
  }
});

test('benchmark prompts keep spec and reference; an empty split names the splits there are', () => {
  const bench = buildMiniBench({ object: 2, scene: 0, compositional: 3, heldout: 0 });
  const ps = benchmarkPrompts(bench, 'compositional');
  assert.equal(ps.length, 3);
  assert.ok(ps.every((p) => p.spec && p.reference));
  assert.throws(() => benchmarkPrompts(bench, 'scene'), /no items in split 'scene'; splits: object, compositional/);
});

test('typed prompts: one a line, blanks skipped; none is an error', () => {
  assert.deepEqual(typedPrompts(' a red circle \n\n two blue squares\n').map((p) => p.prompt), ['a red circle', 'two blue squares']);
  assert.throws(() => typedPrompts(' \n '), /no prompts typed/);
});

test('steps read the pool in order, count at a time, wrapping around', () => {
  const pool = typedPrompts('a\nb\nc');
  assert.deepEqual(promptsForStep(pool, 0, 2).map((p) => p.prompt), ['a', 'b']);
  assert.deepEqual(promptsForStep(pool, 1, 2).map((p) => p.prompt), ['c', 'a']);
  assert.throws(() => promptsForStep([], 0, 1), /prompt pool is empty/);
});
