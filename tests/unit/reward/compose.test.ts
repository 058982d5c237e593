// The composer and presets on hand-made term values: weights, transforms, gates, n/a terms, ranks,
// the three presets' intent, and the URL form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyTransform, compose, type Preset } from '../../../src/lib/reward/compose.ts';
import { getPreset, PRESETS, presetFromUrl, presetToUrl } from '../../../src/lib/reward/presets.ts';
import { TERM_IDS, type SampleTerms, type TermId } from '../../../src/lib/reward/terms.ts';

/** A sample whose every term is 1 except those given (null = n/a). */
const sample = (over: Partial<Record<TermId, number | null>> = {}): SampleTerms =>
  Object.fromEntries(TERM_IDS.map((id) => [id, { value: id in over ? over[id]! : 1, why: `${id} test` }])) as SampleTerms;
const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} ≈ ${b}`);
const mix = (terms: Preset['terms'], gates: Preset['gates'] = []): Preset => ({ name: 'test', label: 'test', terms, gates });
const RAW = { kind: 'raw' } as const;

test('reward = weighted mean of the terms that apply; n/a terms drop out of numerator and denominator', () => {
  const p = mix([{ term: 'siglip', weight: 1, transform: RAW }, { term: 'dino', weight: 1, transform: RAW }, { term: 'length', weight: 2, transform: RAW }]);
  const [a, b] = compose([sample({ siglip: 0.6, dino: 0.8, length: 0.5 }), sample({ siglip: 0.6, dino: null, length: 0.5 })], p);
  close(a!.reward, (0.6 + 0.8 + 2 * 0.5) / 4);
  close(b!.reward, (0.6 + 2 * 0.5) / 3);
  assert.equal(b!.terms[1]!.raw, null);
  assert.equal(b!.terms[1]!.value, null);
  assert.deepEqual(a!.terms.map((t) => t.term), ['siglip', 'dino', 'length']);
  assert.equal(a!.terms[0]!.why, 'siglip test');
});

test('gates: a gate term under 0.5 zeroes the reward and is named; an n/a gate passes', () => {
  const p = mix([{ term: 'siglip', weight: 1, transform: RAW }], ['format', 'no-text']);
  const [ok, text, broken, na] = compose([sample({ siglip: 0.7 }), sample({ siglip: 0.9, 'no-text': 0 }), sample({ siglip: 0.9, format: 0, 'no-text': 0 }), sample({ siglip: 0.7, 'no-text': null })], p);
  close(ok!.reward, 0.7);
  assert.equal(ok!.gatedBy, null);
  assert.equal(text!.reward, 0);
  assert.equal(text!.gatedBy, 'no-text');
  assert.equal(broken!.gatedBy, 'format', 'the first failing gate in the preset order');
  close(na!.reward, 0.7);
  close(text!.terms[0]!.value!, 0.9); // the breakdown still shows what the term was
});

test('transforms: clamp rescales, threshold steps, rank orders within the group with ties shared', () => {
  close(applyTransform({ kind: 'clamp', min: 0.5, max: 0.7 }, 0.6, []), 0.5);
  assert.equal(applyTransform({ kind: 'clamp', min: 0.5, max: 0.7 }, 0.9, []), 1);
  assert.equal(applyTransform({ kind: 'clamp', min: 0.5, max: 0.7 }, 0.1, []), 0);
  assert.equal(applyTransform({ kind: 'threshold', at: 0.5 }, 0.5, []), 1);
  assert.equal(applyTransform({ kind: 'threshold', at: 0.5 }, 0.49, []), 0);
  const group = [0.2, 0.9, 0.5, 0.5, null];
  assert.deepEqual([0.2, 0.9, 0.5].map((r) => applyTransform({ kind: 'rank' }, r, group)), [0, 1, 0.5]);
  assert.equal(applyTransform({ kind: 'rank' }, 0.3, [0.3]), 1);
  const ranked = compose([0.2, 0.9, 0.5].map((s) => sample({ siglip: s })), mix([{ term: 'siglip', weight: 1, transform: { kind: 'rank' } }]));
  assert.deepEqual(ranked.map((b) => b.reward), [0, 1, 0.5]);
  assert.deepEqual(ranked.map((b) => b.rank), [3, 1, 2]);
});

test('ranks: 1 = best reward, ties share the better rank; weight 0 terms are shown but do not count', () => {
  const p = mix([{ term: 'siglip', weight: 1, transform: RAW }, { term: 'contrast', weight: 0, transform: RAW }]);
  const out = compose([sample({ siglip: 0.5, contrast: 0 }), sample({ siglip: 0.7 }), sample({ siglip: 0.5 })], p);
  assert.deepEqual(out.map((b) => b.rank), [2, 1, 2]);
  close(out[0]!.reward, 0.5);
  assert.equal(out[0]!.terms[1]!.raw, 0);
});

test('presets: sgp-rl zeroes text and failed programs; verifiable gates blank and tiny-viewBox hacks; clip-only does not gate text', () => {
  assert.ok(Object.isFrozen(PRESETS));
  const text = sample({ 'no-text': 0, siglip: 0.8, dino: 0.6 });
  const faithful = sample({ siglip: 0.7, dino: 0.9 });
  const [rlText, rlFaithful] = compose([text, faithful], getPreset('sgp-rl'));
  assert.equal(rlText!.reward, 0);
  assert.ok(rlFaithful!.reward > 0.7);
  const [clipText] = compose([text], getPreset('clip-only'));
  close(clipText!.reward, 0.8);
  for (const hack of ['not-blank', 'viewbox', 'format', 'no-text'] as const) assert.equal(compose([sample({ [hack]: 0 })], getPreset('verifiable'))[0]!.gatedBy, hack);
  close(compose([sample({ verifier: 0.4 })], getPreset('verifiable'))[0]!.reward, 0.4);
  assert.throws(() => getPreset('clip'), /unknown preset 'clip'; one of: sgp-rl, verifiable, clip-only/);
});

test('URL form: registered presets by name, custom ones in full; parse(serialise(p)) = p', () => {
  for (const p of Object.values(PRESETS)) {
    assert.equal(presetToUrl(p), p.name);
    assert.deepEqual(presetFromUrl(presetToUrl(p)), p);
    assert.deepEqual(presetFromUrl(presetToUrl(p, false)), { ...p, terms: [...p.terms], gates: [...p.gates] });
  }
  const custom: Preset = {
    name: 'mine', label: 'My mix',
    terms: [{ term: 'siglip', weight: 0.5, transform: { kind: 'clamp', min: 0.5, max: 0.75 } }, { term: 'verifier', weight: 2, transform: { kind: 'threshold', at: 1 } }, { term: 'length', weight: 0.1, transform: { kind: 'rank' } }],
    gates: ['format', 'contrast'],
  };
  const url = presetToUrl(custom);
  assert.equal(url, 'name:mine;label:My mix;terms:siglip*0.5*clamp(0.5,0.75),verifier*2*threshold(1),length*0.1*rank;gates:format,contrast');
  assert.deepEqual(presetFromUrl(url), custom);
  assert.deepEqual(presetFromUrl(decodeURIComponent(new URLSearchParams({ reward: url }).get('reward')!)), custom);
  const changed = { ...PRESETS['sgp-rl']!, terms: [{ term: 'siglip' as const, weight: 2, transform: RAW }] };
  assert.notEqual(presetToUrl(changed), 'sgp-rl', 'an edited preset is written out in full');
});

test('URL form: bad input says what is wrong and what would be right', () => {
  assert.throws(() => presetFromUrl('terms:clip*1*raw'), /unknown term 'clip' in terms; one of: format, no-text, siglip/);
  assert.throws(() => presetFromUrl('terms:siglip*x*raw'), /weight of siglip is NaN; weights are finite and ≥ 0/);
  assert.throws(() => presetFromUrl('terms:siglip*1*log'), /transform 'log'; one of: raw, clamp\(min,max\), threshold\(at\), rank/);
  assert.throws(() => presetFromUrl('terms:siglip*1*clamp(0.9,0.1)'), /clamp\(0.9, 0.1\) on siglip; needs finite min ≤ max/);
  assert.throws(() => presetFromUrl('terms:siglip*1'), /must read term\*weight\*transform/);
  assert.throws(() => presetFromUrl('weights:1'), /is not one of name:…, label:…, terms:…, gates:…/);
  assert.throws(() => presetFromUrl('terms:siglip*1*raw;gates:blank'), /unknown term 'blank' in gates/);
});
