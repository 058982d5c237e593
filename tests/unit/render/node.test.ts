// The Node render path (src/lib/render/node.ts): the app's rasterize() with resvg-wasm, its limits,
// letterbox, font and deadline — in this thread (loadRenderer) and in the worker-thread pool.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRenderPool, encodePng, loadRenderer } from '../../../src/lib/render/node.ts';
import { checkLimits, DEFAULT_LIMITS, type RenderLimits } from '../../../src/lib/render/limits.ts';
import { pixelAt } from '../../../src/lib/render/canvas.ts';
import { inputSize, type PreprocessorConfig } from '../../../src/lib/reward/encoders.ts';
import type { RenderResult } from '../../../src/lib/render/rasterize.ts';
import { HOSTILE_CASES } from '../../fixtures/hostile/manifest.ts';

const render = await loadRenderer();
// A generous deadline: these tests check pixels and error codes; the 1 s answers are the browser tests' job,
// and unit tests run two files at once on a 2-core machine.
const pool = createRenderPool({ workers: 2, deadlineMs: 10_000 });
after(() => pool.close());

const NS = 'xmlns="http://www.w3.org/2000/svg"';
const pixels = (r: RenderResult) => {
  assert.ok(r.ok, r.ok ? '' : `${r.error.code}: ${r.error.message}`);
  return r.pixels;
};
const rgbSum = (data: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < data.length; i++) if (i % 4 !== 3) s += data[i]!;
  return s;
};
/** Every limit lifted, so a costly program reaches resvg and only the deadline can stop it. */
const NO_LIMITS: Partial<RenderLimits> = Object.fromEntries(Object.keys(DEFAULT_LIMITS).map((k) => [k, 1e12]));

for (const model of ['sgp-tiny-siglip', 'sgp-tiny-dino']) {
  test(`${model} goldens: Node renders are pixel-identical to the browser's (the goldens' pixel sums)`, async () => {
    // tests/browser/encoders.test.ts holds the app's worker-pool renders to the same sums.
    const golden = JSON.parse(readFileSync(`public/models/${model}/goldens.json`, 'utf8'));
    const pre = JSON.parse(readFileSync(`public/models/${model}/preprocessor_config.json`, 'utf8')) as PreprocessorConfig;
    const svgs: string[] = golden.inputs.images.map((im: { svg: string }) => im.svg);
    assert.ok(svgs.some((s) => s.includes('<text')), 'the goldens include text, so the font is covered');
    const pooled = await pool.renderAll(svgs, { size: inputSize(pre) });
    svgs.forEach((svg, i) => {
      const here = pixels(render(svg, { size: inputSize(pre) }));
      assert.equal(rgbSum(here.data), golden.fp32.images[i].pixel_sum, golden.inputs.images[i].name);
      assert.deepEqual(pixels(pooled[i]!).data, here.data, `${golden.inputs.images[i].name}: pool and this thread differ`);
    });
  });
}

test('hostile cases are refused by the same limits, with the same codes, as in the browser', async () => {
  // The browser's svg worker runs rasterize(), which refuses what checkLimits refuses: so must Node.
  const refused = HOSTILE_CASES.map((c) => ({ c, svg: c.make() }))
    .map(({ c, svg }) => ({ name: c.name, svg, check: checkLimits(svg) }))
    .flatMap(({ name, svg, check }) => (check.ok ? [] : [{ name, svg, code: check.error.code }]));
  assert.ok(refused.length >= 10, `only ${refused.length} hostile cases are refused by the limits`);
  const pooled = await pool.renderAll(refused.map((c) => c.svg), { size: 224 });
  refused.forEach((c, i) => {
    const r = pooled[i]!;
    assert.equal(r.ok ? 'rendered' : r.error.code, c.code, c.name);
    const here = render(c.svg, { size: 224 });
    assert.equal(here.ok ? 'rendered' : here.error.code, c.code, `${c.name} (in this thread)`);
  });
});

test('portrait and landscape canvases are letterboxed on white at the requested size', async () => {
  const portrait = `<svg ${NS} width="10" height="20"><rect width="10" height="20" fill="#00f"/></svg>`;
  const landscape = `<svg ${NS} width="200" height="100"><rect width="200" height="100" fill="#00f"/></svg>`;
  for (const r of [render(portrait, { size: 64 }), await pool.render(portrait, { size: 64 })]) {
    const p = pixels(r);
    assert.deepEqual([p.width, p.height], [64, 64]);
    assert.deepEqual(pixelAt(p, 32, 32), [0, 0, 255, 255]);
    assert.deepEqual(pixelAt(p, 4, 32), [255, 255, 255, 255], 'white bars left and right');
    assert.ok(r.ok && r.sourceWidth === 10 && r.sourceHeight === 20);
  }
  const p = pixels(await pool.render(landscape, { size: 64 }));
  assert.deepEqual([pixelAt(p, 32, 32), pixelAt(p, 32, 4)], [[0, 0, 255, 255], [255, 255, 255, 255]], 'white bars above and below');
});

test('a render past its deadline is stopped; the renders queued behind it still run', async () => {
  // The browser pool's slow case (tests/browser/render.test.ts): 40 layers of 400-px blur at 1024 px.
  const slow = `<svg ${NS} width="4000" height="4000"><filter id="f"><feGaussianBlur stdDeviation="400"/></filter>${'<rect width="4000" height="4000" fill="red" filter="url(#f)"/>'.repeat(40)}</svg>`;
  const lime = `<svg ${NS} viewBox="0 0 10 10"><rect width="10" height="10" fill="lime"/></svg>`;
  const one = createRenderPool({ workers: 1, deadlineMs: 500 });
  try {
    await one.render(lime); // the thread is up: its start-up is not the render's deadline
    const t0 = performance.now();
    const queued = [one.render(slow, { size: 1024, limits: NO_LIMITS }), one.render(lime, { size: 32 }), one.render(lime, { size: 32 })];
    const r = await queued[0]!;
    const ms = performance.now() - t0;
    const behind = await Promise.all(queued.slice(1));
    assert.ok(!r.ok, 'a 40-layer 400-px blur at 1024 px should not finish in 500 ms');
    assert.equal(r.error.code, 'timeout');
    assert.match(r.error.message, /timed out after 500 ms/);
    // Generous for a loaded machine, yet far below the render itself (many seconds).
    assert.ok(ms < 5000, `the deadline answered after ${ms.toFixed(0)} ms`);
    for (const q of behind) assert.deepEqual(pixelAt(pixels(q), 16, 16), [0, 255, 0, 255]);
  } finally {
    await one.close();
  }
});

test('a resvg crash is reported as a crash; its thread is replaced and the renders behind it run', async () => {
  // After resvg's test suite (filters/feComposite/operator=arithmetic-with-huge-region.svg): a filter
  // region taller than the layer traps resvg-wasm 2.6.2. Limits lifted: they may learn to refuse it.
  const crash = `<svg ${NS} viewBox="0 0 200 200"><filter id="f" filterUnits="userSpaceOnUse" x="0" y="0" width="200" height="2000"><feComposite in="SourceGraphic" in2="SourceGraphic" operator="arithmetic" k2="1"/></filter><rect x="20" y="20" width="160" height="160" fill="seagreen" filter="url(#f)"/></svg>`;
  const lime = `<svg ${NS} viewBox="0 0 10 10"><rect width="10" height="10" fill="lime"/></svg>`;
  const one = createRenderPool({ workers: 1 });
  try {
    const [r, next, last] = await Promise.all([one.render(crash, { limits: NO_LIMITS }), one.render(lime, { size: 32 }), one.render(lime, { size: 32 })]);
    assert.ok(!r.ok && r.error.code === 'wasm-crash' && r.fatal === true, JSON.stringify(r.ok ? 'rendered' : r.error));
    for (const q of [next, last]) assert.deepEqual(pixelAt(pixels(q), 16, 16), [0, 255, 0, 255]);
  } finally {
    await one.close();
  }
});

test('encodePng: the PNG decodes (by resvg itself) to the pixels it was made from', () => {
  const scene = pixels(render(`<svg ${NS} viewBox="0 0 40 40"><circle cx="20" cy="20" r="12" fill="#e63946"/><text x="2" y="38" font-size="9">Hi</text></svg>`, { size: 48 }));
  const png = Buffer.from(encodePng(scene)).toString('base64');
  const back = pixels(render(`<svg ${NS} width="48" height="48"><image width="48" height="48" href="data:image/png;base64,${png}"/></svg>`, { size: 48 }));
  assert.deepEqual(back.data, scene.data);
});

test('a closed pool answers with an error instead of hanging', async () => {
  const p = createRenderPool({ workers: 1 });
  await p.close();
  const r = await p.render(`<svg ${NS}/>`);
  assert.ok(!r.ok && r.error.code === 'closed');
});
