import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareRuns, gallery, parseRunFile, runFile, samplesCsv, summaryCsv } from '../../../src/lib/eval/report.ts';
import { summarize, type ItemResult, type SampleResult } from '../../../src/lib/eval/metrics.ts';
import { DEFAULT_EVAL_CONFIG } from '../../../src/lib/eval/runner.ts';

const s = (i: number, valid: boolean, verifier: number | null, dino: number | null = 0.5): SampleResult =>
  ({ i, valid, siglip: valid ? 0.3 : 0, dino: valid ? dino : 0, verifier: valid ? verifier : verifier === null ? null : 0, checks: { format: valid ? 1 : 0 }, output: `<svg>${i}</svg>`, ...(valid ? {} : { error: 'no "svg", here' }) });
const it = (id: string, category: string, samples: SampleResult[]): ItemResult => ({ id, split: 'object', category, prompt: id, samples, diversity: null, ms: 1 });
const items = [it('a', 'shape', [s(0, true, 1), s(1, false, 1)]), it('b', 'color', [s(0, true, 0.25), s(1, true, 0.75)])];
const head = { bench: 'minibench', source: 'references', config: DEFAULT_EVAL_CONFIG, encoders: { siglip: 'x', dino: 'y' }, missing: [] };

test('a run file round-trips; a file that is not a run is refused saying what is expected', () => {
  const file = runFile(head, items);
  const back = parseRunFile(JSON.stringify(file));
  assert.deepEqual(back, file);
  assert.throws(() => parseRunFile('[1,2]', 'x.json'), /x.json is not an evaluation run: expected \{"format": "sgp-eval-run"/);
  assert.throws(() => parseRunFile('{', 'x.json'), /x.json is not JSON/);
});

test('CSV: a row per group and per sample, quoted where needed', () => {
  const csv = summaryCsv(summarize(items)).trim().split('\n');
  assert.equal(csv[0], 'group,name,n,samples,success_rate,siglip_score,dino_score,diversity,verifier_accuracy,verifier_pass_rate,rule_format');
  assert.equal(csv[1], 'all,,2,4,0.75,0.225,0.375,,0.5,0.25,0.75');
  assert.deepEqual(csv.slice(2).map((l) => l.split(',').slice(0, 2).join(',')), ['split,object', 'category,shape', 'category,color']);
  const rows = samplesCsv(items).trim().split('\n');
  assert.equal(rows.length, 5);
  assert.equal(rows[2], 'a,object,shape,1,false,0,0,0,,"no ""svg"", here"');
});

test('compare: deltas b − a overall and per group; a group only one run has gets no delta', () => {
  const a = summarize(items);
  const b = summarize([items[0]!, it('c', 'count', [s(0, true, 1)])]);
  const rows = compareRuns(a, b);
  assert.deepEqual(rows.map((r) => r.group), ['all', 'split object', 'shape', 'color', 'count']);
  assert.equal(rows[0]!.delta.verifier_accuracy, (1 + 0 + 1) / 3 - 0.5);
  assert.equal(rows[2]!.delta.success_rate, 0);
  assert.equal(rows[3]!.b, null);
  assert.deepEqual(rows[3]!.delta, {});
});

test('gallery: best and worst by verifier among valid samples, failed apart, by category', () => {
  assert.deepEqual(gallery(items, 'best').map((e) => [e.item.id, e.sample.i]), [['a', 0], ['b', 1], ['b', 0]]);
  assert.deepEqual(gallery(items, 'worst').map((e) => e.score), [0.25, 0.75, 1]);
  assert.deepEqual(gallery(items, 'failed').map((e) => [e.item.id, e.sample.i]), [['a', 1]]);
  assert.deepEqual(gallery(items, 'all', 'color').map((e) => e.item.id), ['b', 'b']);
  assert.equal(gallery(items, 'all', null, 2).length, 2);
});
