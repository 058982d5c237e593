// The reward composer: a preset (plain data) turns a group's term values into one reward per sample,
// keeping every term's raw and transformed value so a score card can show why. Cheap and pure: the
// page re-runs it on every slider move without re-rendering or re-embedding.
//
//   reward = 0                                   if a gate term's raw value is < 0.5 (gates: 0/1 checks)
//          = Σ w·t(raw) / Σ w  over the terms that apply (raw not null, w > 0)
//
// A weighted mean rather than SGP-RL's plain sum: the ranking within a group is the same (every
// sample of a group has the same terms), and the reward stays in [0, 1] whether or not a reference
// image or a world spec makes DINO or the verifier apply.
import { TERM_IDS, type SampleTerms, type TermId } from './terms.ts';

export type Transform =
  | { kind: 'raw' }
  /** Rescales [min, max] to [0, 1], clamping outside: spreads a term that lives in a narrow band. */
  | { kind: 'clamp'; min: number; max: number }
  /** 1 at or above `at`, else 0. */
  | { kind: 'threshold'; at: number }
  /** Rank within the group: 1 for the best, 0 for the worst, ties share; scale-free, like GRPO's advantages. */
  | { kind: 'rank' };

export interface PresetTerm {
  term: TermId;
  weight: number;
  transform: Transform;
}

export interface Preset {
  /** Short id, e.g. 'sgp-rl' (URL state, CLI --preset). */
  name: string;
  label: string;
  terms: readonly PresetTerm[];
  /** A sample failing any of these (raw < 0.5) gets reward 0. */
  gates: readonly TermId[];
}

export interface TermBreakdown {
  term: TermId;
  /** The term's value before the transform; null when it does not apply. */
  raw: number | null;
  /** After the transform; null when it does not apply. */
  value: number | null;
  weight: number;
  transform: Transform;
  why: string;
}

export interface Breakdown {
  /** One entry per preset term, in the preset's order. */
  terms: TermBreakdown[];
  /** The first gate that failed (the reward is then 0), or null. */
  gatedBy: TermId | null;
  reward: number;
  /** 1 = highest reward in the group; ties share the better rank. */
  rank: number;
}

/** A gate passes at this raw value or above; gate terms are 0/1 checks. */
export const GATE_PASS = 0.5;

export function applyTransform(t: Transform, raw: number, group: readonly (number | null)[]): number {
  switch (t.kind) {
    case 'raw':
      return raw;
    case 'clamp':
      return t.max > t.min ? Math.min(1, Math.max(0, (raw - t.min) / (t.max - t.min))) : raw >= t.max ? 1 : 0;
    case 'threshold':
      return raw >= t.at ? 1 : 0;
    case 'rank': {
      const others = group.filter((x): x is number => x !== null);
      if (others.length <= 1) return 1;
      let below = 0;
      let ties = 0;
      for (const x of others) {
        if (x < raw) below++;
        else if (x === raw) ties++;
      }
      return (below + (ties - 1) / 2) / (others.length - 1);
    }
  }
}

export function compose(group: readonly SampleTerms[], preset: Preset): Breakdown[] {
  checkPreset(preset);
  const columns = new Map(preset.terms.map((pt) => [pt.term, group.map((s) => s[pt.term].value)]));
  const out = group.map((sample) => {
    const terms: TermBreakdown[] = preset.terms.map((pt) => {
      const raw = sample[pt.term].value;
      const value = raw === null ? null : applyTransform(pt.transform, raw, columns.get(pt.term)!);
      return { term: pt.term, raw, value, weight: pt.weight, transform: pt.transform, why: sample[pt.term].why };
    });
    const gatedBy = preset.gates.find((g) => {
      const raw = sample[g].value;
      return raw !== null && raw < GATE_PASS;
    }) ?? null;
    let num = 0;
    let den = 0;
    for (const t of terms) {
      if (t.value === null || t.weight <= 0) continue;
      num += t.weight * t.value;
      den += t.weight;
    }
    return { terms, gatedBy, reward: gatedBy || den === 0 ? 0 : num / den, rank: 0 };
  });
  for (const b of out) b.rank = 1 + out.filter((o) => o.reward > b.reward).length;
  return out;
}

/** The terms a preset reads (weighted terms and gates): what a scorer must compute for it. */
export function presetNeeds(p: Preset): TermId[] {
  return [...new Set([...p.terms.filter((t) => t.weight > 0).map((t) => t.term), ...p.gates])];
}

/** Throws on a preset no sample could be scored with, naming the field and what would be right. */
export function checkPreset(p: Preset): void {
  const known = (t: string, where: string) => {
    if (!(TERM_IDS as readonly string[]).includes(t)) throw new Error(`preset '${p.name}': unknown term '${String(t).slice(0, 100)}' in ${where}; one of: ${TERM_IDS.join(', ')}`);
  };
  for (const pt of p.terms) {
    known(pt.term, 'terms');
    if (!Number.isFinite(pt.weight) || pt.weight < 0) throw new Error(`preset '${p.name}': weight of ${pt.term} is ${pt.weight}; weights are finite and ≥ 0`);
    const t = pt.transform;
    if (t.kind === 'clamp' && !(Number.isFinite(t.min) && Number.isFinite(t.max) && t.min <= t.max)) throw new Error(`preset '${p.name}': clamp(${t.min}, ${t.max}) on ${pt.term}; needs finite min ≤ max`);
    if (t.kind === 'threshold' && !Number.isFinite(t.at)) throw new Error(`preset '${p.name}': threshold(${t.at}) on ${pt.term}; needs a finite number`);
    if (!['raw', 'clamp', 'threshold', 'rank'].includes(t.kind)) throw new Error(`preset '${p.name}': unknown transform '${String(t.kind).slice(0, 100)}' on ${pt.term}; one of: raw, clamp(min,max), threshold(at), rank`);
  }
  for (const g of p.gates) known(g, 'gates');
}
