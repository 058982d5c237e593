// Evaluation metrics as SGP-GenBench defines them (design.md §7), on results already scored:
//   text–image score = cos(SigLIP text, SigLIP image); DINO score = cos(DINO render, DINO reference);
//   diversity = 1 − mean pairwise DINO cosine among a prompt's valid samples (needs ≥ 2);
//   means divide by all responses (a failed render counts 0), success rate is reported apart.
// Plus the world verifier's score where a spec exists, and the reward engine's rule and defect
// checks as rates. Pure: the runner (runner.ts) fills ItemResults, this file only averages them.
import { cosine } from '../reward/encoders.ts';
import { GATE_PASS } from '../reward/compose.ts';
import type { SampleTerms } from '../reward/terms.ts';

/** Checks that every sample must pass (over all samples). */
export const RULES = Object.freeze(['format', 'no-text'] as const);
/** Render defects, as rates over the samples that rendered: the name of the defect → the reward term that checks it. */
export const DEFECTS = Object.freeze({ blank: 'not-blank', 'outside-canvas': 'inside-canvas', overlap: 'no-overlap', 'low-contrast': 'contrast', 'tiny-viewbox': 'viewbox' } as const);
export type RuleId = (typeof RULES)[number];
export type DefectId = keyof typeof DEFECTS;
type CheckTerm = RuleId | (typeof DEFECTS)[DefectId];
const CHECK_TERMS: readonly CheckTerm[] = [...RULES, ...Object.values(DEFECTS)];

export interface SampleResult {
  i: number;
  /** The program was extracted and rendered. */
  valid: boolean;
  error?: string;
  /** Raw cosines; 0 for a failed sample where the metric applies, null where it does not (no encoder, no reference). */
  siglip: number | null;
  dino: number | null;
  /** The world verifier's score in [0, 1] (share of weighted checks passed); null for prompts without a spec. */
  verifier: number | null;
  /** Rule and defect terms in [0, 1] (1 = good), null where n/a. */
  checks: Partial<Record<CheckTerm, number | null>>;
  /** The output as sampled or imported (the gallery renders it again). */
  output: string;
}

export interface ItemResult {
  id: string;
  split: string;
  category: string;
  prompt: string;
  samples: SampleResult[];
  /** 1 − mean pairwise DINO cosine among the valid samples; null with fewer than 2 or no DINO encoder. */
  diversity: number | null;
  ms: number;
}

export interface Metrics {
  /** Items and samples counted. */
  n: number;
  samples: number;
  success_rate: number;
  siglip_score: number | null;
  dino_score: number | null;
  diversity: number | null;
  /** Mean verifier score over samples of items with a spec (failed → 0). */
  verifier_accuracy: number | null;
  /** Share of those samples that pass every check. */
  verifier_pass_rate: number | null;
  rule_rates: Partial<Record<RuleId, number>>;
  defect_rates: Partial<Record<DefectId, number>>;
}

export interface Summary extends Metrics {
  /** Pooled over splits (the held-out split reuses the other splits' category names). */
  per_category: Record<string, Metrics>;
  /** Each split with its own categories. */
  per_split: Record<string, Metrics & { per_category: Record<string, Metrics> }>;
}

/** 1 − mean pairwise cosine; null with fewer than two embeddings (diversity is undefined for one sample). */
export function diversity(embeddings: readonly ArrayLike<number>[]): number | null {
  if (embeddings.length < 2) return null;
  let sum = 0;
  let pairs = 0;
  for (let a = 0; a < embeddings.length; a++) {
    for (let b = a + 1; b < embeddings.length; b++) {
      sum += cosine(embeddings[a]!, embeddings[b]!);
      pairs++;
    }
  }
  return 1 - sum / pairs;
}

/**
 * One scored sample from the reward engine's terms. The terms hold (1 + cos)/2; the metrics report the
 * cosine itself, as SGP-GenBench does. `applies` says which encoder metrics apply to the item (an encoder
 * loaded; a reference for DINO), so a failed sample counts 0 there rather than dropping out.
 */
export function sampleResult(s: { i: number; valid: boolean; error?: string; terms: SampleTerms }, output: string, applies: { siglip: boolean; dino: boolean }): SampleResult {
  const cos = (applies: boolean, v: number | null): number | null => (!applies ? null : !s.valid || v === null ? 0 : 2 * v - 1);
  const checks: SampleResult['checks'] = {};
  for (const t of CHECK_TERMS) checks[t] = s.terms[t].value;
  return {
    i: s.i,
    valid: s.valid,
    ...(s.error ? { error: s.error } : {}),
    siglip: cos(applies.siglip, s.terms.siglip.value),
    dino: cos(applies.dino, s.terms.dino.value),
    verifier: s.terms.verifier.value === null ? null : s.valid ? s.terms.verifier.value : 0,
    checks,
    output,
  };
}

/** Mean of the non-null values; null when there are none. */
function mean(values: readonly (number | null)[]): number | null {
  const xs = values.filter((v): v is number => v !== null);
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

const rate = (values: readonly (number | null | undefined)[], bad: boolean): number | undefined => {
  const xs = values.filter((v): v is number => v !== null && v !== undefined);
  if (!xs.length) return undefined;
  return xs.filter((v) => (v < GATE_PASS) === bad).length / xs.length;
};

/** The metrics of a set of items (all samples pooled; diversity averaged over items that have one). */
export function metrics(items: readonly ItemResult[]): Metrics {
  const samples = items.flatMap((it) => it.samples);
  const valid = samples.filter((s) => s.valid);
  const verified = samples.map((s) => s.verifier);
  const rule_rates: Metrics['rule_rates'] = {};
  for (const r of RULES) {
    const v = rate(samples.map((s) => s.checks[r]), false);
    if (v !== undefined) rule_rates[r] = v;
  }
  const defect_rates: Metrics['defect_rates'] = {};
  for (const [d, term] of Object.entries(DEFECTS) as [DefectId, CheckTerm][]) {
    const v = rate(valid.map((s) => s.checks[term]), true);
    if (v !== undefined) defect_rates[d] = v;
  }
  return {
    n: items.length,
    samples: samples.length,
    success_rate: samples.length ? valid.length / samples.length : 0,
    siglip_score: mean(samples.map((s) => s.siglip)),
    dino_score: mean(samples.map((s) => s.dino)),
    diversity: mean(items.map((it) => it.diversity)),
    verifier_accuracy: mean(verified),
    verifier_pass_rate: mean(verified.map((v) => (v === null ? null : v === 1 ? 1 : 0))),
    rule_rates,
    defect_rates,
  };
}

function groupBy(items: readonly ItemResult[], key: (it: ItemResult) => string): Map<string, ItemResult[]> {
  const groups = new Map<string, ItemResult[]>();
  for (const it of items) {
    const k = key(it);
    const list = groups.get(k);
    if (list) list.push(it);
    else groups.set(k, [it]);
  }
  return groups;
}

const perCategory = (items: readonly ItemResult[]): Record<string, Metrics> =>
  Object.fromEntries([...groupBy(items, (it) => it.category)].map(([k, list]) => [k, metrics(list)]));

/** Overall metrics, and the same per category and per split (in first-seen order). */
export function summarize(items: readonly ItemResult[]): Summary {
  const per_split = Object.fromEntries([...groupBy(items, (it) => it.split)].map(([k, list]) => [k, { ...metrics(list), per_category: perCategory(list) }]));
  return { ...metrics(items), per_category: perCategory(items), per_split };
}
