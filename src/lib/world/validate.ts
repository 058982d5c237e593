// Field-by-field checks of benchmark files against the world's vocabularies. Imports and stored
// entries go through the same checks, so whatever is accepted once is accepted on every reload, and
// the verifier never meets a spec it cannot read (an unknown kind used to throw deep inside it).
import { KIND_NAMES } from './kinds.ts';
import { BACKGROUNDS, COLORS } from './palette.ts';
import { RELATIONS, type SceneSpec } from './spec.ts';

/** Limits on what an importer accepts; each keeps a real file well inside and a hostile one cheap to refuse. */
export const IMPORT_LIMITS = Object.freeze({
  /** The real SGP-CompBench prompt file is ~1 MB (3,200 items) and SGP-MiniBench 1.9 MB (1,700 items with programs). */
  bytes: 16 * 2 ** 20,
  /** 3× the real SGP-CompBench's 3,200 prompts: room for a custom benchmark, still quick to summarise and store. */
  items: 10_000,
  idChars: 200,
  /** World prompts are ≤ 140 characters; CompBench's natural prompts are one sentence. */
  promptChars: 2_000,
  /** World items carry 5–6 paraphrases. */
  prompts: 32,
  /** The renderer refuses larger programs anyway; world references are ≤ 2.3 KB. */
  svgChars: 512 * 1024,
  /** Free-text fields (name, category, description) and the JSON of an imported item's extra fields. */
  nameChars: 200,
  descriptionChars: 2_000,
  sourceChars: 4_096,
  /** World scenes have ≤ 4 groups, ≤ 10 objects, ≤ 3 relations; counts are 1–5 (README.md). */
  groups: 8,
  relations: 16,
  maxCount: 5,
});

/** How much of an attacker-controlled value an error message repeats. */
const QUOTE_CHARS = 100;
/** Longer lists of valid choices are cut to this many names. */
const CHOICES_SHOWN = 12;

/** A value as an error message shows it: strings quoted and cut at ~100 characters, structures by shape only. */
export function describe(v: unknown): string {
  if (v === undefined) return 'missing';
  if (typeof v === 'string') {
    const q = JSON.stringify(v.length > QUOTE_CHARS ? v.slice(0, QUOTE_CHARS) : v);
    return v.length > QUOTE_CHARS ? `${q.slice(0, -1)}…" (${v.length} characters)` : q;
  }
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v === null || typeof v !== 'object') return String(v);
  return 'an object';
}

export const oneOf = (choices: readonly (string | number)[]): string =>
  choices.length <= CHOICES_SHOWN
    ? `one of: ${choices.join(', ')}`
    : `one of: ${choices.slice(0, CHOICES_SHOWN).join(', ')}, … (${choices.length} in all)`;

export class BenchmarkError extends Error {
  override name = 'BenchmarkError';
}

export const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Reads fields of one record; every error names the record (`where`) and the field path. */
export class Fields {
  constructor(
    private readonly o: Record<string, unknown>,
    readonly where: string,
    private readonly path = '',
  ) {}

  fail(key: string, msg: string): never {
    throw new BenchmarkError(`${this.where}: ${this.path}${key} ${msg}`);
  }

  has(key: string): boolean {
    return this.o[key] !== undefined;
  }

  string(key: string, max: number): string {
    const v = this.o[key];
    if (typeof v !== 'string' || v === '') return this.fail(key, `must be a non-empty string, got ${describe(v)}`);
    if (v.length > max) return this.fail(key, `is ${v.length} characters; at most ${max}`);
    return v;
  }

  choice<T extends string>(key: string, choices: readonly T[]): T {
    const v = this.o[key];
    if (typeof v === 'string' && (choices as readonly string[]).includes(v)) return v as T;
    return this.fail(key, `${describe(v)} is ${typeof v === 'string' ? 'unknown' : 'not a string'}; ${oneOf(choices)}`);
  }

  int(key: string, min: number, max: number): number {
    const v = this.o[key];
    if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
    return this.fail(key, `${describe(v)} must be a whole number from ${min} to ${max}`);
  }

  finite(key: string, min = -Infinity): number {
    const v = this.o[key];
    if (typeof v === 'number' && Number.isFinite(v) && v >= min) return v;
    return this.fail(key, `${describe(v)} must be a finite number${min > -Infinity ? ` ≥ ${min}` : ''}`);
  }

  array(key: string, max: number): unknown[] {
    const v = this.o[key];
    if (!Array.isArray(v)) return this.fail(key, `must be an array, got ${describe(v)}`);
    if (v.length > max) return this.fail(key, `has ${v.length} entries; at most ${max}`);
    return v;
  }

  strings(key: string, maxItems: number, maxChars: number): string[] {
    return this.array(key, maxItems).map((v, i) => {
      if (typeof v !== 'string' || v === '') return this.fail(`${key}[${i}]`, `must be a non-empty string, got ${describe(v)}`);
      if (v.length > maxChars) return this.fail(`${key}[${i}]`, `is ${v.length} characters; at most ${maxChars}`);
      return v;
    });
  }

  /** Fields of the record at `key[i]` (or at `key` when i is undefined). */
  record(key: string, i?: number): Fields {
    const v = i === undefined ? this.o[key] : (this.o[key] as unknown[])[i];
    const at = i === undefined ? key : `${key}[${i}]`;
    if (!isObj(v)) return this.fail(at, `must be an object, got ${describe(v)}`);
    return new Fields(v, this.where, `${this.path}${at}.`);
  }

  /** The fields not in `known`, kept as they are, bounded by the size of their JSON. */
  rest(known: readonly string[], max: number): Record<string, unknown> {
    const out = Object.fromEntries(Object.entries(this.o).filter(([k]) => !known.includes(k)));
    let size: number;
    try {
      size = JSON.stringify(out).length;
    } catch (err) {
      // Deeply nested JSON overflows the stack: refuse it like any oversized value.
      return this.fail('(extra fields)', `cannot be stored (${(err as Error).message.slice(0, QUOTE_CHARS)})`);
    }
    if (size > max) this.fail(`(extra fields ${describe(Object.keys(out).join(', '))})`, `take ${size} characters as JSON; at most ${max}`);
    return out;
  }
}

const L = IMPORT_LIMITS;

/** A scene spec that the verifier, the prompt phraser and the SVG writer can all read. */
export function checkSpec(item: Fields): SceneSpec {
  const spec = item.record('spec');
  const background = spec.choice('background', BACKGROUNDS);
  const groupsRaw = spec.array('groups', L.groups);
  if (groupsRaw.length === 0) spec.fail('groups', 'is empty; a scene has at least one group');
  const groups = groupsRaw.map((_, i) => {
    const g = spec.record('groups', i);
    return {
      kind: g.choice('kind', KIND_NAMES),
      color: g.choice('color', COLORS),
      count: g.int('count', 1, L.maxCount),
      ...(g.has('size') ? { size: g.choice('size', ['small', 'large'] as const) } : {}),
    };
  });
  // The verifier finds a group by its colour: two groups of one colour cannot be told apart.
  groups.forEach((g, i) => {
    const j = groups.findIndex((h) => h.color === g.color);
    if (j < i) spec.fail(`groups[${i}].color`, `${describe(g.color)} is also group ${j}'s colour; every group needs its own colour`);
  });
  const n = groups.length - 1;
  const relations = spec.array('relations', L.relations).map((_, i) => {
    const r = spec.record('relations', i);
    const rel = { a: r.int('a', 0, n), rel: r.choice('rel', RELATIONS), b: r.int('b', 0, n) };
    if (rel.a === rel.b) r.fail('b', `equals a (${rel.a}); a relation links two different groups`);
    return rel;
  });
  const objects = spec.array('objects', L.groups * L.maxCount).map((_, i) => {
    const o = spec.record('objects', i);
    return { group: o.int('group', 0, n), x: o.finite('x'), y: o.finite('y'), s: o.finite('s', Number.MIN_VALUE) };
  });
  groups.forEach((g, i) => {
    const drawn = objects.filter((o) => o.group === i).length;
    if (drawn !== g.count) spec.fail('objects', `place ${drawn} object(s) in group ${i}, whose count is ${g.count}`);
  });
  return { background, groups, relations, objects };
}
