// Reference images: where they land in the square, and which bytes are refused before decoding
// (decoding itself needs a browser: tests/browser/reward-ui.test.ts uploads a real PNG).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkImageBytes, fitInside, MAX_REFERENCE_PIXELS } from '../../../src/lib/render/image';

/** The first 24 bytes of a PNG: signature, then the IHDR chunk's length, type, width and height. */
function pngHeader(width: number, height: number): Uint8Array {
  const b = new Uint8Array(33);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  new DataView(b.buffer).setUint32(16, width);
  new DataView(b.buffer).setUint32(20, height);
  return b;
}

test('fitInside keeps the aspect, fills the long side and centres the short one', () => {
  assert.deepEqual(fitInside(200, 100, 128), { x: 0, y: 32, width: 128, height: 64 });
  assert.deepEqual(fitInside(100, 300, 128), { x: 42, y: 0, width: 43, height: 128 });
  assert.deepEqual(fitInside(16, 16, 128), { x: 0, y: 0, width: 128, height: 128 }, 'small images are scaled up');
  assert.deepEqual(fitInside(10_000, 1, 128), { x: 0, y: 63, width: 128, height: 1 }, 'never thinner than a pixel');
  assert.throws(() => fitInside(0, 5, 128), /image size must be positive, got 0×5/);
});

test('checkImageBytes reads the size from the header and refuses what is not an image or too big', () => {
  assert.deepEqual(checkImageBytes(pngHeader(640, 480), 'cat.png'), { width: 640, height: 480 });
  assert.throws(() => checkImageBytes(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'ref.svg'),
    /ref\.svg is not a PNG, JPEG, GIF or WebP image/);
  assert.throws(() => checkImageBytes(pngHeader(20_000, 20_000), 'huge.png'),
    new RegExp(`huge\\.png is 20000×20000 pixels; a reference image may have at most ${MAX_REFERENCE_PIXELS / 1e6} megapixels`));
  assert.throws(() => checkImageBytes(pngHeader(0, 10), 'empty.png'), /empty\.png: the PNG header gives no size \(0×10\)/);
});
