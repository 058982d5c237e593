// Small pixel helpers shared by the UI, the headless entry and tests.
import type { Pixels } from './rasterize';

export function pixelAt(p: Pixels, x: number, y: number): number[] {
  const i = (Math.floor(y) * p.width + Math.floor(x)) * 4;
  return [p.data[i] ?? 0, p.data[i + 1] ?? 0, p.data[i + 2] ?? 0, p.data[i + 3] ?? 0];
}

/** Fraction of pixels that are not white once composited on white (as SGP-RL renders are). */
export function inkFraction(pixels: Pixels, whiteTolerance = 8): number {
  const { data, width, height } = pixels;
  if (data.length !== width * height * 4) throw new Error(`pixels: expected ${width}×${height}×4 = ${width * height * 4} bytes, got ${data.length}`);
  const threshold = 255 - whiteTolerance;
  const premultiplied = pixels.premultiplied === true;
  let ink = 0;
  for (let i = 0; i < data.length; i += 4) {
    const a = (data[i + 3] ?? 0) / 255;
    const over = (c: number): number => (premultiplied ? c : c * a) + 255 * (1 - a);
    if (over(data[i] ?? 0) < threshold || over(data[i + 1] ?? 0) < threshold || over(data[i + 2] ?? 0) < threshold) ink++;
  }
  return width * height === 0 ? 0 : ink / (width * height);
}

/** PNG as base64 through OffscreenCanvas (browser only); PNG costs more than rendering, so only on request. */
export async function encodePng(p: Pixels): Promise<string> {
  const canvas = new OffscreenCanvas(p.width, p.height);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('OffscreenCanvas 2d context unavailable');
  ctx.putImageData(new ImageData(new Uint8ClampedArray(p.data), p.width, p.height), 0, 0);
  const blob = await canvas.convertToBlob({ type: 'image/png' });
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}
