// The verifier on programs written by hand in styles other than the world's (paths, strokes,
// gradients, transforms, Material colours; tests/fixtures/verifier-styles/), each for a MiniBench
// item: correct ones must pass, ones with one deliberate error (colour, count, relation, missing
// object, wrong kind) must not. Rendered through the app's render path at its default size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { verify } from '../../../src/lib/reward/verify/verify.ts';
import type { SceneSpec } from '../../../src/lib/world/spec.ts';
import { DEFAULT_RENDER_SIZE } from '../../../src/lib/render/rasterize.ts';
import { render } from '../world/render.ts';

const DIR = new URL('../../fixtures/verifier-styles/', import.meta.url);
const bench = JSON.parse(readFileSync(new URL('../../../public/bench/sgp-minibench.json', import.meta.url), 'utf8')) as { items: { id: string; spec: SceneSpec }[] };
const specs = new Map(bench.items.map((it) => [it.id, it.spec]));

interface Fixture { file: string; item: string; expect: 'pass' | 'fail'; note: string; svg: string }
const fixtures: Fixture[] = readdirSync(DIR).filter((f) => f.endsWith('.svg')).sort().map((file) => {
  const svg = readFileSync(new URL(file, DIR), 'utf8');
  const meta = svg.match(/^<!-- (\{.*\}) -->/);
  assert.ok(meta, `${file}: the first line must be <!-- {"item", "expect", "note"} -->`);
  return { file, svg, ...(JSON.parse(meta[1] as string) as Omit<Fixture, 'file' | 'svg'>) };
});

const judged = fixtures.map((f) => {
  const spec = specs.get(f.item);
  assert.ok(spec, `${f.file}: item ${f.item} is not in SGP-MiniBench`);
  const v = verify(spec, { pixels: render(f.svg, DEFAULT_RENDER_SIZE), svg: f.svg });
  return { ...f, passed: v.score === 1, why: v.checks.filter((c) => !c.pass).map((c) => c.detail).join('; ') };
});
const rightOnes = judged.filter((j) => j.expect === 'pass');
const wrongOnes = judged.filter((j) => j.expect === 'fail');

test('at least 50 correct programs and 50 with one error, every one for a MiniBench item', () => {
  assert.ok(rightOnes.length >= 50 && wrongOnes.length >= 50, `${rightOnes.length} correct, ${wrongOnes.length} wrong`);
  for (const kind of ['colour', 'count', 'relation', 'missing', 'kind']) {
    assert.ok(wrongOnes.filter((j) => j.note.startsWith(kind)).length >= 5, `fewer than 5 '${kind}' errors`);
  }
});

test('≥ 90 % of correct programs in other styles pass', () => {
  const failed = rightOnes.filter((j) => !j.passed);
  assert.ok(failed.length <= 0.1 * rightOnes.length, `${rightOnes.length - failed.length}/${rightOnes.length} pass; failed:\n${failed.map((j) => `${j.file}: ${j.why}`).join('\n')}`);
});

test('≤ 10 % of programs with one deliberate error pass', () => {
  const passed = wrongOnes.filter((j) => j.passed);
  assert.ok(passed.length <= 0.1 * wrongOnes.length, `${passed.length}/${wrongOnes.length} pass:\n${passed.map((j) => `${j.file}: ${j.note}`).join('\n')}`);
});
