// `npm run score` end to end: headless Chromium, the app's reward scorer (svg pool + encoders in the ml
// worker) through window.sgp.scoreGroup. A SGP-MiniBench item brings its prompt, verifier and reference;
// the CLIP hack (the prompt written as text) beats a blank canvas under clip-only and gets 0 under
// sgp-rl, below the item's own drawing. Bad flags are refused by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBenchmark, textOnlySvg } from '../../src/lib/world';
import { TERM_IDS } from '../../src/lib/reward/terms';

const ITEM = 'object-0001';
const score = (...args: string[]) => spawnSync('node', ['--import', 'tsx', 'scripts/cli.ts', 'score', ...args], { encoding: 'utf8', input: '' });
const lines = (r: ReturnType<typeof score>) => {
  assert.equal(r.status, 0, r.stderr + r.stdout.slice(-800));
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
};

const item = loadBenchmark(JSON.parse(readFileSync('public/bench/sgp-minibench.json', 'utf8'))).items.find((it) => it.id === ITEM)!;
const dir = mkdtempSync(join(tmpdir(), 'score-cli-'));
const files = {
  reference: join(dir, 'reference.svg'),
  text: join(dir, 'text.svg'),
  blank: join(dir, 'blank.svg'),
};
writeFileSync(files.reference, item.svg!);
writeFileSync(files.text, textOnlySvg(item.prompt));
writeFileSync(files.blank, '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 256 256"/>');
const fileArgs = [files.reference, files.text, files.blank].flatMap((f) => ['--file', f]);

test('npm run score --item: a line per file with every term and the preset, then a summary; the CLIP hack and its defence', () => {
  const sgp = lines(score('--item', ITEM, ...fileArgs));
  assert.equal(sgp.length, 4);
  const [ref, text, blank, summary] = sgp as [Record<string, any>, Record<string, any>, Record<string, any>, Record<string, any>];
  for (const [k, line] of [ref, text, blank].entries()) {
    assert.equal(line.file, [files.reference, files.text, files.blank][k]);
    assert.equal(line.preset, 'sgp-rl');
    assert.deepEqual(new Set(Object.keys(line.terms)), new Set(TERM_IDS));
    assert.deepEqual(line.breakdown.map((b: { term: string }) => b.term), ['siglip', 'dino', 'length']);
    assert.ok(line.reward >= 0 && line.reward <= 1);
  }
  // The item's own drawing: the verifier passes, DINO against its own reference is (1 + 1)/2.
  assert.equal(ref.terms.verifier.value, 1, ref.terms.verifier.why);
  assert.ok(ref.terms.dino.value > 0.999, ref.terms.dino.why);
  assert.equal(ref.rank, 1);
  assert.equal(text.gated_by, 'no-text');
  assert.equal(text.reward, 0);
  assert.ok(text.reward < ref.reward);
  assert.deepEqual({ summary: summary.summary, item: summary.item, prompt: summary.prompt, reference: summary.reference, n: summary.n }, { summary: true, item: ITEM, prompt: item.prompt, reference: 'world', n: 3 });
  assert.ok(Math.abs(summary.mean_reward - (ref.reward + text.reward + blank.reward) / 3) < 1e-12);

  const clip = lines(score('--item', ITEM, ...fileArgs, '--preset', 'clip-only'));
  assert.equal(clip[1]!.preset, 'clip-only');
  assert.equal(clip[1]!.gated_by, null);
  assert.ok(clip[1]!.reward > clip[2]!.reward, `clip-only: text ${clip[1]!.reward} should beat blank ${clip[2]!.reward}`);
  for (const k of [0, 1, 2]) assert.deepEqual(clip[k]!.terms, sgp[k]!.terms, 'a preset changes the composition, never the terms');
});

test('npm run score reads a program from stdin and takes a custom preset in its URL form', () => {
  const preset = 'name:mine;label:Mine;terms:verifier*1*threshold(0.9),length*0.5*raw;gates:format';
  const r = spawnSync('node', ['--import', 'tsx', 'scripts/cli.ts', 'score', '--item', ITEM, '--stdin', '--preset', preset], { encoding: 'utf8', input: item.svg! });
  const [line, summary] = lines(r) as [Record<string, any>, Record<string, any>];
  assert.equal(line.file, '-');
  assert.equal(line.preset, preset);
  assert.deepEqual(line.breakdown.map((b: { term: string; value: number }) => [b.term, b.value]), [['verifier', 1], ['length', line.terms.length.value]]);
  assert.ok(Math.abs(line.reward - (1 + 0.5 * line.terms.length.value) / 1.5) < 1e-12);
  assert.equal(summary.n, 1);
});

test('npm run score refuses bad flags by name', () => {
  const cases: [string[], RegExp][] = [
    [['--file', files.text], /give one of --prompt TEXT or --item BENCH_ID/],
    [['--prompt', 'x', '--item', ITEM, '--file', files.text], /give one of --prompt TEXT or --item BENCH_ID/],
    [['--prompt', 'x'], /no program given: --file PROGRAM \(repeatable\) or --stdin/],
    [['--prompt', 'x', '--file', files.text, '--preset', 'clip'], /unknown preset 'clip'; one of: sgp-rl, verifiable, clip-only/],
    [['--prompt', 'x', '--file', join(dir, 'missing.svg')], /cannot read .*missing\.svg/],
    [['--prompt', 'x', '--file', files.text, '--backend', 'cuda'], /--backend must be wasm or webgpu, got "cuda"/],
  ];
  for (const [argv, message] of cases) {
    const r = score(...argv);
    assert.equal(r.status, 1, argv.join(' '));
    const last = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { ok: boolean; error: string };
    assert.equal(last.ok, false);
    assert.match(last.error, message);
  }
});
