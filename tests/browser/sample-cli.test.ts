// `npm run sample` end to end: headless Chromium, the app's sampler in the ml worker, the svg pool
// deciding validity. Same seed → the same lines (bar timings); bad flags are refused by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const sample = (...args: string[]) => spawnSync('node', ['--import', 'tsx', 'scripts/cli.ts', 'sample', ...args], { encoding: 'utf8' });
const args = ['--prompt', 'a pink square above a green circle', '--prompt', 'two red stars', '--n', '3', '--seed', '4', '--max-new-tokens', '160'];

test('npm run sample: a line per sample, a summary last, the same programs for the same seed', () => {
  const runs = [sample(...args), sample(...args)].map((r) => {
    assert.equal(r.status, 0, r.stderr + r.stdout.slice(-500));
    return r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  });
  const [a, b] = runs as [Record<string, unknown>[], Record<string, unknown>[]];
  assert.equal(a.length, 7);
  for (const line of a.slice(0, 6)) {
    assert.deepEqual(Object.keys(line).filter((k) => k !== 'error'), ['prompt', 'i', 'program', 'tokens', 'valid', 'ms']);
    assert.ok(typeof line.program === 'string' && (line.program as string).startsWith('<svg'), String(line.program).slice(0, 100));
    assert.ok((line.tokens as number) > 0 && (line.tokens as number) <= 160);
  }
  assert.deepEqual(a.map((l) => l.i), [0, 1, 2, 0, 1, 2, undefined]);
  const noTime = (lines: Record<string, unknown>[]) => lines.map(({ ms: _, tok_s: __, ...rest }) => rest);
  assert.deepEqual(noTime(a), noTime(b));
  const summary = a[6]!;
  assert.equal(summary.summary, true);
  assert.equal(summary.n, 6);
  assert.equal(summary.valid_rate, +(a.slice(0, 6).filter((l) => l.valid).length / 6).toFixed(3));
  assert.ok((summary.tok_s as number) > 0);
});

test('npm run sample refuses a missing prompt, an unknown model and a bad number, naming the flag', () => {
  const cases: [string[], RegExp][] = [
    [['--n', '2'], /no --prompt given; usage: npm run sample/],
    [['--prompt', 'x', '--model', 'nope/model'], /unknown model 'nope\/model'; available: sgp-tiny-policy/],
    [['--prompt', 'x', '--seed', 'abc'], /--seed needs a number, got "abc"/],
  ];
  for (const [argv, message] of cases) {
    const r = sample(...argv);
    assert.equal(r.status, 1);
    const last = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { ok: boolean; error: string };
    assert.equal(last.ok, false);
    assert.match(last.error, message);
  }
});
