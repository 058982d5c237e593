import { test } from 'node:test';
import assert from 'node:assert/strict';
import { zipSync, strToU8 } from 'fflate';
import { itemSeed, parseBenchChoice, runEval, selectItems, DEFAULT_EVAL_CONFIG, type EvalDeps, type ScoredGroup } from '../../../src/lib/eval/runner.ts';
import { outputsFromFile, outputsFromFiles, parseOutputsJsonl, idFromFileName } from '../../../src/lib/eval/sources.ts';
import { summarize, type ItemResult } from '../../../src/lib/eval/metrics.ts';
import { buildMiniBench } from '../../../src/lib/world/bench.ts';
import { TERM_IDS, type SampleTerms } from '../../../src/lib/reward/terms.ts';

const bench = buildMiniBench({ object: 4, scene: 2, compositional: 3, heldout: 0 });

/** A fake reward engine: a program "renders" when it starts with <svg; its SigLIP term is read from its text. */
const fakeDeps = (calls: { sample: unknown[]; score: unknown[] }): EvalDeps => ({
  async sample(prompt, params) {
    calls.sample.push({ prompt, ...params });
    return Array.from({ length: params.n }, (_, k) => (k === 0 ? 'no program' : `<svg>${prompt} ${params.seed} ${k}</svg>`));
  },
  async score(req): Promise<ScoredGroup> {
    calls.score.push(req);
    return {
      encoders: { siglip: 'fake', dino: 'fake' },
      samples: req.programs.map((p, i) => {
        const valid = p.startsWith('<svg');
        const t = {} as Record<string, { value: number | null; why: string }>;
        for (const id of TERM_IDS) t[id] = { value: valid ? 1 : 0, why: '' };
        t.dino = { value: valid ? 0.9 : null, why: '' };
        return { i, valid, terms: t as SampleTerms };
      }),
    };
  },
  async embed(programs) {
    return programs.map(() => [1, 0]); // all alike → diversity 0
  },
});

test('a policy run samples each item with its own stable seed and streams results in order', async () => {
  const calls = { sample: [] as any[], score: [] as any[] };
  const seen: ItemResult[] = [];
  const items = selectItems(bench.items, null, 2);
  assert.deepEqual(items.map((i) => i.id), ['object-0000', 'object-0001', 'scene-0000', 'scene-0001', 'compositional-0000', 'compositional-0001']);
  const { results, missing } = await runEval({ items, source: { kind: 'policy', id: 'sgp-tiny-policy' }, config: DEFAULT_EVAL_CONFIG, deps: fakeDeps(calls), onItem: (r) => void seen.push(r) });
  assert.equal(missing.length, 0);
  assert.deepEqual(seen.map((r) => r.id), items.map((i) => i.id));
  assert.equal(results.length, 6);
  assert.equal(calls.sample[0].n, 4);
  assert.equal(calls.sample[0].temperature, 1);
  assert.equal(calls.sample[0].seed, itemSeed(0, 'object-0000'));
  assert.notEqual(itemSeed(0, 'object-0000'), itemSeed(0, 'object-0001'));
  assert.notEqual(itemSeed(0, 'object-0000'), itemSeed(1, 'object-0000'));
  // the world reference and spec reach the scorer
  assert.equal(calls.score[0].reference.svg, items[0]!.svg);
  assert.deepEqual(calls.score[0].spec, items[0]!.spec);
  const s = summarize(results);
  assert.equal(s.success_rate, 0.75);
  assert.equal(s.diversity, 0);
  assert.ok(Math.abs(s.dino_score! - 0.8 * 0.75) < 1e-9); // 2·0.9 − 1 = 0.8 for valid, failed 0
});

test('a resumed run skips what is done; an abort stops between items', async () => {
  const calls = { sample: [] as any[], score: [] as any[] };
  const items = selectItems(bench.items, 'object', null);
  const ctl = new AbortController();
  const { results } = await runEval({
    items, source: { kind: 'policy', id: 'x' }, config: DEFAULT_EVAL_CONFIG, deps: fakeDeps(calls),
    done: new Set(['object-0000']), signal: ctl.signal,
    onItem: (r) => { if (r.id === 'object-0002') ctl.abort(); },
  });
  assert.deepEqual(results.map((r) => r.id), ['object-0001', 'object-0002']);
});

test('imported outputs: items without outputs are reported missing; references score the benchmark itself', async () => {
  const calls = { sample: [] as any[], score: [] as any[] };
  const outputs = parseOutputsJsonl(['{"id":"object-0001","output":"<svg>a</svg>"}', '', '{"id":"object-0001","output":"<svg>b</svg>"}'].join('\n'));
  const items = selectItems(bench.items, 'object', null);
  const run = await runEval({ items, source: { kind: 'outputs', name: 'x', outputs }, config: DEFAULT_EVAL_CONFIG, deps: fakeDeps(calls) });
  assert.deepEqual(run.results.map((r) => [r.id, r.samples.length]), [['object-0001', 2]]);
  assert.deepEqual(run.missing, ['object-0000', 'object-0002', 'object-0003']);
  assert.equal(calls.sample.length, 0);
  const refs = await runEval({ items, source: { kind: 'references' }, config: DEFAULT_EVAL_CONFIG, deps: fakeDeps(calls) });
  assert.equal(refs.results.length, 4);
  assert.equal(calls.score.at(-1).programs[0], items[3]!.svg);
});

test('bench choice: minibench splits are checked, anything else is a file', () => {
  assert.deepEqual(parseBenchChoice('minibench:compositional'), { kind: 'minibench', split: 'compositional' });
  assert.deepEqual(parseBenchChoice('minibench'), { kind: 'minibench', split: null });
  assert.deepEqual(parseBenchChoice('bench/compbench.json'), { kind: 'file', path: 'bench/compbench.json' });
  assert.throws(() => parseBenchChoice('minibench:objects'), /unknown SGP-MiniBench split "objects"; one of: object, scene/);
});

test('outputs from JSONL: bad lines name their line and what is expected', () => {
  assert.throws(() => parseOutputsJsonl('{"id":"a","output":"x"}\nnot json'), /line 2 is not JSON .*each line must be \{"id"/);
  assert.throws(() => parseOutputsJsonl('{"id":"a","output":3}'), /line 1: "output" must be a string, got 3/);
  assert.throws(() => parseOutputsJsonl('\n\n'), /has no \{"id", "output"\} lines/);
  assert.throws(() => parseOutputsJsonl(`{"id":"${'x'.repeat(300)}","output":""}`), /id must be 1–200 characters, got "x{20}/);
});

test('outputs from a folder or a zip: <id>.<ext> and <id>__<k>.<ext>, samples in number order, other files skipped', () => {
  assert.equal(idFromFileName('runs/a/object-0003__12.svg'), 'object-0003');
  assert.equal(idFromFileName('color_binding_template_1.py'), 'color_binding_template_1');
  const files = [
    { path: 'out/object-0000__10.svg', text: 'ten' },
    { path: 'out/object-0000__2.svg', text: 'two' },
    { path: 'out/object-0001.svg', text: 'one' },
    { path: 'out/README.md', text: 'skip me' },
    { path: 'out/.hidden/object-0002.svg', text: 'hidden' },
  ];
  const fromFolder = outputsFromFiles(files);
  assert.deepEqual([...fromFolder], [['object-0000', ['two', 'ten']], ['object-0001', ['one']]]);
  const zip = zipSync(Object.fromEntries(files.map((f) => [f.path, strToU8(f.text)])));
  assert.deepEqual([...outputsFromFile('programs.zip', zip)], [...fromFolder]);
  assert.throws(() => outputsFromFiles([{ path: 'notes.md', text: '' }]), /no program files/);
});
