// No false refusals: a committed sample of resvg's own test suite (tests/fixtures/resvg-suite) goes
// through the real worker pool exactly as `npm run render` sends it (prepareProgram, then the pool
// with its limits and deadline). Every file renders except the justified refusals in expected.ts,
// each with its expected code; every answer comes within 1 s. The full suite: `npm run resvg-suite`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { prepareProgram } from '../../src/lib/program/prepare';
import { CRASHES, CRASH_CODES, FORMER_FALSE_REFUSALS, JUSTIFIED_REFUSALS, NOT_LIMIT_CODES } from '../fixtures/resvg-suite/expected';
import type { HeadlessRender } from '../../src/headless';
import { useHeadlessPage, type Win } from './setup';

const DIR = 'tests/fixtures/resvg-suite/svg';
const FILES = readdirSync(DIR, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.svg'))
  .map((f) => f.split('\\').join('/'))
  .sort();
/** resvg-wasm takes ~5 ms a file and 170 ms at worst here; the 2 s deadline must never be what answers. */
const MAX_MS = 1000;

const ctx = useHeadlessPage();

/** The CLI's path: extract the program from the file, then render it in the pool. */
async function render(file: string): Promise<{ r: HeadlessRender; ms: number }> {
  const { extraction, svg } = prepareProgram(readFileSync(join(DIR, file), 'utf8'));
  if (extraction.kind === 'none') {
    return { r: { ok: false, error: { code: 'no-program', message: 'prepareProgram found no <svg> program' }, ms: 0, width: 0, height: 0, samples: [], ink: 0 }, ms: 0 };
  }
  const t0 = performance.now();
  const r = await ctx.page.evaluate(([svg]) => (window as unknown as Win).sgp.render(svg, { timeoutMs: 2000 }), [svg] as const);
  return { r, ms: performance.now() - t0 };
}

test(`the sample covers the suite: ${FILES.length} files, every file named in expected.ts among them`, () => {
  assert.ok(FILES.length >= 300, `only ${FILES.length} files under ${DIR}`);
  for (const f of [...Object.keys(JUSTIFIED_REFUSALS), ...Object.keys(CRASHES), ...FORMER_FALSE_REFUSALS]) assert.ok(FILES.includes(f), `${f} is missing from the sample`);
});

for (const file of FILES.filter((f) => !(f in CRASHES))) {
  const refusal = JUSTIFIED_REFUSALS[file];
  test(`resvg suite: ${file} → ${refusal ? refusal.codes.join(' or ') : 'render'}`, async () => {
    const { r, ms } = await render(file);
    assert.ok(ms < MAX_MS, `took ${Math.round(ms)} ms`);
    if (!refusal) {
      assert.ok(r.ok, `false refusal: ${r.error?.code}: ${r.error?.message}`);
      assert.equal(r.width, 224);
    } else {
      assert.ok(!r.ok, `expected ${refusal.codes.join(' or ')} (${refusal.why}), got a render`);
      assert.ok(refusal.codes.includes(r.error!.code), `expected ${refusal.codes.join(' or ')} (${refusal.why}), got ${r.error!.code}: ${r.error!.message}`);
    }
  });
}

// Before Foundation II the wasm trap came back as 'recycled' and the program ran twice (two
// respawns): the supervisor's own crash, met in the wild. Never relax this to accept 'recycled'.
for (const [file, why] of Object.entries(CRASHES)) {
  test(`resvg suite crash: ${file} is refused before resvg or reported as a crash, once (${why})`, async () => {
    const respawnsBefore = await ctx.page.evaluate(() => (window as unknown as Win).sgp.respawns());
    const { r, ms } = await render(file);
    const respawns = (await ctx.page.evaluate(() => (window as unknown as Win).sgp.respawns())) - respawnsBefore;
    assert.ok(ms < MAX_MS, `took ${Math.round(ms)} ms`);
    assert.ok(!r.ok, 'rendered: if resvg no longer crashes on it, move it out of CRASHES');
    const { code, message } = r.error!;
    assert.ok(CRASH_CODES.includes(code) || !NOT_LIMIT_CODES.includes(code), `expected a limit refusal or ${CRASH_CODES.join('/')}, got ${code}: ${message}`);
    assert.ok(respawns <= 1, `the crashing call was run again: ${respawns} worker respawns`);
  });
}

test('after the suite the pool still renders, and no request left the page (external hrefs stay unloaded)', async () => {
  const r = await ctx.page.evaluate(() =>
    (window as unknown as Win).sgp.render('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><rect width="4" height="4" fill="#0f0"/></svg>', { sample: [[112, 112]] }),
  );
  assert.deepEqual(r.samples[0], [0, 255, 0, 255]);
  assert.deepEqual(ctx.session.offsiteRequests, []);
});

test('npm run resvg-suite: classifies each file against expected.ts and fails on a false refusal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sgp-resvg-suite-'));
  const put = (file: string, text: string) => {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  };
  put('shapes/rect/mm-values.svg', readFileSync(join(DIR, 'shapes/rect/mm-values.svg'), 'utf8'));
  put('structure/use/recursive.svg', readFileSync(join(DIR, 'structure/use/recursive.svg'), 'utf8'));
  // Not in the allowlist, so its refusal counts as false: what a too-strict limit would look like.
  put('made-up/wide.svg', '<svg xmlns="http://www.w3.org/2000/svg" width="100000" height="10"/>');
  const r = spawnSync('node', ['--import', 'tsx', 'scripts/resvg-suite.ts', dir], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(
    lines.slice(0, 3).map((l) => [l.file, l.verdict]),
    [['made-up/wide.svg', 'false-refusal'], ['shapes/rect/mm-values.svg', 'rendered'], ['structure/use/recursive.svg', 'justified']],
  );
  const summary = lines[3];
  assert.deepEqual(
    [summary.files, summary.rendered, summary.justified, summary.falseRefusals, summary.overOneSecond, summary.refused['use-cycle']],
    [3, 1, 1, 1, 0, 1],
  );
  assert.deepEqual(summary.notRendered.map((n: { file: string }) => n.file), ['made-up/wide.svg', 'structure/use/recursive.svg']);
});
