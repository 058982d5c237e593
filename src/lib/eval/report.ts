// Reports of an evaluation run: the run file (the same JSON that `npm run eval --out` writes, so the
// page can import a CLI run and compare it), CSV, a two-run comparison and the gallery's orderings.
import { summarize, type ItemResult, type Metrics, type SampleResult, type Summary } from './metrics.ts';
import type { EvalConfig } from './runner.ts';

export const RUN_FORMAT = 'sgp-eval-run';

export interface RunFile {
  format: typeof RUN_FORMAT;
  version: 1;
  bench: string;
  source: string;
  config: EvalConfig;
  encoders: { siglip: string | null; dino: string | null };
  summary: Summary;
  missing: string[];
  items: ItemResult[];
}

export function runFile(head: Omit<RunFile, 'format' | 'version' | 'summary' | 'items'>, items: ItemResult[]): RunFile {
  return { format: RUN_FORMAT, version: 1, ...head, summary: summarize(items), items };
}

/** A run file as imported (e.g. from the CLI): the shape is checked, the summary recomputed from the items. */
export function parseRunFile(text: string, fileName = 'run.json'): RunFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${fileName.slice(0, 100)} is not JSON (${(err as Error).message.slice(0, 100)}); expected a run file from npm run eval --out or the Evaluate page's JSON export`);
  }
  const o = json as Partial<RunFile> | null;
  if (!o || o.format !== RUN_FORMAT || !Array.isArray(o.items)) {
    throw new Error(`${fileName.slice(0, 100)} is not an evaluation run: expected {"format": "${RUN_FORMAT}", "items": [...]}`);
  }
  for (const [k, it] of o.items.entries()) {
    if (typeof it?.id !== 'string' || typeof it.category !== 'string' || typeof it.split !== 'string' || !Array.isArray(it.samples)) {
      throw new Error(`${fileName.slice(0, 100)}: item ${k} needs id, split, category and samples`);
    }
  }
  return { ...(o as RunFile), missing: o.missing ?? [], summary: summarize(o.items) };
}

/** The columns of a metrics row, in report order. */
export const METRIC_COLUMNS = Object.freeze(['n', 'samples', 'success_rate', 'siglip_score', 'dino_score', 'diversity', 'verifier_accuracy', 'verifier_pass_rate'] as const);
export type MetricColumn = (typeof METRIC_COLUMNS)[number];

const cell = (v: unknown): string => {
  const s = v === null || v === undefined ? '' : typeof v === 'number' ? String(+v.toFixed(6)) : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** One row per group (overall, each split, each category) with every metric, rule and defect rate. */
export function summaryCsv(s: Summary): string {
  const rows: [string, string, Metrics][] = [['all', '', s], ...Object.entries(s.per_split).map(([k, m]): [string, string, Metrics] => ['split', k, m]), ...Object.entries(s.per_category).map(([k, m]): [string, string, Metrics] => ['category', k, m])];
  const rules = [...new Set(rows.flatMap(([, , m]) => Object.keys(m.rule_rates)))];
  const defects = [...new Set(rows.flatMap(([, , m]) => Object.keys(m.defect_rates)))];
  const head = ['group', 'name', ...METRIC_COLUMNS, ...rules.map((r) => `rule_${r}`), ...defects.map((d) => `defect_${d}`)];
  const body = rows.map(([g, name, m]) => [g, name, ...METRIC_COLUMNS.map((c) => m[c]), ...rules.map((r) => m.rule_rates[r as keyof Metrics['rule_rates']]), ...defects.map((d) => m.defect_rates[d as keyof Metrics['defect_rates']])].map(cell).join(','));
  return `${[head.join(','), ...body].join('\n')}\n`;
}

/** One row per sample: the item, whether it rendered, and its scores (the program itself stays in the JSON). */
export function samplesCsv(items: readonly ItemResult[]): string {
  const head = ['id', 'split', 'category', 'sample', 'valid', 'siglip', 'dino', 'verifier', 'item_diversity', 'error'];
  const body = items.flatMap((it) => it.samples.map((s) => [it.id, it.split, it.category, s.i, s.valid, s.siglip, s.dino, s.verifier, it.diversity, s.error ?? ''].map(cell).join(',')));
  return `${[head.join(','), ...body].join('\n')}\n`;
}

export interface CompareRow {
  group: string;
  a: Metrics | null;
  b: Metrics | null;
  /** b − a per metric, where both have it. */
  delta: Partial<Record<MetricColumn, number>>;
}

/** Two runs side by side: overall, then every split and category that either has (e.g. before vs after RL). */
export function compareRuns(a: Summary, b: Summary): CompareRow[] {
  const row = (group: string, ma: Metrics | null, mb: Metrics | null): CompareRow => {
    const delta: CompareRow['delta'] = {};
    for (const c of METRIC_COLUMNS) {
      const x = ma?.[c];
      const y = mb?.[c];
      if (typeof x === 'number' && typeof y === 'number') delta[c] = y - x;
    }
    return { group, a: ma, b: mb, delta };
  };
  const splits = [...new Set([...Object.keys(a.per_split), ...Object.keys(b.per_split)])];
  const cats = [...new Set([...Object.keys(a.per_category), ...Object.keys(b.per_category)])];
  return [
    row('all', a, b),
    ...splits.map((k) => row(`split ${k}`, a.per_split[k] ?? null, b.per_split[k] ?? null)),
    ...cats.map((k) => row(k, a.per_category[k] ?? null, b.per_category[k] ?? null)),
  ];
}

export type GalleryFilter = 'best' | 'worst' | 'failed' | 'all';
export interface GalleryEntry {
  item: ItemResult;
  sample: SampleResult;
  score: number;
}

/**
 * One sample's place in the gallery: the verifier where the item has a spec, else DINO, else SigLIP
 * (the most specific measure that applies); failed samples score 0.
 */
export function galleryScore(s: SampleResult): number {
  if (!s.valid) return 0;
  return s.verifier ?? s.dino ?? s.siglip ?? 0;
}

/** Samples for the gallery: best or worst first, only the failed ones, or all; optionally one category. */
export function gallery(items: readonly ItemResult[], filter: GalleryFilter, category: string | null = null, limit = 24): GalleryEntry[] {
  const entries = items
    .filter((it) => category === null || it.category === category)
    .flatMap((item) => item.samples.map((sample) => ({ item, sample, score: galleryScore(sample) })));
  const chosen = filter === 'failed' ? entries.filter((e) => !e.sample.valid) : filter === 'all' ? entries : entries.filter((e) => e.sample.valid);
  if (filter === 'best') chosen.sort((x, y) => y.score - x.score);
  if (filter === 'worst') chosen.sort((x, y) => x.score - y.score);
  return chosen.slice(0, limit);
}
