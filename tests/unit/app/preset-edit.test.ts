// The reward panel's preset edits: a slider moved and moved back gives the registered preset (and its
// short URL form) again; a new term joins the mix, weight 0 leaves it; gates toggle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setGate, setTerm, termOf } from '../../../src/app/preset-edit';
import { getPreset, presetFromUrl, presetToUrl } from '../../../src/lib/reward/presets';

test('a weight moved and moved back gives the registered preset and its short URL', () => {
  const sgp = getPreset('sgp-rl');
  const moved = setTerm(sgp, 'siglip', { weight: 0.4 });
  assert.equal(termOf(moved, 'siglip').weight, 0.4);
  assert.notEqual(presetToUrl(moved), 'sgp-rl');
  assert.deepEqual(presetFromUrl(presetToUrl(moved)), moved, 'a custom mix round-trips through the URL');
  assert.equal(presetToUrl(setTerm(moved, 'siglip', { weight: 1 })), 'sgp-rl');
});

test('a new term joins last; weight 0 leaves the mix; the transform is kept with the weight', () => {
  const p = setTerm(setTerm(getPreset('clip-only'), 'contrast', { weight: 0.5 }), 'contrast', { transform: { kind: 'threshold', at: 0.7 } });
  assert.deepEqual(p.terms.map((t) => [t.term, t.weight, t.transform.kind]), [['siglip', 1, 'raw'], ['contrast', 0.5, 'threshold']]);
  assert.deepEqual(termOf(setTerm(p, 'contrast', { weight: 0 }), 'contrast'), { term: 'contrast', weight: 0, transform: { kind: 'raw' } });
  assert.equal(presetToUrl(setTerm(p, 'contrast', { weight: 0 })), 'clip-only');
});

test('gates toggle without duplicates', () => {
  const p = setGate(getPreset('clip-only'), 'no-text', true);
  assert.deepEqual(p.gates, ['format', 'no-text']);
  assert.deepEqual(setGate(p, 'no-text', true).gates, ['format', 'no-text']);
  assert.equal(presetToUrl(setGate(p, 'no-text', false)), 'clip-only');
});
