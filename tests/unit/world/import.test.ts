// Every refusal of the benchmark importers, and the promise behind them: what is accepted loads
// again unchanged, and the verifier can judge every accepted spec.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadBenchmark, parseBenchmarkFile, checkFileSize, type Benchmark } from '../../../src/lib/world/bench.ts';
import { IMPORT_LIMITS } from '../../../src/lib/world/validate.ts';
import { COLORS, KIND_NAMES, RELATIONS, makeItem, makeRng } from '../../../src/lib/world/index.ts';
import { BACKGROUNDS } from '../../../src/lib/world/palette.ts';
import { verify } from '../../../src/lib/reward/verify/verify.ts';

const world = makeItem({ seed: 3, stream: 'import-test', index: 0, split: 'compositional', category: 'relation-2d', id: 'w0' });
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
/** Our format with one world item whose spec `edit` changes. */
function withSpec(edit: (spec: Record<string, any>) => void): unknown {
  const item = clone(world) as unknown as Record<string, any>;
  edit(item.spec);
  return { name: 't', version: 1, items: [item] };
}
const refuses = (json: unknown, pattern: RegExp): void => {
  assert.throws(() => loadBenchmark(json), (err: Error) => {
    assert.equal(err.name, 'BenchmarkError');
    assert.match(err.message, pattern);
    return true;
  });
};

test('a world item passes, and a stored benchmark loads again exactly as it was accepted', () => {
  const bench = loadBenchmark({ name: 't', version: 2, items: [world] });
  assert.deepEqual(loadBenchmark(clone(bench)), bench);
  const comp = loadBenchmark(JSON.parse(readFileSync('tests/fixtures/compbench/sample.json', 'utf8')), 'cb');
  assert.deepEqual(loadBenchmark(clone(comp)), comp, 'an imported CompBench file reloads with its source fields');
  const unnamed = parseBenchmarkFile(JSON.stringify([{ id: 'a', prompt: 'p', major_type: 'binding', minor_type: 'color' }]), '.json');
  assert.equal(unnamed.name, 'benchmark');
  assert.deepEqual(loadBenchmark(clone(unnamed)), unnamed, 'a file named ".json" reloads too');
});

test('specs are checked field by field against the world vocabularies, naming item, id, field and the choices', () => {
  refuses(withSpec((s) => (s.groups[0].kind = 'dragon')), /item 0 \(id "w0"\): spec\.groups\[0\]\.kind "dragon" is unknown; one of: circle, square, rectangle, .*… \(34 in all\)/);
  refuses(withSpec((s) => (s.groups[0].count = 'many')), /spec\.groups\[0\]\.count "many" must be a whole number from 1 to 5/);
  refuses(withSpec((s) => (s.groups[0].count = 6)), /count 6 must be a whole number from 1 to 5/);
  refuses(withSpec((s) => (s.groups[0].color = 'teal')), /spec\.groups\[0\]\.color "teal" is unknown; one of: red, orange, yellow, green, blue, purple, pink, brown, black, gray, cyan, magenta$/);
  refuses(withSpec((s) => (s.groups[0].size = 'huge')), /size "huge" is unknown; one of: small, large/);
  refuses(withSpec((s) => (s.relations[0].rel = 'on_top_of')), /spec\.relations\[0\]\.rel "on_top_of" is unknown; one of: left_of, right_of, above, below, inside, next_to, larger/);
  refuses(withSpec((s) => (s.relations[0].b = 7)), /spec\.relations\[0\]\.b 7 must be a whole number from 0 to 1/);
  refuses(withSpec((s) => (s.relations[0].b = s.relations[0].a)), /relations\[0\]\.b equals a/);
  refuses(withSpec((s) => (s.background = 'space')), /spec\.background "space" is unknown; one of: none, sky, land, sea, underwater/);
  refuses(withSpec((s) => (s.groups[1].color = s.groups[0].color)), /groups\[1\]\.color .* is also group 0's colour/);
  refuses(withSpec((s) => (s.groups = [])), /spec\.groups is empty/);
  refuses(withSpec((s) => (s.objects[0].x = 'left')), /spec\.objects\[0\]\.x "left" must be a finite number/);
  refuses(withSpec((s) => (s.objects[0].s = 0)), /spec\.objects\[0\]\.s 0 must be a finite number ≥/);
  refuses(withSpec((s) => s.objects.pop()), /spec\.objects place \d object\(s\) in group \d, whose count is \d/);
  refuses(withSpec((s) => (s.groups[0] = 'circle')), /spec\.groups\[0\] must be an object, got "circle"/);
  refuses({ items: [{ ...world, spec: [] }] }, /item 0 \(id "w0"\): spec must be an object, got an array of 0/);
});

test('item fields: split from the world, bounded strings, unique ids', () => {
  refuses({ items: [{ ...world, split: 'train' }] }, /item 0 \(id "w0"\): split "train" is unknown; one of: object, scene, compositional, heldout/);
  refuses({ items: [{ ...world, prompts: ['ok', 3] }] }, /prompts\[1\] must be a non-empty string, got 3/);
  refuses({ items: [{ ...world, svg: 'x'.repeat(IMPORT_LIMITS.svgChars + 1) }] }, /svg is 524289 characters; at most 524288/);
  refuses({ items: [{ ...world, source: { blob: 'x'.repeat(5000) } }] }, /take 5\d{3} characters as JSON; at most 4096/);
  refuses({ items: [{ ...world, id: '' }] }, /item 0: id must be a non-empty string, got ""/);
  refuses({ items: [world, { ...world, prompt: 'again' }] }, /item 1 \(id "w0"\): id repeats item 0's; ids must be unique/);
  refuses({ items: [] }, /has no items/);
  refuses({ items: [world, 'x'] }, /item 1 must be an object, got "x"/);
  refuses({ name: 7, items: [world] }, /benchmark: name must be a non-empty string, got 7/);
});

test('SGP-CompBench files: known major types, token minor types, unique ids, bounded extras', () => {
  const ok = { id: 'a', prompt: 'two red apples', major_type: 'numeracy', minor_type: 'numeracy', gen_type: 'template' };
  assert.equal(loadBenchmark([ok]).items[0]?.category, 'numeracy');
  refuses([{ ...ok, major_type: 'style' }], /item 0 \(id "a"\): major_type "style" is unknown; one of: binding, relation, numeracy/);
  refuses([{ ...ok, minor_type: 'a b<script>' }], /minor_type "a b<script>" must be letters, digits and underscores/);
  refuses([ok, ok], /item 1 \(id "a"\): id repeats item 0's/);
  refuses([{ ...ok, metadata: { x: 'y'.repeat(5000) } }], /extra fields "gen_type, metadata"\) take \d+ characters as JSON; at most 4096/);
  let deep: unknown = 0;
  for (let i = 0; i < 20_000; i++) deep = [deep];
  refuses([{ ...ok, metadata: deep }], /extra fields\) cannot be stored|take \d+ characters/);
});

test('error messages quote at most ~100 characters of the offending value', () => {
  const long = 'dragon'.repeat(10_000);
  assert.throws(() => loadBenchmark(withSpec((s) => (s.groups[0].kind = long))), (err: Error) => {
    assert.match(err.message, /kind "(dragon){16}drag…" \(60000 characters\) is unknown/);
    assert.ok(err.message.length < 400, `${err.message.length} characters`);
    return true;
  });
  const longId = 'i'.repeat(IMPORT_LIMITS.idChars);
  assert.throws(() => loadBenchmark({ items: [{ ...world, id: longId, split: 'x'.repeat(1e5) }] }), (err: Error) => {
    assert.ok(err.message.length < 400, err.message);
    return /split "x{100}…" \(100000 characters\) is unknown/.test(err.message);
  });
});

test('size caps: bytes of the file and number of items', () => {
  assert.throws(() => checkFileSize(IMPORT_LIMITS.bytes + 1, 'big.json'), /"big\.json" is 16\.0 MiB; at most 16 MiB/);
  assert.doesNotThrow(() => checkFileSize(IMPORT_LIMITS.bytes, 'ok.json'));
  assert.throws(() => parseBenchmarkFile(' '.repeat(IMPORT_LIMITS.bytes + 1), 'big.json'), /at most 16 MiB/);
  const many = Array.from({ length: IMPORT_LIMITS.items + 1 }, (_, i) => ({ id: `c${i}`, prompt: 'p', major_type: 'binding', minor_type: 'color' }));
  assert.throws(() => loadBenchmark(many), /has 10001 items; at most 10000/);
  assert.equal(loadBenchmark(many.slice(0, IMPORT_LIMITS.items)).items.length, IMPORT_LIMITS.items);
  assert.throws(() => parseBenchmarkFile('{"items": [' + 'x'.repeat(500), 'junk.json'), (err: Error) => {
    assert.match(err.message, /"junk\.json" is not JSON \(/);
    assert.ok(err.message.length < 250, err.message);
    return true;
  });
  const bench: Benchmark = parseBenchmarkFile(readFileSync('tests/fixtures/compbench/sample.json', 'utf8'), 'sample.json');
  assert.equal(bench.name, 'sample');
});

test('the verifier judges every spec the importer accepts without throwing', () => {
  const rng = makeRng(7);
  const noise = { width: 96, height: 96, data: Uint8Array.from({ length: 96 * 96 * 4 }, () => rng.int(0, 255)) };
  const specs = Array.from({ length: 300 }, () => {
    const colors = rng.shuffle(COLORS);
    const groups = Array.from({ length: rng.int(1, 4) }, (_, i) => ({ kind: rng.pick(KIND_NAMES), color: colors[i], count: rng.int(1, 5), ...(rng.chance(0.3) ? { size: rng.pick(['small', 'large']) } : {}) }));
    const n = groups.length;
    const relations = n < 2 ? [] : Array.from({ length: rng.int(0, 3) }, () => { const a = rng.int(0, n - 1); return { a, rel: rng.pick(RELATIONS), b: (a + rng.int(1, n - 1)) % n }; });
    const objects = groups.flatMap((g, group) => Array.from({ length: g.count }, () => ({ group, x: rng.int(0, 200), y: rng.int(0, 200), s: 1 + rng.next() * 10 })));
    return { background: rng.pick(BACKGROUNDS), groups, relations, objects };
  });
  const bench = loadBenchmark({ items: specs.map((spec, i) => ({ id: `f${i}`, split: 'compositional', category: 'fuzz', prompt: 'p', spec })) });
  for (const it of bench.items) assert.doesNotThrow(() => verify(it.spec!, noise), it.id);
  const mini = loadBenchmark(JSON.parse(readFileSync('public/bench/sgp-minibench.json', 'utf8')));
  assert.equal(mini.items.filter((it) => it.spec).length, 1700, 'every MiniBench spec passes the checks');
});
