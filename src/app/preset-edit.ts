// Edits of a reward preset from the reward panel: each returns a new preset (presets are plain,
// frozen data that ride in the URL). A term whose weight goes to 0 leaves the mix, so moving a
// slider back to where it was gives back the registered preset and its short URL form.
import type { Preset, PresetTerm, Transform } from '../lib/reward/compose';
import type { TermId } from '../lib/reward/terms';

/** What a transform menu switches to: a term living in [0.5, 1] (SGP-RL's (1+cos)/2) spreads over it. */
export const TRANSFORM_DEFAULTS: Readonly<Record<Transform['kind'], Transform>> = Object.freeze({
  raw: { kind: 'raw' },
  clamp: { kind: 'clamp', min: 0.5, max: 1 },
  threshold: { kind: 'threshold', at: 0.5 },
  rank: { kind: 'rank' },
});

/** The term's entry in the mix, or a weight-0 raw one when it is not in it. */
export function termOf(p: Preset, term: TermId): PresetTerm {
  return p.terms.find((t) => t.term === term) ?? { term, weight: 0, transform: TRANSFORM_DEFAULTS.raw };
}

/** Sets a term's weight and/or transform; weight 0 removes it, a new term goes last. */
export function setTerm(p: Preset, term: TermId, patch: { weight?: number; transform?: Transform }): Preset {
  const next: PresetTerm = { ...termOf(p, term), ...patch };
  const has = p.terms.some((t) => t.term === term);
  const terms = has ? p.terms.map((t) => (t.term === term ? next : t)) : [...p.terms, next];
  return { ...p, terms: terms.filter((t) => t.weight > 0) };
}

/** Makes `term` a gate (a sample failing it gets reward 0) or not; gates keep the preset's order. */
export function setGate(p: Preset, term: TermId, on: boolean): Preset {
  const gates = p.gates.filter((g) => g !== term);
  return { ...p, gates: on ? [...gates, term] : gates };
}
