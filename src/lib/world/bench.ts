// SGP-MiniBench (built from the world, committed as public/bench/sgp-minibench.json) and
// benchmark loading: our JSON format, or an SGP-CompBench prompt file (prompts only, no reference).
import { CATEGORIES, CATEGORY_NAMES, makeItem } from './generate.ts';
import { SPLITS, type SceneSpec, type Split } from './spec.ts';
import { BenchmarkError, Fields, IMPORT_LIMITS, checkSpec, describe, isObj } from './validate.ts';

export interface BenchItem {
  readonly id: string;
  /** 'object' | 'scene' | 'compositional' | 'heldout' for world items; imported files bring their own. */
  readonly split: string;
  readonly category: string;
  readonly prompt: string;
  readonly prompts?: readonly string[];
  /** Reference program and checkable spec: present for world items, absent for imported prompt files. */
  readonly svg?: string;
  readonly spec?: SceneSpec;
  /** Fields of an imported item that have no place above (gen_type, metadata, …). */
  readonly source?: Readonly<Record<string, unknown>>;
}

export interface Benchmark {
  readonly name: string;
  readonly version: number;
  readonly description?: string;
  readonly items: readonly BenchItem[];
}

/** Benchmark files shipped with the site (paths relative to its base URL); menus are built from the keys. */
export const BUNDLED_BENCHMARKS: Readonly<Record<string, { readonly path: string; readonly description: string }>> = Object.freeze({
  'sgp-minibench': { path: 'bench/sgp-minibench.json', description: 'SGP-MiniBench: 1,700 world scenes with references and checkable specs' },
});

export const MINIBENCH_COUNTS: Readonly<Record<Split, number>> = Object.freeze({ object: 300, scene: 300, compositional: 800, heldout: 300 });
export const MINIBENCH_SEED = 2026;

/** Categories cycle round-robin within a split, so every category gets an equal share. */
export function buildMiniBench(counts: Readonly<Record<Split, number>> = MINIBENCH_COUNTS, seed = MINIBENCH_SEED): Benchmark {
  const items: BenchItem[] = [];
  for (const split of SPLITS) {
    const cats = CATEGORY_NAMES.filter((c) => split === 'heldout' || CATEGORIES[c]?.split === split);
    for (let i = 0; i < counts[split]; i++) {
      const category = cats[i % cats.length] as string;
      const id = `${split}-${String(i).padStart(4, '0')}`;
      const it = makeItem({ seed, stream: `bench-${split}`, index: i, split, category, id });
      items.push(it);
    }
  }
  return {
    name: 'SGP-MiniBench',
    version: 1,
    description: 'Scenes of the SGP world with reference programs and checkable specs; splits mirror SGP-GenBench (object, scene) and SGP-CompBench (compositional), plus held-out combinations.',
    items,
  };
}

const fail = (msg: string): never => {
  throw new BenchmarkError(`benchmark: ${msg}`);
};

/** Refuses a file by its size before it is read into memory. */
export function checkFileSize(bytes: number, fileName: string): void {
  if (bytes > IMPORT_LIMITS.bytes) {
    fail(`${describe(fileName)} is ${(bytes / 2 ** 20).toFixed(1)} MiB; at most ${IMPORT_LIMITS.bytes / 2 ** 20} MiB`);
  }
}

/** A benchmark file's text → Benchmark: size cap, JSON, then the same checks as `loadBenchmark`. */
export function parseBenchmarkFile(text: string, fileName: string): Benchmark {
  checkFileSize(text.length, fileName);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    // V8's message quotes the text around the error: keep it short.
    return fail(`${describe(fileName)} is not JSON (${(err as Error).message.slice(0, 120)})`);
  }
  return loadBenchmark(json, fileName.replace(/\.json$/i, ''));
}

const label = (i: number, raw: unknown): string => {
  const id = isObj(raw) ? raw.id : undefined;
  return typeof id === 'string' && id !== '' ? `item ${i} (id ${describe(id)})` : `item ${i}`;
};

function checkItems(list: readonly unknown[], check: (f: Fields) => BenchItem): BenchItem[] {
  if (list.length === 0) fail('has no items');
  if (list.length > IMPORT_LIMITS.items) fail(`has ${list.length} items; at most ${IMPORT_LIMITS.items}`);
  const seen = new Map<string, number>();
  return list.map((raw, i) => {
    const where = label(i, raw);
    if (!isObj(raw)) return fail(`${where} must be an object, got ${describe(raw)}`);
    const item = check(new Fields(raw, `benchmark: ${where}`));
    // Refused here, not on reload: a stored benchmark must load again as it was accepted.
    const first = seen.get(item.id);
    if (first !== undefined) fail(`${where}: id repeats item ${first}'s; ids must be unique`);
    seen.set(item.id, i);
    return item;
  });
}

const L = IMPORT_LIMITS;
/** A file name stands in for a missing name; it must pass the same check when the benchmark is stored and reloaded. */
const fallbackName = (name: string): string => name.slice(0, L.nameChars) || 'benchmark';

function checkWorldItem(f: Fields): BenchItem {
  return {
    id: f.string('id', L.idChars),
    split: f.choice('split', SPLITS),
    category: f.string('category', L.nameChars),
    prompt: f.string('prompt', L.promptChars),
    ...(f.has('prompts') ? { prompts: f.strings('prompts', L.prompts, L.promptChars) } : {}),
    ...(f.has('svg') ? { svg: f.string('svg', L.svgChars) } : {}),
    ...(f.has('spec') ? { spec: checkSpec(f) } : {}),
    ...(f.has('source') ? { source: f.record('source').rest([], L.sourceChars) } : {}),
  };
}

/**
 * Parses a benchmark: our format ({name, version, items: [...]}) or an SGP-CompBench prompt
 * array ([{id, prompt, gen_type, major_type, minor_type, metadata}, ...]). Every field is checked
 * against the world's vocabularies; the first problem is thrown as a BenchmarkError.
 */
export function loadBenchmark(json: unknown, name = 'benchmark'): Benchmark {
  if (Array.isArray(json)) return importCompBench(json, name);
  if (!isObj(json) || !Array.isArray(json.items)) return fail(`expected {name, version, items: [...]} or an SGP-CompBench array, got ${describe(json)}`);
  const top = new Fields(json, 'benchmark');
  return {
    name: top.has('name') ? top.string('name', L.nameChars) : fallbackName(name),
    version: top.has('version') ? top.int('version', 0, Number.MAX_SAFE_INTEGER) : 1,
    ...(top.has('description') ? { description: top.string('description', L.descriptionChars) } : {}),
    items: checkItems(json.items, checkWorldItem),
  };
}

/** SGP-CompBench major types, and minor types → our category names ("binding-color", "relation-2d", …). */
const MAJOR = Object.freeze(['binding', 'relation', 'numeracy'] as const);
const MINOR: Readonly<Record<string, string>> = Object.freeze({ '2d_spatial': '2d', '3d_spatial': '3d' });

function checkCompBenchItem(f: Fields): BenchItem {
  const id = f.string('id', L.idChars);
  const prompt = f.string('prompt', L.promptChars);
  const major = f.choice('major_type', MAJOR);
  const minor = f.string('minor_type', 40);
  if (!/^[A-Za-z0-9_]+$/.test(minor)) f.fail('minor_type', `${describe(minor)} must be letters, digits and underscores (e.g. color, 2d_spatial)`);
  const category = major === 'numeracy' ? 'numeracy' : `${major}-${(MINOR[minor] ?? minor).replace(/_/g, '-')}`;
  return { id, split: 'compositional', category, prompt, source: { major_type: major, minor_type: minor, ...f.rest(['id', 'prompt', 'major_type', 'minor_type'], L.sourceChars) } };
}

export function importCompBench(json: readonly unknown[], name = 'SGP-CompBench'): Benchmark {
  return { name: fallbackName(name), version: 1, items: checkItems(json, checkCompBenchItem) };
}

export interface BenchSummary {
  readonly name: string;
  readonly total: number;
  /** Items with a reference program and spec (scorable by DINO and the verifier). */
  readonly withReference: number;
  readonly splits: Readonly<Record<string, { total: number; categories: Readonly<Record<string, number>> }>>;
}

/** Item counts per split and category, in first-seen order (for the app's benchmark panel). */
export function benchmarkSummary(b: Benchmark): BenchSummary {
  const splits: Record<string, { total: number; categories: Record<string, number> }> = {};
  for (const it of b.items) {
    const s = (splits[it.split] ??= { total: 0, categories: {} });
    s.total++;
    s.categories[it.category] = (s.categories[it.category] ?? 0) + 1;
  }
  return { name: b.name, total: b.items.length, withReference: b.items.filter((it) => it.svg && it.spec).length, splits };
}
