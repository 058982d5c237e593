// Every hostile case goes through the real worker pool in Chromium: each must end as its manifest
// says — refused with its limit code, rendered, or refused by resvg — within 1 s, never by the
// deadline (unless the case says so), the page must stay responsive, and nothing may leave the page.
// The same corpus then goes through `npm run render` (the CLI), file by file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOSTILE_CASES, type HostileCase } from '../fixtures/hostile/manifest';
import { prepareProgram } from '../../src/lib/program/prepare';
import { useHeadlessPage, type Win } from './setup';

const ctx = useHeadlessPage();
const DEADLINE_MS = 2000;
/**
 * The target is 1 s. The assertion leaves headroom for a machine shared with other test runs while
 * still catching any answer that waited for the 2 s deadline (the worker pool answers those at 2 s
 * plus a respawn).
 */
const ANSWER_MS = 1500;

type Answer = { ok: boolean; code?: string; message?: string };

/** Whether an answer is what the case expects; the reason when not. */
function mismatch(c: HostileCase, r: Answer): string | null {
  const got = r.ok ? 'render' : r.code === 'parse' ? 'resvg-error' : r.code;
  if (got === c.expect) return null;
  return `expected ${c.expect}, got ${got}${r.message ? `: ${r.message.slice(0, 200)}` : ''}`;
}

test(`the manifest has at least 100 hostile cases (${HOSTILE_CASES.length}), none expecting a timeout`, () => {
  assert.ok(HOSTILE_CASES.length >= 100);
  assert.deepEqual(HOSTILE_CASES.filter((c) => c.expect === 'timeout').map((c) => c.name), []);
});

const slowest: [number, string][] = [];

for (const c of HOSTILE_CASES) {
  test(`hostile: ${c.name} → ${c.expect} (${c.why})`, async () => {
    const input = c.make();
    // Timed in the page, from the call to the answer: moving a 28 MB input over the devtools
    // protocol is the harness's cost, not the app's.
    const { r, ms } = await ctx.page.evaluate(async ([svg, timeoutMs]) => {
      const t0 = performance.now();
      const r = await (window as unknown as Win).sgp.render(svg, { timeoutMs });
      return { r, ms: performance.now() - t0 };
    }, [input, DEADLINE_MS] as const);
    slowest.push([ms, c.name]);
    if (c.expect !== 'timeout') assert.notEqual(r.error?.code, 'timeout', `answered by the ${DEADLINE_MS} ms deadline`);
    assert.ok(ms < ANSWER_MS, `took ${Math.round(ms)} ms (target 1000, bound ${ANSWER_MS})`);
    const wrong = mismatch(c, { ok: r.ok, code: r.error?.code, message: r.error?.message });
    assert.equal(wrong, null, wrong ?? '');
    if (r.ok) assert.equal(r.width, 224);
    else assert.ok(r.error && r.error.message.length > 10, `unclear error: ${JSON.stringify(r.error)}`);
    // Responsive: the main thread answers at once, rendering happened off it.
    const t1 = performance.now();
    await ctx.page.evaluate(() => 1);
    assert.ok(performance.now() - t1 < 500, 'page main thread was blocked');
  });
}

test('after the hostile suite the pool still renders, and no request left the page', async () => {
  slowest.sort((a, b) => b[0] - a[0]);
  console.log(`slowest answers: ${slowest.slice(0, 5).map(([ms, n]) => `${n} ${Math.round(ms)} ms`).join(', ')}`);
  const r = await ctx.page.evaluate(() =>
    (window as unknown as Win).sgp.render('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><rect width="4" height="4" fill="#f0f"/></svg>', { sample: [[112, 112]] }),
  );
  assert.deepEqual(r.samples[0], [255, 0, 255, 255]);
  assert.deepEqual(ctx.session.offsiteRequests, []);
});

test('npm run render: the same corpus as files, one JSON line each, each as expected and within the bound', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sgp-hostile-'));
  const files = HOSTILE_CASES.map((c) => {
    const path = join(dir, `${c.name}.svg`);
    writeFileSync(path, c.make(), c.name === 'binary-junk' || c.name === 'utf16-as-latin1' ? 'latin1' : 'utf8');
    return path;
  });
  const r = spawnSync('node', ['--import', 'tsx', 'scripts/cli.ts', 'render', ...files, '--timeout-ms', String(DEADLINE_MS)], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string; ok: boolean; error?: string; ms: number });
  assert.equal(lines.length, HOSTILE_CASES.length + 1);
  const wrong: string[] = [];
  HOSTILE_CASES.forEach((c, i) => {
    const line = lines[i]!;
    assert.equal(line.file, files[i]);
    // The CLI runs program extraction first: text without an <svg> is reported before any render.
    if (!line.ok && line.error === 'no <svg> program found in the file') {
      if (!['not-svg', 'empty'].includes(c.expect)) wrong.push(`${c.name}: no program extracted`);
      return;
    }
    const code = line.error?.slice(0, line.error.indexOf(':'));
    const bad = mismatch(c, { ok: line.ok, code, message: line.error });
    // Extraction keeps only the <svg> element and repairs it (closes tags, adds xmlns, drops a
    // DOCTYPE): a changed program may end differently, but never by the deadline or slowly.
    const unchanged = prepareProgram(c.make()).svg === c.make();
    if (bad && unchanged) wrong.push(`${c.name}: ${bad}`);
    if (code === 'timeout' || line.ms >= ANSWER_MS) wrong.push(`${c.name}: ${line.ms} ms${code === 'timeout' ? ' (deadline)' : ''}`);
  });
  assert.deepEqual(wrong, []);
});
