// SVG text → RGBA pixels with any resvg build: resvg-wasm in the svg worker and in Node tooling
// (render/node.ts), native resvg-js as the bench's peer. The renderer is injected so the same
// limits, sizing and error shapes apply everywhere.
import { checkLimits, resolveLimits, type RenderLimits } from './limits';
import { hasText } from '../program/text';

/** RGBA, row-major, 4 bytes per pixel. Renders from rasterize() are composited on white (alpha 255). */
export interface Pixels {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
  /** resvg's raw output is premultiplied; ImageData and renders on a white background are not. */
  premultiplied?: boolean;
}

export type RenderErrorCode = 'empty' | 'too-large' | 'parse' | 'bad-size' | 'render' | 'wasm-crash' | 'limit';

export interface RenderError {
  code: RenderErrorCode | string;
  message: string;
}

export type RenderResult =
  | { ok: true; pixels: Pixels; ms: number; sourceWidth: number; sourceHeight: number }
  | { ok: false; error: RenderError; ms: number; fatal?: boolean };

/** The part of resvg's API we use; both `@resvg/resvg-wasm` and `@resvg/resvg-js` fit it. */
export interface ResvgLike {
  new (svg: string, options?: Record<string, unknown>): {
    readonly width: number;
    readonly height: number;
    render(): { readonly width: number; readonly height: number; readonly pixels: Uint8Array; free?(): void };
    free?(): void;
  };
}

export interface RasterizeOptions {
  /** Output is always size×size: policies are scored on a fixed canvas, like SGP-GenBench's 224 px. */
  size: number;
  /** resvg font options for programs with text: a bundled font, or `<text>` silently renders nothing. */
  font: Record<string, unknown>;
  /**
   * Font options for programs without text. Loading a font costs more than most renders (resvg-wasm
   * re-parses the buffer on every construction), so it is skipped when no text can need it. Each
   * build spells "no fonts" differently: resvg-wasm `{fontBuffers: []}`, resvg-js `{fontFiles: [],
   * loadSystemFonts: false}` (an unknown key makes resvg-js load every system font).
   */
  noFont: Record<string, unknown>;
  /** Checked on the text before resvg sees it (see limits.ts); maxSide also bounds resvg's parsed canvas. */
  limits?: Partial<RenderLimits>;
}

export const MAX_OUTPUT_SIZE = 2048;
/** The app's render size: SGP-GenBench scores 224-px renders; encoders resize to their own input size. */
export const DEFAULT_RENDER_SIZE = 224;
/** Past this a render is stopped (worker terminated) in the browser pool and the Node pool alike. */
export const DEFAULT_RENDER_TIMEOUT_MS = 2000;

export function rasterize(Resvg: ResvgLike, svg: string, opts: RasterizeOptions): RenderResult {
  const t0 = now();
  const fail = (code: RenderErrorCode | string, message: string, fatal = false): RenderResult => ({
    ok: false,
    error: { code, message },
    ms: now() - t0,
    ...(fatal ? { fatal } : {}),
  });
  if (!Number.isInteger(opts.size) || opts.size < 8 || opts.size > MAX_OUTPUT_SIZE)
    return fail('bad-size', `output size must be an integer from 8 to ${MAX_OUTPUT_SIZE} px, got ${opts.size}`);
  if (svg.trim() === '') return fail('empty', 'no SVG to render: the program is empty');
  const checked = checkLimits(svg, opts.limits, opts.size);
  if (!checked.ok) return { ok: false, error: checked.error, ms: now() - t0 };

  let doc: InstanceType<ResvgLike> | undefined;
  try {
    // Parse once fitted to width (the common landscape/square case); portrait canvases are re-parsed
    // fitted to height. `doc.width/height` report the source canvas, not the fitted output.
    const font = hasText(svg) ? opts.font : opts.noFont;
    const base = { font, background: 'white', shapeRendering: 2 };
    doc = new Resvg(svg, { ...base, fitTo: { mode: 'width', value: opts.size } });
    const w = doc.width;
    const h = doc.height;
    const maxSide = resolveLimits(opts.limits).maxSide;
    if (!(w > 0 && h > 0 && Number.isFinite(w) && Number.isFinite(h)))
      return fail('bad-size', `the SVG canvas is ${w}×${h}; width and height must be positive`);
    if (w > maxSide || h > maxSide)
      return fail('too-large', `the SVG canvas is ${Math.round(w)}×${Math.round(h)}; at most ${maxSide} per side is rendered`);
    if (h > w) {
      doc.free?.();
      doc = undefined;
      doc = new Resvg(svg, { ...base, fitTo: { mode: 'height', value: opts.size } });
    }
    const img = doc.render();
    // `pixels` is a copy out of wasm memory; the image itself must be freed or every render leaks it.
    const pixels = letterbox(img.pixels, img.width, img.height, opts.size);
    img.free?.();
    return { ok: true, pixels, ms: now() - t0, sourceWidth: w, sourceHeight: h };
  } catch (err) {
    // A wasm trap leaves the module in an unknown state: the caller must recycle the worker. So does
    // a stack overflow inside resvg (a RangeError: reference cycles it does not break): the wasm
    // shadow stack is not unwound, and the next render in that instance reads out of bounds.
    const trap = typeof WebAssembly !== 'undefined' && err instanceof WebAssembly.RuntimeError;
    if (trap || err instanceof RangeError) return fail('wasm-crash', `the renderer crashed (${(err as Error).message}); it has been restarted`, true);
    return fail('parse', `resvg could not read this SVG: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    try {
      doc?.free?.();
    } catch {
      // already freed, or the module trapped: nothing left to release
    }
  }
}

/** Centres a w×h image on a white size×size canvas (rounding can leave fitTo 1 px off). */
export function letterbox(src: Uint8Array, w: number, h: number, size: number): Pixels {
  if (w === size && h === size) return { width: size, height: size, data: new Uint8ClampedArray(src.buffer, src.byteOffset, src.byteLength) };
  const out = new Uint8ClampedArray(size * size * 4).fill(255);
  const ox = Math.floor((size - Math.min(w, size)) / 2);
  const oy = Math.floor((size - Math.min(h, size)) / 2);
  for (let y = 0; y < Math.min(h, size); y++) {
    const row = src.subarray(y * w * 4, y * w * 4 + Math.min(w, size) * 4);
    out.set(row, ((y + oy) * size + ox) * 4);
  }
  return { width: size, height: size, data: out };
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}
