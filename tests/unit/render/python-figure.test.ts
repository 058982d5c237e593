import { test } from 'node:test';
import assert from 'node:assert/strict';
import { figureToPixels } from '../../../src/lib/render/python-figure.ts';
import { pixelAt } from '../../../src/lib/render/canvas.ts';

/** A w×h RGBA figure filled by f(x, y). */
function figure(w: number, h: number, f: (x: number, y: number) => [number, number, number, number]) {
  const bytes = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) bytes.set(f(x, y), (y * w + x) * 4);
  return { width: w, height: h, bytes };
}

test('a landscape figure at the render size is centred on white, its pixels unchanged', () => {
  const p = figureToPixels(figure(64, 32, (x) => (x < 32 ? [255, 0, 0, 255] : [0, 0, 255, 255])), 64);
  assert.equal(p.width, 64);
  assert.equal(p.height, 64);
  assert.equal(p.data.length, 64 * 64 * 4);
  assert.deepEqual(pixelAt(p, 10, 32), [255, 0, 0, 255]);
  assert.deepEqual(pixelAt(p, 50, 32), [0, 0, 255, 255]);
  assert.deepEqual(pixelAt(p, 10, 5), [255, 255, 255, 255], 'letterbox above');
  assert.deepEqual(pixelAt(p, 10, 60), [255, 255, 255, 255], 'letterbox below');
  assert.deepEqual(pixelAt(p, 10, 16), [255, 0, 0, 255], 'the figure starts at row 16');
  assert.deepEqual(pixelAt(p, 10, 15), [255, 255, 255, 255]);
});

test('transparency is composited on white (straight alpha)', () => {
  const p = figureToPixels(figure(8, 8, () => [0, 0, 0, 128]), 8);
  assert.deepEqual(pixelAt(p, 4, 4), [127, 127, 127, 255]);
  const clear = figureToPixels(figure(8, 8, () => [0, 0, 0, 0]), 8);
  assert.deepEqual(pixelAt(clear, 4, 4), [255, 255, 255, 255]);
});

test('a larger figure is reduced by area averaging: a 2-px checkerboard becomes its mean', () => {
  const p = figureToPixels(figure(128, 64, (x, y) => ((x + y) % 2 ? [0, 0, 0, 255] : [255, 255, 255, 255])), 32);
  assert.deepEqual(pixelAt(p, 16, 16), [128, 128, 128, 255]);
  assert.deepEqual(pixelAt(p, 16, 4), [255, 255, 255, 255], 'letterboxed: the 32×16 figure sits in rows 8–23');
  const half = figureToPixels(figure(64, 64, (x) => (x < 32 ? [255, 0, 0, 255] : [0, 255, 0, 255])), 16);
  assert.deepEqual(pixelAt(half, 3, 8), [255, 0, 0, 255]);
  assert.deepEqual(pixelAt(half, 12, 8), [0, 255, 0, 255]);
});

test('what is not an RGBA figure is refused, saying what was expected', () => {
  assert.throws(() => figureToPixels({ width: 4, height: 4, bytes: new Uint8Array(10) }, 8), /a 4 × 4 RGBA figure has 64 bytes, got 10/);
  assert.throws(() => figureToPixels({ width: 0, height: 4, bytes: new Uint8Array(0) }, 8), /at least 1 × 1 px/);
});
