// `npm run eval` end to end (headless Chromium, the svg pool, the bundled encoders on WASM): the
// benchmark's own references score perfectly, corrupted scenes lower; an SGP-CompBench file gets only
// the metrics that apply to free prompts; bad flags are refused by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLED_BENCHMARKS, corrupt, loadBenchmark, makeRng, sceneSvg } from '../../src/lib/world';
import { selectItems } from '../../src/lib/eval/runner';

type Line = Record<string, any>;
const evalCli = (...args: string[]) => {
  const r = spawnSync('node', ['--import', 'tsx', 'scripts/cli.ts', 'eval', ...args], { encoding: 'utf8' });
  const lines = r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);
  return { status: r.status, stderr: r.stderr, lines, summary: lines.at(-1)! };
};
const dir = mkdtempSync(join(tmpdir(), 'sgp-eval-'));
const minibench = loadBenchmark(JSON.parse(readFileSync(join('public', BUNDLED_BENCHMARKS['sgp-minibench']!.path), 'utf8')));
const items = selectItems(minibench.items, null, 1); // one item per split

test('references as imported outputs: success 1, verifier 1, DINO highest; corrupted scenes score lower', () => {
  const out = join(dir, 'refs.json');
  const refs = evalCli('--bench', 'minibench', '--outputs', 'references', '--limit', '1', '--out', out);
  assert.equal(refs.status, 0, refs.stderr + JSON.stringify(refs.summary));
  assert.deepEqual(refs.lines.slice(0, -1).map((l) => l.id), items.map((it) => it.id));
  const s = refs.summary;
  assert.equal(s.n, 4);
  assert.equal(s.success_rate, 1);
  assert.equal(s.verifier_accuracy, 1);
  assert.equal(s.verifier_pass_rate, 1);
  assert.ok(s.dino_score > 0.999, `references' DINO score ${s.dino_score}`);
  assert.deepEqual(Object.keys(s.per_split), ['object', 'scene', 'compositional', 'heldout']);
  const file = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(file.items.length, 4);
  assert.equal(file.items[0].samples[0].output, items[0]!.svg);
  assert.deepEqual(file.summary.per_category, s.per_category);

  // The same items drawn wrong (a colour swapped, an object removed …) and one output with no program.
  const rng = makeRng(7);
  const lines = items.flatMap((it, k) => {
    const spec = corrupt(it.spec!, k % 2 ? 'remove-object' : 'color-swap', rng) ?? corrupt(it.spec!, 'add-object', rng)!;
    return [{ id: it.id, output: sceneSvg(spec) }, ...(k === 0 ? [{ id: it.id, output: 'I cannot draw that.' }] : [])];
  });
  const jsonl = join(dir, 'corrupt.jsonl');
  writeFileSync(jsonl, lines.map((l) => JSON.stringify(l)).join('\n'));
  const bad = evalCli('--bench', 'minibench', '--outputs', jsonl, '--limit', '1');
  assert.equal(bad.status, 0, bad.stderr + JSON.stringify(bad.summary));
  assert.equal(bad.summary.samples, 5);
  assert.equal(bad.summary.success_rate, 0.8);
  assert.equal(bad.summary.rule_rates.format, 0.8);
  assert.ok(bad.summary.verifier_accuracy < 1, `corrupted verifier accuracy ${bad.summary.verifier_accuracy}`);
  assert.ok(bad.summary.dino_score < s.dino_score - 0.01, `corrupted DINO ${bad.summary.dino_score} vs references ${s.dino_score}`);
  for (const [k, line] of bad.lines.slice(0, -1).entries()) assert.ok(line.dino_score < refs.lines[k]!.dino_score, `${line.id}: ${line.dino_score}`);
  // the failed output counts 0 in its item's means
  assert.equal(bad.lines[0]!.samples[1].valid, false);
  assert.equal(bad.lines[0]!.samples[1].dino, 0);
});

test('an SGP-CompBench file: SigLIP for every item, no DINO and no verifier (no reference, no spec), per CompBench category', () => {
  const compbench = JSON.parse(readFileSync('tests/fixtures/compbench/sample.json', 'utf8')) as { id: string }[];
  const jsonl = join(dir, 'compbench.jsonl');
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><circle cx="50" cy="50" r="30" fill="red"/></svg>';
  writeFileSync(jsonl, compbench.map((it) => JSON.stringify({ id: it.id, output: svg })).join('\n'));
  const r = evalCli('--bench', 'tests/fixtures/compbench/sample.json', '--outputs', jsonl);
  assert.equal(r.status, 0, r.stderr + JSON.stringify(r.summary));
  assert.equal(r.summary.n, compbench.length);
  assert.equal(r.summary.dino_score, null);
  assert.equal(r.summary.verifier_accuracy, null);
  assert.equal(r.summary.diversity, null);
  assert.ok(r.summary.siglip_score > -1 && r.summary.siglip_score < 1 && r.summary.siglip_score !== 0);
  for (const line of r.lines.slice(0, -1)) assert.equal(typeof line.siglip_score, 'number');
  assert.ok(['binding-color', 'relation-2d', 'numeracy'].every((c) => c in r.summary.per_category), Object.keys(r.summary.per_category).join());
});

test('npm run eval refuses bad flags by name', () => {
  const cases: [string[], RegExp][] = [
    [['--outputs', 'references'], /no --bench given; usage: npm run eval/],
    [['--bench', 'minibench:objects', '--outputs', 'references'], /unknown SGP-MiniBench split "objects"; one of: object/],
    [['--bench', 'minibench', '--policy', 'sgp-tiny-policy', '--outputs', 'references'], /exactly one of --policy ID, --checkpoint DIR or --outputs FILE\|references \(got --policy, --outputs\)/],
    [['--bench', 'minibench', '--policy', 'sgp-tiny-policy', '--checkpoint', 'run-1'], /exactly one of .* \(got --policy, --checkpoint\)/],
    [['--bench', 'minibench', '--outputs', join(dir, 'nothing.jsonl')], /--outputs ".*nothing.jsonl": cannot read it/],
  ];
  for (const [argv, message] of cases) {
    const r = evalCli(...argv);
    assert.equal(r.status, 1);
    assert.equal(r.summary.ok, false);
    assert.match(r.summary.error, message);
  }
});
