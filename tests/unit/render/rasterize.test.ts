// rasterize() with the same resvg-wasm build the svg worker uses (Node can run it too).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { initWasm, Resvg } from '@resvg/resvg-wasm';
import { rasterize, letterbox, type ResvgLike } from '../../../src/lib/render/rasterize';
import { pixelAt } from '../../../src/lib/render/canvas';
import { fontOptions, NO_FONT } from '../../../src/lib/render/font';

await initWasm(readFileSync('node_modules/@resvg/resvg-wasm/index_bg.wasm'));
const font = fontOptions(new Uint8Array(readFileSync('public/fonts/DejaVuSans.ttf')));
const render = (svg: string, size = 64) => rasterize(Resvg as unknown as ResvgLike, svg, { size, font, noFont: NO_FONT });

test('renders on white at the forced size; portrait canvases are letterboxed', () => {
  const r = render('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="20"><rect width="10" height="20" fill="#00f"/></svg>');
  assert.ok(r.ok);
  assert.equal(r.pixels.width, 64);
  assert.deepEqual(pixelAt(r.pixels, 32, 32), [0, 0, 255, 255]);
  assert.deepEqual(pixelAt(r.pixels, 2, 32), [255, 255, 255, 255]);
  assert.deepEqual([r.sourceWidth, r.sourceHeight], [10, 20]);
});

test('errors are typed and say what was wrong', () => {
  const empty = render('  ');
  assert.ok(!empty.ok && empty.error.code === 'empty');
  const bad = render('<svg xmlns="http://www.w3.org/2000/svg"><g></svg>');
  assert.ok(!bad.ok && bad.error.code === 'parse' && /resvg could not read/.test(bad.error.message));
  const size = rasterize(Resvg as unknown as ResvgLike, '<svg/>', { size: 4096, font, noFont: {} });
  assert.ok(!size.ok && size.error.code === 'bad-size');
});

test('text renders only with the font, and only programs with text get it', () => {
  const r = render('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 20"><text x="2" y="16" font-size="16">Hi</text></svg>');
  assert.ok(r.ok);
  let ink = 0;
  for (let i = 0; i < r.pixels.data.length; i += 4) if (r.pixels.data[i]! < 128) ink++;
  assert.ok(ink > 50, `text drew ${ink} dark pixels`);
});

test('letterbox centres a smaller image', () => {
  const src = new Uint8Array(2 * 1 * 4).fill(0);
  const out = letterbox(src, 2, 1, 4);
  assert.deepEqual(pixelAt(out, 1, 1), [0, 0, 0, 0]);
  assert.deepEqual(pixelAt(out, 1, 0), [255, 255, 255, 255]);
});

test('rendering does not leak wasm memory (each rendered image is freed)', () => {
  const svg = readFileSync('tests/fixtures/bench-svgs/04-landscape.svg', 'utf8');
  for (let i = 0; i < 200; i++) render(svg, 224); // let the wasm heap reach its working size
  const before = process.memoryUsage().rss;
  for (let i = 0; i < 1500; i++) render(svg, 224);
  const grown = (process.memoryUsage().rss - before) / 1e6;
  // An unfreed 224² RGBA image is ~200 KB: 1500 of them would add ~300 MB.
  assert.ok(grown < 150, `RSS grew ${grown.toFixed(0)} MB over 1500 renders`);
});
