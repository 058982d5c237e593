// The prices of drawing, measured with resvg-wasm at 224 px (`node --import tsx scripts/limits-cost.ts` reproduces them),
// and the work the cost walk (cost.ts) counts in them: worst cases on purpose — a shape is priced
// as if it covered the whole canvas, a path's length by an upper bound.

import type { XmlElement } from '../program/normalise.ts';
import { parseLength, parseNumbers } from '../program/geometry.ts';

/** Work counted while walking the document; everything but useDepth adds up over uses. */
export interface Cost {
  nodes: number; segments: number; length: number; textChars: number;
  stopFills: number; layers: number; filterMs: number; imagePixels: number; useDepth: number;
  /** Pattern tiles drawn, and their summed area in canvases: a scaling transform above them grows their pixmaps. */
  tileCount: number; tiles: number;
  /** The part of filterMs from feMorphology, which grows with a scaling transform above it. */
  morphMs: number;
  /** Curves drawn (each cubic, quadratic and arc, implicit repeats included): a scaling transform above them multiplies their flattening. */
  curves: number;
  /** Curves drawn with a stroke: a stroke scaled far past the output is offset piece by piece. */
  strokedCurves: number;
  /** The largest linear scale any curve below was drawn at (0: none scaled). */
  curveGrowth: number;
  /** Their summed extents in output px (each bounded by the largest coordinate it could reach). */
  curvePx: number;
  /** The widest filtered element, in canvases across (not summed: the largest one counts). */
  filterSpan: number;
}
export const zeroCost = (): Cost => ({ nodes: 0, segments: 0, length: 0, textChars: 0, stopFills: 0, layers: 0, filterMs: 0, imagePixels: 0, useDepth: 0, tileCount: 0, tiles: 0, morphMs: 0, curves: 0, strokedCurves: 0, curveGrowth: 0, curvePx: 0, filterSpan: 0 });
/** into += c × times (fields spelled out: this runs once per element and reference). */
export function addCost(into: Cost, c: Cost, times = 1): Cost {
  if (times <= 0) return into;
  into.nodes += c.nodes * times;
  into.segments += c.segments * times;
  into.length += c.length * times;
  into.textChars += c.textChars * times;
  into.stopFills += c.stopFills * times;
  into.layers += c.layers * times;
  into.filterMs += c.filterMs * times;
  into.imagePixels += c.imagePixels * times;
  into.tiles += c.tiles * times;
  into.tileCount += c.tileCount * times;
  into.morphMs += c.morphMs * times;
  into.curves += c.curves * times;
  into.curvePx += c.curvePx * times;
  into.strokedCurves += c.strokedCurves * times;
  if (c.curveGrowth > into.curveGrowth) into.curveGrowth = c.curveGrowth;
  if (c.filterSpan > into.filterSpan) into.filterSpan = c.filterSpan;
  if (c.useDepth > into.useDepth) into.useDepth = c.useDepth;
  return into;
}

/**
 * Milliseconds per unit of work, measured with resvg-wasm in Node at 224 px output on this project's
 * machine (`node --import tsx scripts/limits-cost.ts` reproduces them). Where probes near each budget
 * ran slower than priced relative to the filters (nodes, segments, text, stops), the price was raised
 * to match. Pixel-bound work scales with the output area.
 */
export const UNIT_MS = Object.freeze({
  /** 20,000 full-canvas rects: 1.5 s; 50,000 <use>d ones: 4.2 s; 5,000 under load: 0.8–1.7 s. */
  node: 0.12,
  /** A stroked 200,000-segment path: 0.45 s; 1,000 uses of a 1,400-dash line: 1.9 s (a dash ≈ a segment). */
  segment: 0.003,
  /** Shaping and outlining per character drawn: 19,000 characters through 10 <use>s took 1.6 s under load. */
  textChar: 0.05,
  /** A full-canvas fill with a 2,000-stop gradient: 41 ms (2 stops: 0.8 ms). */
  stopFill: 0.025,
  /** A canvas-sized offscreen layer: mask 3.9 ms, clip 3.5, pattern 2.7, group opacity 7.4, blend mode 3.4. */
  layer: 5,
  /** Decoding a raster image, per pixel: a 2048² PNG took 340 ms under load; a 2000² PNG inflated from 15 KB, drawn twice, 0.9 s. */
  imagePixel: 0.00007,
});

/** Filter prices per canvas-sized region, in ms at 224 px (1,000 filtered full-canvas rects measured). */
export const FILTER_MS = Object.freeze({
  /** Rendering the element offscreen and converting colour spaces: feFlood alone 5.7 ms per 1.44 canvases. */
  base: 4,
  /** An ordinary primitive (offset, blend, lighting…): +2.7 ms each. */
  primitive: 2.7,
  /** feTile of a tiny subregion: 20 canvas-sized ones took 0.73 s under load. */
  tile: 15,
  /** Each filtered element, however small its region: 2,900 blurred dots of radius 0.5 took 1 s under load. */
  perUse: 0.1,
  /** Box blur is independent of the radius: 13 ms for stdDeviation 1…200. */
  blur: 13,
  dropShadow: 20,
  /** feMorphology reads (2rx+1)(2ry+1) pixels per pixel, radius in output px: 22 px took 443 ms for one element. */
  morphologyTap: 0.2,
  /** feConvolveMatrix per kernel cell: order 9 took 34–54 ms per element. */
  convolveCell: 0.35,
  /** 10 octaves on 4 full-canvas rects: 840 ms under load. */
  turbulenceOctave: 7,
  /** resvg clips a filter region; past ~9–16 canvases a blur costs no more (400–800 ms on a loaded machine). */
  maxRegion: 16,
  /**
   * A canvas-sized blur under scale(2…10⁷) took 2–4× the unscaled one: regions grow until clipped.
   * An element whose box is unknown is already priced canvas-sized, so growth starts past 4× the area.
   */
  maxScaledRegion: 4,
  /** CSS filter functions get a larger region than the default 120 %: blur(5px) took 72 ms. */
  functionRegion: 5,
});

export function estimatedMs(c: Cost, areaScale: number): number {
  return areaScale * (c.nodes * UNIT_MS.node + c.stopFills * UNIT_MS.stopFill + c.layers * UNIT_MS.layer + c.filterMs)
    + c.segments * UNIT_MS.segment + c.textChars * UNIT_MS.textChar + c.imagePixels * UNIT_MS.imagePixel;
}

export function textOf(el: XmlElement): string {
  let s = el.text;
  for (const k of el.children) s += textOf(k);
  return s;
}

/**
 * Sum of a dash array's entries in user units (doubled when odd, as SVG repeats it); 0 when dashing
 * is off. `em` is the font size in user units (an em dash array under font-size 0.0001 took 3.8 s),
 * `diagonal` what a percentage is of (the normalised viewport diagonal).
 */
export function dashPeriod(value: string, em = 16, diagonal = 100): number {
  const parts = value.split(/[\s,]+/).filter(Boolean);
  const v = parts.map((part) => {
    const m = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(%|[a-zA-Z]*)$/.exec(part);
    if (!m) return NaN;
    const n = Number(m[1]);
    const unit = (m[2] ?? '').toLowerCase();
    return unit === '%' ? (n / 100) * diagonal : unit === 'em' ? n * em : unit === 'ex' ? (n * em) / 2 : n * (UNIT_SCALE[unit] ?? NaN);
  });
  if (v.length === 0 || v.some((x) => !(x >= 0) || !Number.isFinite(x))) return 0;
  const sum = v.reduce((a, b) => a + b, 0);
  return v.length % 2 ? 2 * sum : sum;
}
/** Absolute CSS units in user units (px). */
const UNIT_SCALE: Readonly<Record<string, number>> = { '': 1, px: 1, pt: 4 / 3, pc: 16, mm: 96 / 25.4, cm: 96 / 2.54, in: 96 };

/**
 * Segments and an upper bound on the length of a shape in user units (dashes follow the length).
 * Path lengths are bounded by the coordinates' sizes: exact for lines, generous for curves.
 */
export function geometry(el: XmlElement, viewport = 0): { segments: number; length: number; exact: boolean } {
  // A percentage is of the viewport (its longer side, at most): r="40%" strokes dashes as r="40" on a 100-unit canvas.
  const a = (k: string): number => {
    const raw = el.attrs.get(k) ?? '';
    return Math.abs(/%\s*$/.test(raw) ? (parseFloat(raw) / 100) * viewport : parseLength(raw)) || 0;
  };
  switch (el.name) {
    case 'line': return { segments: 1, length: Math.hypot(a('x2') - a('x1'), a('y2') - a('y1')), exact: true };
    case 'rect': return { segments: 4, length: 2 * (a('width') + a('height')), exact: true };
    case 'circle': return { segments: 4, length: 2 * Math.PI * a('r'), exact: true };
    case 'ellipse': return { segments: 4, length: 2 * Math.PI * Math.max(a('rx'), a('ry')), exact: false };
    default: {
      const nums = el.name === 'path' ? pathStats(el).numbers : parseNumbers(el.attrs.get('points'));
      let sum = 0;
      for (const x of nums) sum += Math.abs(x);
      const length = Number.isFinite(sum) ? 4 * sum : Number.MAX_VALUE;
      // h and v take one number a segment: "h.1v.1" repeated is twice the segments its numbers / 2 say.
      const hv = el.name === 'path' ? pathStats(el).hv : 0;
      return { segments: Math.ceil((nums.length + hv) / 2), length, exact: false };
    }
  }
}

/**
 * Extra segments for curves larger than the output: tiny-skia flattens a curve into pieces that grow
 * with its size in pixels (100 circles of radius 10⁵: 0.7 s; 100 cubics spanning 10⁶ units: 0.2 s).
 * Counted as √(excess px) per curve (4 for a circle); curves within the output add nothing.
 */
/** Numbers that follow h/H/v/V commands in path data. */
function hvNumbers(d: string): number {
  let n = 0;
  for (const m of d.matchAll(/[HhVv]([^A-Za-z]*(?:[eE][^A-Za-z]*)*)/g)) n += parseNumbers(m[1]).length;
  return n;
}

interface PathStats { numbers: number[]; curves: number; hv: number; maxAbs: number }
const pathMemo = new WeakMap<XmlElement, PathStats>();
/** One reading of a path's data, shared by the segment, length, curve and extent estimates. */
function pathStats(el: XmlElement): PathStats {
  let st = pathMemo.get(el);
  if (!st) {
    const d = el.attrs.get('d') ?? '';
    const numbers = parseNumbers(d);
    let maxAbs = 0;
    for (const x of numbers) if (Math.abs(x) > maxAbs && Number.isFinite(x)) maxAbs = Math.abs(x);
    pathMemo.set(el, (st = { numbers, curves: curveCount(d), hv: hvNumbers(d), maxAbs }));
  }
  return st;
}

export const MAX_PIECES_PER_CURVE = 2000;
export const STROKED_PIECES_MAX = 12_500;
/** Numbers each curve command takes (arcs: 5 when their two flags are written without separators). */
const CURVE_ARITY: Readonly<Record<string, number>> = { c: 6, s: 4, q: 4, t: 2, a: 5 };

/** Curves in path data, implicit repeats included ("C" followed by 100 coordinate sextets is 100 curves). */
export function curveCount(d: string): number {
  let curves = 0;
  for (const m of d.matchAll(/([CcSsQqTtAa])([^A-Za-z]*(?:[eE][^A-Za-z]*)*)/g)) {
    const numbers = parseNumbers(m[2]).length;
    const arc = m[1] === 'a' || m[1] === 'A';
    // An arc is drawn as up to four cubics: a half-turn (two) each, at the least.
    curves += Math.max(1, Math.ceil(numbers / (CURVE_ARITY[(m[1] ?? 'c').toLowerCase()] ?? 6))) * (arc ? 2 : 1);
  }
  return curves;
}

/** Curves a shape draws: circles and ellipses are four, a rounded rect four corners. */
export function curvesOf(el: XmlElement): number {
  switch (el.name) {
    case 'circle': case 'ellipse': return 4;
    case 'rect': return el.attrs.has('rx') || el.attrs.has('ry') ? 4 : 0;
    case 'path': return pathStats(el).curves;
    default: return 0;
  }
}

export function flatteningSegments(el: XmlElement, pxPerUnit: number, outputPx: number): number {
  // A percentage is of the viewport (at most its longer side): r="1e5%" flattened like r="1e5".
  const a = (k: string): number => {
    const raw = el.attrs.get(k) ?? '';
    return Math.abs(/%\s*$/.test(raw) ? (parseFloat(raw) / 100) * (outputPx / pxPerUnit) : parseLength(raw)) || 0;
  };
  // Capped: past ~10⁷ px tiny-skia drops or coarsens such curves (a 10⁶ circle took 20 ms, 10⁸ took 0.1).
  const excess = (units: number): number => Math.min(MAX_PIECES_PER_CURVE, Math.sqrt(Math.max(0, units * pxPerUnit - outputPx)) || 0);
  switch (el.name) {
    case 'circle': return 4 * excess(a('r'));
    case 'ellipse': return 4 * excess(Math.max(a('rx'), a('ry')));
    case 'rect': return 4 * excess(Math.max(a('rx'), a('ry')));
    case 'path': {
      const { curves, numbers, maxAbs } = pathStats(el);
      if (curves === 0) return 0;
      // A non-finite coordinate spans everything.
      return curves * excess(numbers.some((x) => !Number.isFinite(x)) ? Number.MAX_VALUE : maxAbs);
    }
    default: return 0;
  }
}

/**
 * Flattening added when everything below is drawn `scale` times larger (area): curves that now span
 * the output many times over are cut into many more pieces (100 circles of radius 100 under
 * scale(1000): 0.57 s). Curves are taken at their mean extent; small ones (a marker's dot under a
 * wide stroke) add nothing until they outgrow the output.
 */
export function scaledFlattening(c: Cost, scale: number, outputPx: number): number {
  if (!(scale > 1) || c.curves === 0) return 0;
  const pieces = (px: number): number => Math.min(MAX_PIECES_PER_CURVE, Math.sqrt(Math.max(0, px - outputPx)) || 0);
  const mean = c.curvePx / c.curves;
  const k = Math.sqrt(scale);
  // A stroked curve scaled k times gets a stroke k times wider: a rounded rect stroked under 15 nested
  // scale(3) uses took 0.15 s, ten of them 5.7 s under load.
  const stroked = c.strokedCurves * Math.min(STROKED_PIECES_MAX, Number.isFinite(k) ? k - 1 : STROKED_PIECES_MAX);
  return stroked + c.curves * (Number.isFinite(k) ? pieces(mean * k) - pieces(mean) : MAX_PIECES_PER_CURVE);
}

/** The extent in px of each curve of a shape (its radius, or its largest coordinate), for scaledFlattening. */
export function curveExtentPx(el: XmlElement, pxPerUnit: number, outputPx: number): number {
  const a = (k: string): number => {
    const raw = el.attrs.get(k) ?? '';
    return Math.abs(/%\s*$/.test(raw) ? (parseFloat(raw) / 100) * (outputPx / pxPerUnit) : parseLength(raw)) || 0;
  };
  switch (el.name) {
    case 'circle': return 2 * a('r') * pxPerUnit;
    case 'ellipse': return 2 * Math.max(a('rx'), a('ry')) * pxPerUnit;
    case 'rect': return 2 * Math.max(a('rx'), a('ry')) * pxPerUnit;
    case 'path': {
      return pathStats(el).maxAbs * pxPerUnit;
    }
    default: return 0;
  }
}
