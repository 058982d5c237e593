// Raster images people bring (a DINO reference: an upload in the page, `--reference` in the CLI) →
// Pixels on the same terms as renders: fitted inside a size×size square, centred, on white. Page and
// CLI both decode here (the CLI sends the file's bytes to the headless page), so they see the same pixels.
import { readImageHeader } from './data-uri';
import type { Pixels } from './rasterize';

/** A phone photo is 12–50 MP; past this, decoding alone takes hundreds of MB (4 bytes a pixel). */
export const MAX_REFERENCE_PIXELS = 50_000_000;
export const MAX_REFERENCE_BYTES = 32 * 2 ** 20;

/** Where a w×h image lands fitted inside a size×size square, aspect kept, centred (whole pixels). */
export function fitInside(w: number, h: number, size: number): { x: number; y: number; width: number; height: number } {
  if (!(w > 0 && h > 0)) throw new Error(`image size must be positive, got ${w}×${h}`);
  const scale = size / Math.max(w, h);
  const width = Math.max(1, Math.round(w * scale));
  const height = Math.max(1, Math.round(h * scale));
  return { x: Math.floor((size - width) / 2), y: Math.floor((size - height) / 2), width, height };
}

/** Refuses bytes that are not a PNG, JPEG, GIF or WebP of a sane size, before anything decodes them. */
export function checkImageBytes(bytes: Uint8Array, name: string): { width: number; height: number } {
  const what = name.slice(0, 100);
  if (bytes.length > MAX_REFERENCE_BYTES) throw new Error(`${what} is ${(bytes.length / 2 ** 20).toFixed(1)} MiB; a reference image may be at most ${MAX_REFERENCE_BYTES / 2 ** 20} MiB`);
  const header = readImageHeader(bytes);
  if (!header) throw new Error(`${what} is not a PNG, JPEG, GIF or WebP image (its first bytes are not one of their signatures)`);
  const { width, height } = header;
  if (!(width > 0 && height > 0)) throw new Error(`${what}: the ${header.format.toUpperCase()} header gives no size (${width}×${height})`);
  if (width * height > MAX_REFERENCE_PIXELS) throw new Error(`${what} is ${width}×${height} pixels; a reference image may have at most ${MAX_REFERENCE_PIXELS / 1e6} megapixels`);
  return { width, height };
}

/**
 * Decodes an image (browser only: createImageBitmap) into size×size RGBA, letterboxed on white like a
 * render of a non-square SVG; transparency is composited on white too, as renders are.
 */
export async function decodeImage(bytes: Uint8Array, name: string, size: number): Promise<Pixels> {
  const { width, height } = checkImageBytes(bytes, name);
  const box = fitInside(width, height, size);
  const bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]), { resizeWidth: box.width, resizeHeight: box.height, resizeQuality: 'high' })
    .catch((err: Error) => {
      throw new Error(`${name.slice(0, 100)} could not be decoded as an image: ${err.message}`);
    });
  try {
    const canvas = new OffscreenCanvas(size, size);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('OffscreenCanvas 2d context unavailable');
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, size, size);
    ctx.drawImage(bitmap, box.x, box.y);
    return { width: size, height: size, data: ctx.getImageData(0, 0, size, size).data };
  } finally {
    bitmap.close();
  }
}
