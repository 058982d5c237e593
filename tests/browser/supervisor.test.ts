// The render pool's supervisor in Chromium: a crash is reported as a crash, once; the program that
// crashed is not rendered again; an innocent job queued behind it succeeds; and a pool whose workers
// cannot start backs off instead of respawning in a loop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useHeadlessPage, type Win } from './setup';

// One worker, so the innocent job waits in the same worker's queue as the crashing one.
const ctx = useHeadlessPage({ workers: 1 });
const respawns = () => ctx.page.evaluate(() => (window as unknown as Win).sgp.respawns());

// Mirrors resvg's tests/filters/feComposite/operator=arithmetic-with-huge-region.svg: an arithmetic
// feComposite whose filter region is far larger than the layer. resvg-wasm 2.6.2 panics on it.
const CRASHES_RESVG = `<svg viewBox="0 0 200 200" xmlns="http://www.w3.org/2000/svg">
  <filter id="f" filterUnits="userSpaceOnUse" x="0" y="0" width="200" height="2000">
    <feComposite in="SourceGraphic" in2="SourceGraphic" operator="arithmetic" k2="1"/>
  </filter>
  <rect x="20" y="20" width="160" height="160" fill="seagreen" filter="url(#f)"/>
</svg>`;
const LIME = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="lime"/></svg>';

test('a wasm crash is reported as a crash, once; the job queued behind it renders; one respawn', async () => {
  const before = await respawns();
  const [crash, innocent] = await ctx.page.evaluate(
    ([bad, good]) => {
      const s = (window as unknown as Win).sgp;
      return Promise.all([s.render(bad, { timeoutMs: 5000 }), s.render(good, { timeoutMs: 5000, sample: [[5, 5]] })]);
    },
    [CRASHES_RESVG, LIME] as const,
  );
  assert.equal(crash.ok, false);
  assert.equal(crash.error?.code, 'wasm-crash', JSON.stringify(crash.error));
  assert.match(crash.error?.message ?? '', /the renderer crashed \(.+\)/);
  assert.equal(innocent.ok, true, JSON.stringify(innocent.error));
  assert.deepEqual(innocent.samples[0], [0, 255, 0, 255]);
  assert.equal(await respawns(), before + 1, 'exactly one respawn: the crashing program was not rendered again');
  const next = await ctx.page.evaluate((svg) => (window as unknown as Win).sgp.render(svg, { sample: [[5, 5]] }), LIME);
  assert.deepEqual(next.samples[0], [0, 255, 0, 255]);
});

test('a worker that exits silently: the job running on it times out, the one queued behind it is retried and renders', async () => {
  const before = await respawns();
  await ctx.page.evaluate(() => (window as unknown as Win).sgp.killWorker());
  const [first, second] = await ctx.page.evaluate((svg) => {
    const s = (window as unknown as Win).sgp;
    return Promise.all([s.render(svg, { timeoutMs: 1000 }), s.render(svg, { timeoutMs: 1000, sample: [[5, 5]] })]);
  }, LIME);
  assert.equal(first.error?.code, 'timeout', JSON.stringify(first));
  assert.equal(second.ok, true, JSON.stringify(second.error));
  assert.deepEqual(second.samples[0], [0, 255, 0, 255]);
  assert.equal(await respawns(), before + 1);
});

test('workers that cannot start (font 404) back off: 0.5 s, then 1 s, with a clear init-failed error', async () => {
  const r = await ctx.page.evaluate(() => (window as unknown as Win).sgp.failingStarts('fonts/missing.ttf', 3));
  assert.equal(r.startedAt.length, 3);
  const [, gap1, gap2] = r.startedAt.map((t, i) => t - (r.startedAt[i - 1] ?? 0));
  assert.ok(gap1! >= 500, `second start ${Math.round(gap1!)} ms after the first; the backoff is 500 ms`);
  assert.ok(gap2! >= 1000, `third start ${Math.round(gap2!)} ms after the second; the backoff is 1000 ms`);
  assert.ok(r.calls > 3 * r.startedAt.length, `${r.calls} calls made only ${r.startedAt.length} starts`);
  assert.ok(r.errors.length > 0 && r.errors.every((e) => e.startsWith('init-failed: svg worker failed to start')), r.errors.join('\n'));
  assert.ok(r.errors.some((e) => /font \S*fonts\/missing\.ttf not found \(HTTP (404|200, an HTML page)\)/.test(e)), r.errors.join('\n'));
  assert.ok(r.errors.some((e) => /next attempt in N ms/.test(e)), r.errors.join('\n'));
});
