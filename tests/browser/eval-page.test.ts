// The Evaluate page runs the same evaluation as `npm run eval` and shows the same numbers: a small
// policy run is stopped after its first items, survives a reload, resumes, and ends equal to the CLI's
// run; the CLI's run file imports into the page, compares with zero change, and the gallery shows it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { openSession, type Session } from '../../scripts/lib/browser';
import { METRIC_COLUMNS } from '../../src/lib/eval/report';

let session: Session;
let page: Page;
before(async () => {
  session = await openSession();
  page = await session.newPage('index.html#tab=evaluate');
});
after(async () => session?.close());

// 4 items: a stop clicked once the first is done lands before the last, however fast the machine
const run = { bench: 'minibench:scene', samples: '2', limit: '4', seed: '3' };
const items = Number(run.limit);
const out = join(mkdtempSync(join(tmpdir(), 'sgp-eval-page-')), 'run.json');

/** The page's overall metrics row, as the table's data attributes hold them. */
async function shownMetrics(): Promise<Record<string, number | null>> {
  return page.$$eval('[data-testid=eval-summary] tr[data-group=all] td', (tds) =>
    Object.fromEntries(tds.map((td) => [td.getAttribute('data-metric')!, td.getAttribute('data-value') === '' ? null : Number(td.getAttribute('data-value'))])));
}
const progress = (attr: string) => page.getAttribute('[data-testid=eval-progress]', attr);

test('a policy run stops, survives a reload, resumes, and gives the numbers npm run eval gives', { timeout: 600_000 }, async () => {
  await page.waitForSelector('[data-testid=eval-bench] option[value="minibench:scene"]', { state: 'attached' });
  await page.selectOption('[data-testid=eval-bench]', run.bench);
  await page.selectOption('[data-testid=eval-source]', 'policy');
  await page.fill('[data-testid=eval-samples]', run.samples);
  await page.fill('[data-testid=eval-limit]', run.limit);
  await page.fill('[data-testid=eval-seed]', run.seed);
  await page.click('[data-testid=eval-run]');
  await page.waitForSelector('[data-testid=eval-progress][data-done="1"]', { timeout: 300_000 });
  await page.click('[data-testid=eval-stop]');
  await page.waitForSelector('[data-testid=eval-progress][data-phase=stopped]', { timeout: 120_000 });
  const stoppedAt = Number(await progress('data-done'));
  assert.ok(stoppedAt >= 1 && stoppedAt < items, `stopped after ${stoppedAt} of ${items} items`);

  await page.reload();
  await page.waitForSelector('[data-testid=eval-run-row]');
  // the form comes back from the URL
  assert.equal(await page.inputValue('[data-testid=eval-samples]'), run.samples);
  assert.equal(await page.inputValue('[data-testid=eval-seed]'), run.seed);
  assert.equal(await page.inputValue('[data-testid=eval-bench]'), run.bench);
  await page.click('[data-testid=eval-run-row] >> text=Open');
  await page.waitForSelector(`[data-testid=eval-progress][data-phase=stopped][data-done="${stoppedAt}"]`);
  await page.click('[data-testid=eval-resume]');
  await page.waitForSelector('[data-testid=eval-progress][data-phase=done]', { timeout: 300_000 });
  assert.equal(await progress('data-done'), run.limit);
  const shown = await shownMetrics();

  const cli = spawnSync('node', ['--import', 'tsx', 'scripts/cli.ts', 'eval', '--bench', run.bench, '--policy', 'sgp-tiny-policy', '--samples', run.samples, '--limit', run.limit, '--seed', run.seed, '--out', out], { encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr + cli.stdout.slice(-500));
  const summary = JSON.parse(cli.stdout.trim().split('\n').at(-1)!) as Record<string, number | null>;
  assert.equal(summary.n, items);
  for (const c of METRIC_COLUMNS) {
    const [a, b] = [shown[c], summary[c]];
    if (a === null || b === null || a === undefined || b === undefined) assert.equal(a, b ?? null, c);
    else assert.ok(Math.abs(a - b) < 1e-9, `${c}: page ${a}, CLI ${b}`);
  }
});

test("the CLI's run file imports as a run; compared with the page's own run nothing changes; the gallery shows its samples", { timeout: 120_000 }, async () => {
  const pageRun = await shownMetrics();
  await page.click('[data-testid=eval-run-row] >> text=Compare'); // the page's run is A
  await page.setInputFiles('[data-testid=eval-import-run]', out);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=eval-run-row]').length === 2);
  await page.waitForSelector('[data-testid=eval-progress][data-phase=done]');
  assert.deepEqual(await shownMetrics(), pageRun);
  const deltas = await page.$$eval('[data-testid=eval-comparison] tbody tr:first-child td:nth-child(3n+1)', (tds) => tds.map((t) => t.textContent));
  assert.ok(deltas.length >= 5 && deltas.every((d) => d === '' || Number(d) === 0), deltas.join(' '));
  const file = JSON.parse(readFileSync(out, 'utf8')) as { items: { samples: { valid: boolean }[] }[] };
  const valid = file.items.flatMap((it) => it.samples).filter((s) => s.valid).length;
  await page.click('[data-testid=gallery-best]');
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=gallery-card]').length === n, valid);
  await page.click('[data-testid=gallery-failed]');
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=gallery-card]').length === n, items * Number(run.samples) - valid);
});

test('an SGP-CompBench file imported on the Benchmarks page evaluates imported outputs: SigLIP and rules, no DINO or verifier', { timeout: 300_000 }, async () => {
  const fixture = 'tests/fixtures/compbench/sample.json';
  const prompts = JSON.parse(readFileSync(fixture, 'utf8')) as { id: string }[];
  const jsonl = join(out, '..', 'compbench.jsonl');
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect x="8" y="8" width="30" height="20" fill="teal"/></svg>';
  writeFileSync(jsonl, prompts.map((p) => JSON.stringify({ id: p.id, output: svg })).join('\n'));
  await page.evaluate(() => (location.hash = '#tab=benchmarks'));
  await page.setInputFiles('[data-testid=import-bench]', fixture);
  await page.waitForSelector('[data-testid=bench-imported]');
  await page.evaluate(() => (location.hash = '#tab=evaluate'));
  await page.waitForSelector('[data-testid=eval-bench] option[value="import:sample"]', { state: 'attached' });
  await page.selectOption('[data-testid=eval-bench]', 'import:sample');
  await page.selectOption('[data-testid=eval-source]', 'outputs');
  await page.setInputFiles('[data-testid=eval-outputs]', jsonl);
  await page.fill('[data-testid=eval-limit]', '0');
  await page.click('[data-testid=eval-run]');
  await page.waitForSelector(`[data-testid=eval-progress][data-phase=done][data-done="${prompts.length}"]`, { timeout: 240_000 });
  const m = await shownMetrics();
  assert.equal(m.n, prompts.length);
  assert.equal(m.success_rate, 1);
  assert.equal(m.dino_score, null);
  assert.equal(m.verifier_accuracy, null);
  assert.ok(typeof m.siglip_score === 'number' && m.siglip_score !== 0, String(m.siglip_score));
  const groups = await page.$$eval('[data-testid=eval-summary] tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-group')));
  assert.ok(['binding-color', 'relation-3d', 'numeracy'].every((c) => groups.includes(c)), groups.join());
});
