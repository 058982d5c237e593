// A Matplotlib figure's RGBA (Agg's `buffer_rgba()`, straight alpha) → the app's Pixels: size×size,
// composited on white, the figure centred — the same shape rasterize() gives SVG renders, so the
// reward stage takes either. The epilogue already draws at the render size (matplotlib-prelude.ts);
// anything larger (a program that hands back its own buffer) is reduced by area averaging.
import type { Pixels } from './rasterize';

export interface RawFigure {
  width: number;
  height: number;
  /** RGBA, row-major, not premultiplied (Agg's plain pixel format). */
  bytes: Uint8Array;
}

/** Refuses what is not an RGBA figure, rather than guessing at a layout. */
export function figureToPixels(fig: RawFigure, size: number): Pixels {
  const { width: w, height: h, bytes } = fig;
  if (!(Number.isInteger(w) && Number.isInteger(h) && w > 0 && h > 0))
    throw new Error(`a figure must be at least 1 × 1 px, got ${w} × ${h}`);
  if (bytes.length !== w * h * 4) throw new Error(`a ${w} × ${h} RGBA figure has ${w * h * 4} bytes, got ${bytes.length}`);
  const scale = Math.min(1, size / Math.max(w, h));
  const ow = Math.max(1, Math.round(w * scale));
  const oh = Math.max(1, Math.round(h * scale));
  const out = new Uint8ClampedArray(size * size * 4).fill(255);
  const ox = Math.floor((size - ow) / 2);
  const oy = Math.floor((size - oh) / 2);
  // Each output pixel averages the source rectangle it covers, alpha-weighted, then sits on white.
  const sx = w / ow;
  const sy = h / oh;
  for (let y = 0; y < oh; y++) {
    const y0 = Math.floor(y * sy);
    const y1 = Math.max(y0 + 1, Math.floor((y + 1) * sy));
    for (let x = 0; x < ow; x++) {
      const x0 = Math.floor(x * sx);
      const x1 = Math.max(x0 + 1, Math.floor((x + 1) * sx));
      let r = 0, g = 0, b = 0, a = 0;
      for (let yy = y0; yy < y1; yy++) {
        for (let xx = x0; xx < x1; xx++) {
          const i = (yy * w + xx) * 4;
          const alpha = bytes[i + 3]!;
          r += bytes[i]! * alpha;
          g += bytes[i + 1]! * alpha;
          b += bytes[i + 2]! * alpha;
          a += alpha;
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const white = 255 * (n * 255 - a); // the uncovered share of the area shows the white page
      const o = ((y + oy) * size + x + ox) * 4;
      out[o] = Math.round((r + white) / (n * 255));
      out[o + 1] = Math.round((g + white) / (n * 255));
      out[o + 2] = Math.round((b + white) / (n * 255));
      out[o + 3] = 255;
    }
  }
  return { width: size, height: size, data: out };
}
