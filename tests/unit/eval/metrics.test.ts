import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diversity, metrics, sampleResult, summarize, type ItemResult, type SampleResult } from '../../../src/lib/eval/metrics.ts';
import { TERM_IDS, type SampleTerms, type TermId } from '../../../src/lib/reward/terms.ts';

/** Terms as the reward engine gives them: (1 + cos)/2 for the encoders, 1 = good elsewhere. */
function terms(over: Partial<Record<TermId, number | null>> = {}): SampleTerms {
  const t = {} as Record<TermId, { value: number | null; why: string }>;
  for (const id of TERM_IDS) t[id] = { value: over[id] === undefined ? 1 : over[id]!, why: 'test' };
  return t;
}

const ok = (i: number, siglip: number, dino: number | null, verifier: number | null = 1): SampleResult =>
  sampleResult({ i, valid: true, terms: terms({ siglip: (1 + siglip) / 2, dino: dino === null ? null : (1 + dino) / 2, verifier }) }, `<svg>${i}</svg>`, { siglip: true, dino: dino !== null });
const failed = (i: number, hasRef = true, hasSpec = true): SampleResult =>
  sampleResult({ i, valid: false, error: 'no svg', terms: terms({ format: 0, siglip: 0, dino: null, verifier: hasSpec ? 0 : null, 'not-blank': 0 }) }, 'oops', { siglip: true, dino: hasRef });

const item = (id: string, category: string, samples: SampleResult[], div: number | null = null, split = 'object'): ItemResult =>
  ({ id, split, category, prompt: id, samples, diversity: div, ms: 0 });

test('identical samples have diversity 0; orthogonal ones 1; one sample has none', () => {
  const e = [0.3, -0.2, 0.9];
  assert.ok(Math.abs(diversity([e, e, e, e])!) < 1e-12);
  assert.ok(Math.abs(diversity([[1, 0], [0, 1]])! - 1) < 1e-12);
  // three vectors: cos(a,b)=1, cos(a,c)=cos(b,c)=0 → mean 1/3 → diversity 2/3
  assert.ok(Math.abs(diversity([[1, 0], [2, 0], [0, 1]])! - 2 / 3) < 1e-12);
  assert.equal(diversity([e]), null);
  assert.equal(diversity([]), null);
});

test('sampleResult reports cosines, not the (1 + cos)/2 terms; a failed sample counts 0 where the metric applies', () => {
  const s = ok(0, 0.2, 0.6, 0.75);
  assert.ok(Math.abs(s.siglip! - 0.2) < 1e-12);
  assert.ok(Math.abs(s.dino! - 0.6) < 1e-12);
  assert.equal(s.verifier, 0.75);
  const f = failed(1);
  assert.deepEqual([f.siglip, f.dino, f.verifier, f.valid], [0, 0, 0, false]);
  const free = failed(2, false, false);
  assert.deepEqual([free.dino, free.verifier], [null, null]);
});

test('failures count 0 in the means, success rate apart', () => {
  const m = metrics([item('a', 'shape', [ok(0, 0.4, 0.8), ok(1, 0.2, 0.6), failed(2), failed(3)])]);
  assert.equal(m.samples, 4);
  assert.equal(m.success_rate, 0.5);
  assert.ok(Math.abs(m.siglip_score! - 0.15) < 1e-12); // (0.4 + 0.2 + 0 + 0) / 4
  assert.ok(Math.abs(m.dino_score! - 0.35) < 1e-12); // (0.8 + 0.6) / 4
  assert.equal(m.verifier_accuracy, 0.5);
  assert.equal(m.verifier_pass_rate, 0.5);
  assert.equal(m.rule_rates.format, 0.5);
  // defects are rates over rendered samples only: the failures' blank renders do not count
  assert.equal(m.defect_rates.blank, 0);
});

test('metrics that do not apply are null, not 0: no reference → no DINO, no spec → no verifier', () => {
  const m = metrics([item('free', 'binding-color', [ok(0, 0.3, null, null), failed(1, false, false)])]);
  assert.equal(m.dino_score, null);
  assert.equal(m.verifier_accuracy, null);
  assert.equal(m.verifier_pass_rate, null);
  assert.ok(Math.abs(m.siglip_score! - 0.15) < 1e-12);
});

test('per-category and per-split means are those of their own items', () => {
  const results = [
    item('a', 'shape', [ok(0, 0.5, 0.5), ok(1, 0.5, 0.5)], 0.2),
    item('b', 'shape', [ok(0, 0.1, 0.9, 0.5), failed(1)], null),
    item('c', 'color', [ok(0, 0.9, 0.1)], null, 'scene'),
  ];
  const s = summarize(results);
  assert.deepEqual(Object.keys(s.per_category), ['shape', 'color']);
  assert.equal(s.per_category.shape!.n, 2);
  assert.ok(Math.abs(s.per_category.shape!.siglip_score! - (0.5 + 0.5 + 0.1 + 0) / 4) < 1e-12);
  assert.ok(Math.abs(s.per_category.shape!.verifier_accuracy! - (1 + 1 + 0.5 + 0) / 4) < 1e-12);
  assert.equal(s.per_category.shape!.verifier_pass_rate, 0.5);
  assert.equal(s.per_category.shape!.diversity, 0.2); // b has no diversity (one valid sample): not averaged in
  assert.ok(Math.abs(s.per_category.color!.siglip_score! - 0.9) < 1e-12);
  assert.equal(s.per_split.object!.n, 2);
  assert.equal(s.per_split.scene!.n, 1);
  assert.deepEqual(Object.keys(s.per_split.object!.per_category), ['shape']);
  assert.deepEqual(s.per_split.object!.per_category.shape, s.per_category.shape);
  assert.deepEqual(s.per_split.scene!.per_category.color, s.per_category.color);
  assert.equal(s.n, 3);
  assert.equal(s.samples, 5);
  assert.ok(Math.abs(s.siglip_score! - (0.5 + 0.5 + 0.1 + 0 + 0.9) / 5) < 1e-12);
});

test('an overlap defect counts among rendered samples', () => {
  const bad = sampleResult({ i: 0, valid: true, terms: terms({ 'no-overlap': 0.2 }) }, '<svg/>', { siglip: true, dino: false });
  const m = metrics([item('a', 'x', [bad, ok(1, 0, null)])]);
  assert.equal(m.defect_rates.overlap, 0.5);
  assert.equal(m.defect_rates['low-contrast'], 0);
});
