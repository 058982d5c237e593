import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useHeadlessPage, type Win } from './setup';

const ctx = useHeadlessPage();

const render = (svg: string, opts: Parameters<Win['sgp']['render']>[1] = {}) =>
  ctx.page.evaluate(([s, o]) => (window as unknown as Win).sgp.render(s, o), [svg, opts] as const);

test('a red circle renders red at its centre and white at the corner, 224 px square', async () => {
  const r = await render('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><circle cx="50" cy="50" r="30" fill="red"/></svg>', {
    sample: [[112, 112], [2, 2]],
  });
  assert.equal(r.ok, true, JSON.stringify(r.error));
  assert.equal(r.width, 224);
  assert.equal(r.height, 224);
  assert.deepEqual(r.samples[0], [255, 0, 0, 255]);
  assert.deepEqual(r.samples[1], [255, 255, 255, 255]);
});

test('output size is configurable and non-square canvases are letterboxed on white', async () => {
  const r = await render('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><rect width="200" height="100" fill="#0000ff"/></svg>', {
    size: 64,
    sample: [[32, 32], [32, 4]],
  });
  assert.equal(r.width, 64);
  assert.deepEqual(r.samples[0], [0, 0, 255, 255]);
  assert.deepEqual(r.samples[1], [255, 255, 255, 255]);
});

test('text renders with the bundled font instead of vanishing', async () => {
  const r = await render('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><text x="5" y="60" font-size="40">Hi</text></svg>');
  assert.equal(r.ok, true);
  assert.ok(r.ink > 0.02, `text covered only ${r.ink} of the canvas`);
});

test('a hung worker is killed at the deadline and the pool recovers', async () => {
  const slow = `<svg xmlns="http://www.w3.org/2000/svg" width="4000" height="4000"><filter id="f"><feGaussianBlur stdDeviation="400"/></filter>${'<rect width="4000" height="4000" fill="red" filter="url(#f)"/>'.repeat(40)}</svg>`;
  const before = await ctx.page.evaluate(() => (window as unknown as Win).sgp.respawns());
  // Limits are relaxed here so the program reaches resvg: the deadline is the last line of defence.
  const r = await render(slow, { timeoutMs: 500, size: 1024, limits: { maxFilterMs: 1e9, maxRenderMs: 1e9 } });
  assert.equal(r.ok, false, 'a 40-layer 400-px blur at 1024 px should not finish in 500 ms');
  assert.equal(r.error?.code, 'timeout');
  assert.match(r.error?.message ?? '', /timed out after 500 ms/);
  const ok = await render('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="lime"/></svg>', { sample: [[5, 5]] });
  assert.deepEqual(ok.samples[0], [0, 255, 0, 255]);
  assert.equal(await ctx.page.evaluate(() => (window as unknown as Win).sgp.respawns()), before + 1);
});

test('a worker that dies silently is replaced after its deadline', async () => {
  const before = await ctx.page.evaluate(() => (window as unknown as Win).sgp.respawns());
  await ctx.page.evaluate(() => (window as unknown as Win).sgp.killWorker());
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="blue"/></svg>';
  // Four jobs over two workers: the dead one times out once, the rest render.
  const results = await Promise.all([1, 2, 3, 4].map(() => render(svg, { timeoutMs: 1500, sample: [[5, 5]] })));
  const failed = results.filter((r) => !r.ok);
  assert.equal(failed.length, 1, JSON.stringify(results.map((r) => r.error?.code ?? 'ok')));
  assert.equal(failed[0]?.error?.code, 'timeout');
  assert.equal(await ctx.page.evaluate(() => (window as unknown as Win).sgp.respawns()), before + 1);
  const last = await render(svg, { sample: [[5, 5]] });
  assert.deepEqual(last.samples[0], [0, 0, 255, 255]);
});

test('navigator.gpu yields a WebGPU adapter under the harness flags', async () => {
  const gpu = await ctx.page.evaluate(() => (window as unknown as Win).sgp.gpuAdapter());
  assert.equal(gpu.ok, true, gpu.info);
});

test('the page is cross-origin isolated (COOP/COEP), so WASM threads and interrupts are available', async () => {
  assert.equal(await ctx.page.evaluate(() => crossOriginIsolated), true);
});

test('no request left the page', () => {
  assert.deepEqual(ctx.session.offsiteRequests, []);
});
