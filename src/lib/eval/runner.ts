// The evaluation runner: a benchmark × a source × samples per prompt. Each item is sampled (or its
// imported outputs taken), scored by the reward engine (render, rules, defects, verifier, encoders),
// its valid samples embedded for diversity, and handed to `onItem` as soon as it is done, so a run
// can be persisted and resumed item by item. The dependencies are injected: the page and the CLI
// bind them to the workers (src/lib/workers/eval-deps.ts), the unit tests to fakes.
import type { BenchItem } from '../world/bench.ts';
import type { SceneSpec } from '../world/spec.ts';
import { SPLITS } from '../world/spec.ts';
import type { SampleTerms } from '../reward/terms.ts';
import { diversity, sampleResult, type ItemResult } from './metrics.ts';
import type { Outputs } from './sources.ts';

/** Where the programs come from. */
export type Source =
  | { kind: 'policy'; id: string; variant?: string }
  | { kind: 'outputs'; name: string; outputs: Outputs }
  /** The benchmark's own reference programs (a check of the metrics: verifier 1, DINO highest). */
  | { kind: 'references' };

export interface EvalConfig {
  /** Samples per prompt for a policy (SGP-GenBench reports use 4 at temperature 1). */
  samples: number;
  temperature: number;
  seed: number;
  maxNewTokens: number;
}

export const DEFAULT_EVAL_CONFIG: Readonly<EvalConfig> = Object.freeze({ samples: 4, temperature: 1, seed: 0, maxNewTokens: 700 });

export interface ScoredGroup {
  samples: { i: number; valid: boolean; error?: string; terms: SampleTerms }[];
  encoders: { siglip: string | null; dino: string | null };
}

export interface EvalDeps {
  /** n programs for a prompt from the loaded policy. */
  sample(prompt: string, params: { n: number; seed: number; temperature: number; maxNewTokens: number }, signal?: AbortSignal): Promise<string[]>;
  /** The reward engine's scoreGroup: every term of every program. */
  score(req: { prompt: string; programs: string[]; reference: { svg: string } | null; spec: SceneSpec | null }): Promise<ScoredGroup>;
  /** DINO embeddings of programs that render; null when no DINO encoder is loaded. */
  embed(programs: string[]): Promise<ArrayLike<number>[] | null>;
}

/** A stable seed per item, so that --limit, a split filter or a resumed run sample an item the same way. */
export function itemSeed(seed: number, id: string): number {
  let h = 0x811c9dc5 ^ seed;
  for (let k = 0; k < id.length; k++) h = Math.imul(h ^ id.charCodeAt(k), 0x01000193);
  return (h >>> 0) & 0x7fffffff;
}

/** The programs for one item, or null when the source has none for it (an import that skips the item). */
export async function programsFor(item: BenchItem, source: Source, config: EvalConfig, deps: EvalDeps, signal?: AbortSignal): Promise<string[] | null> {
  if (source.kind === 'references') return item.svg ? [item.svg] : null;
  if (source.kind === 'outputs') return source.outputs.get(item.id)?.slice() ?? null;
  const params = { n: config.samples, seed: itemSeed(config.seed, item.id), temperature: config.temperature, maxNewTokens: config.maxNewTokens };
  return deps.sample(item.prompt, params, signal);
}

/** Scores one item: every sample's metrics, and the diversity of its valid samples. `t0`: when its sampling began. */
export async function evaluateItem(item: BenchItem, programs: string[], deps: EvalDeps, t0 = performance.now()): Promise<ItemResult> {
  const reference = item.svg ? { svg: item.svg } : null;
  const group = await deps.score({ prompt: item.prompt, programs, reference, spec: item.spec ?? null });
  const applies = { siglip: group.encoders.siglip !== null, dino: group.encoders.dino !== null && reference !== null };
  const samples = group.samples.map((s) => sampleResult(s, programs[s.i]!, applies));
  const valid = samples.filter((s) => s.valid).map((s) => s.output);
  const emb = valid.length >= 2 ? await deps.embed(valid) : null;
  return {
    id: item.id,
    split: item.split,
    category: item.category,
    prompt: item.prompt,
    samples,
    diversity: emb ? diversity(emb) : null,
    ms: performance.now() - t0,
  };
}

export interface RunOptions {
  items: readonly BenchItem[];
  source: Source;
  config: EvalConfig;
  deps: EvalDeps;
  /** Ids already evaluated (a resumed run): skipped. */
  done?: ReadonlySet<string>;
  onItem?: (result: ItemResult) => void | Promise<void>;
  /** Items the source has nothing for (reported, not scored). */
  onMissing?: (item: BenchItem) => void;
  signal?: AbortSignal;
}

/** Runs the items in order, one at a time (the policy and the encoders share one ml worker). */
export async function runEval(opts: RunOptions): Promise<{ results: ItemResult[]; missing: string[] }> {
  const results: ItemResult[] = [];
  const missing: string[] = [];
  for (const item of opts.items) {
    if (opts.signal?.aborted) break;
    if (opts.done?.has(item.id)) continue;
    const t0 = performance.now();
    const programs = await programsFor(item, opts.source, opts.config, opts.deps, opts.signal);
    if (opts.signal?.aborted) break;
    if (!programs || programs.length === 0) {
      missing.push(item.id);
      opts.onMissing?.(item);
      continue;
    }
    const r = await evaluateItem(item, programs, opts.deps, t0);
    results.push(r);
    await opts.onItem?.(r);
  }
  return { results, missing };
}

/** `minibench`, `minibench:<split>` or a path/name of a benchmark file. */
export type BenchChoice = { kind: 'minibench'; split: string | null } | { kind: 'file'; path: string };

export function parseBenchChoice(spec: string): BenchChoice {
  const m = /^minibench(?::(.*))?$/.exec(spec);
  if (!m) return { kind: 'file', path: spec };
  const split = m[1] ?? null;
  if (split !== null && !(SPLITS as readonly string[]).includes(split)) {
    throw new Error(`unknown SGP-MiniBench split ${JSON.stringify(split.slice(0, 100))}; one of: ${SPLITS.join(', ')} (or plain 'minibench' for all)`);
  }
  return { kind: 'minibench', split };
}

/** The items to run: a split's (or all), at most `limit` per split so a small run still covers each split. */
export function selectItems(items: readonly BenchItem[], split: string | null, limit: number | null): BenchItem[] {
  const chosen = split === null ? items : items.filter((it) => it.split === split);
  if (limit === null) return [...chosen];
  const taken = new Map<string, number>();
  return chosen.filter((it) => {
    const k = taken.get(it.split) ?? 0;
    taken.set(it.split, k + 1);
    return k < limit;
  });
}
