import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BUNDLED_BENCHMARKS, MINIBENCH_COUNTS, benchmarkSummary, buildMiniBench, loadBenchmark } from '../../../src/lib/world/index.ts';

const committed = readFileSync(`public/${BUNDLED_BENCHMARKS['sgp-minibench']?.path}`, 'utf8');

test('the committed SGP-MiniBench loads, has the documented counts, and is up to date with the world', () => {
  const bench = loadBenchmark(JSON.parse(committed));
  const s = benchmarkSummary(bench);
  assert.equal(s.name, 'SGP-MiniBench');
  assert.equal(s.total, 1700);
  assert.equal(s.withReference, 1700);
  for (const [split, n] of Object.entries(MINIBENCH_COUNTS)) assert.equal(s.splits[split]?.total, n, split);
  assert.deepEqual(Object.keys(s.splits.scene?.categories ?? {}), ['land', 'sea', 'underwater', 'sky', 'table']);
  assert.equal(s.splits.compositional?.categories['relation-inside'], 114);
  assert.ok(committed.length < 3_000_000, `${committed.length} bytes`);
  // Stale if the world changed: rebuild with `npm run world:export -- --bench --out public/bench`.
  assert.deepEqual(JSON.parse(committed), JSON.parse(JSON.stringify(buildMiniBench())));
});

test('an SGP-CompBench prompt file imports as compositional categories', () => {
  const raw = JSON.parse(readFileSync('tests/fixtures/compbench/sample.json', 'utf8'));
  const bench = loadBenchmark(raw, 'compbench-sample');
  const s = benchmarkSummary(bench);
  assert.equal(s.total, 8);
  assert.equal(s.withReference, 0);
  assert.deepEqual(s.splits.compositional?.categories, {
    'binding-color': 1, 'binding-shape': 1, 'binding-texture': 1, 'relation-2d': 1, 'relation-3d': 1, 'relation-implicit': 1, numeracy: 2,
  });
  const texture = bench.items.find((it) => it.id === 'texture_binding_template_1');
  assert.equal(texture?.prompt, 'a marble baseball glove and a metallic zebra');
  assert.equal(texture?.source?.gen_type, 'template');
});

test('malformed files are refused with what was wrong', () => {
  assert.throws(() => loadBenchmark({ items: [{ id: 'a', split: 'object', category: 'x' }] }), /item 0 \(id "a"\): prompt must be a non-empty string, got missing/);
  assert.throws(() => loadBenchmark([{ id: 'a', prompt: 'p', major_type: 'style', minor_type: 'x' }]), /major_type "style" is unknown; one of: binding, relation, numeracy/);
  assert.throws(() => loadBenchmark('nope'), /expected \{name, version, items/);
});
