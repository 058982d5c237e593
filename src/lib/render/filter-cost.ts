// Filter prices: a filter's region (in canvases, as resvg clips it) times the price of each
// primitive, for url() filters and CSS filter functions alike. feImage draws what it references.

import { isSvg, type XmlElement } from '../program/normalise.ts';
import { parseLength, parseNumbers } from '../program/geometry.ts';
import { quote, refuse } from './limit-error.ts';
import { addCost, FILTER_MS, zeroCost, type Cost } from './prices.ts';
import type { RenderLimits } from './limits.ts';
import type { Link } from './cycles.ts';

/** An element's box as fractions of the canvas. */
export interface Box { w: number; h: number }
const CANVAS_BOX: Box = { w: 1, h: 1 };

export interface FilterContext {
  L: RenderLimits;
  canvas: { w: number; h: number; px: number };
  target(ref: string, forUse: boolean): XmlElement | undefined;
  /** The cost of drawing a referenced element (feImage). */
  referenced(el: XmlElement, link: Link, ref?: XmlElement): Cost;
  /** Prices a filter element with it on the walk's chain, so a loop back to it is judged (cost.ts). */
  enter(el: XmlElement, link: Link, ref: XmlElement | undefined, fn: () => Cost): Cost;
  image(href: string, at: string): Cost;
  tag(el: XmlElement): string;
}

/** filterCost(value, el, box): the cost of a `filter` property value on el (box: el's, when known). */
export function filterPricer({ L, canvas, target, referenced, enter, image, tag }: FilterContext): { filterCost(value: string, el: XmlElement, box: Box | null): Cost } {
  const filterCost = (value: string, el: XmlElement, box: Box | null): Cost => {
    const c = zeroCost();
    for (const m of value.matchAll(/([a-zA-Z-]+)\s*\(([^)]*)\)/g)) {
      const fn = (m[1] ?? '').toLowerCase();
      if (fn === 'url') {
        const f = target(m[2] ?? '', false);
        if (f?.name === 'filter') addCost(c, filterElementCost(f, box ?? CANVAS_BOX));
        continue;
      }
      const sd = Math.max(0, ...parseNumbers(m[2]).map(Math.abs));
      if ((fn === 'blur' || fn === 'drop-shadow') && sd > L.maxBlurStdDeviation) {
        refuse('costly-filter', `${fn}(${quote(m[2] ?? '', 30)}) is too costly to render; the limit is ${L.maxBlurStdDeviation} (maxBlurStdDeviation)`, tag(el), 'maxBlurStdDeviation');
      }
      const ms = fn === 'blur' ? FILTER_MS.blur : fn === 'drop-shadow' ? FILTER_MS.dropShadow : FILTER_MS.primitive;
      c.filterMs += FILTER_MS.functionRegion * (FILTER_MS.base + ms);
    }
    return c;
  };

  const filterMemo = new Map<string, Cost>();
  const filterElementCost = (f: XmlElement, box: Box): Cost => {
    const key = `${f.index} ${box.w} ${box.h}`;
    const known = filterMemo.get(key);
    if (known) return known;
    const c = enter(f, 'filter', f, () => filterWork(f, box));
    filterMemo.set(key, c);
    return c;
  };

  const filterWork = (f: XmlElement, box: Box): Cost => {
    const c = zeroCost();
    let ms = FILTER_MS.base;
    let morph = 0; // the part that grows with a scaling transform above the element (radii are user units)
    for (const fe of f.children) {
      const n = (a: string): number[] => parseNumbers(fe.attrs.get(a)).map(Math.abs);
      if (fe.name === 'feGaussianBlur') ms += FILTER_MS.blur;
      else if (fe.name === 'feDropShadow') ms += FILTER_MS.dropShadow;
      else if (fe.name === 'feMorphology') {
        // Radii are user units, or fractions of the box with primitiveUnits="objectBoundingBox" (the box ≤ the region).
        const s = canvas.px * (f.attrs.get('primitiveUnits') === 'objectBoundingBox' ? Math.max(box.w * canvas.w, box.h * canvas.h) : 1);
        const [rx = 0, ry = rx] = n('radius');
        morph += FILTER_MS.morphologyTap * (2 * rx * s + 1) * (2 * ry * s + 1);
      }
      else if (fe.name === 'feConvolveMatrix') { const [ox = 3, oy = ox] = n('order'); ms += FILTER_MS.convolveCell * ox * oy; }
      else if (fe.name === 'feTurbulence') ms += FILTER_MS.primitive + FILTER_MS.turbulenceOctave * (n('numOctaves')[0] ?? 1);
      else if (fe.name === 'feTile') ms += FILTER_MS.tile;
      else if (fe.name.startsWith('fe')) ms += FILTER_MS.primitive;
      if (fe.name === 'feImage') {
        const href = fe.attrs.get('href') ?? '';
        const t = target(href, false);
        if (t && isSvg(t)) addCost(c, referenced(t, 'feImage', t));
        else if (href) addCost(c, image(href, tag(fe)));
      }
    }
    c.filterMs += regionOf(f, box) * (ms + morph) + FILTER_MS.perUse;
    c.morphMs += regionOf(f, box) * morph;
    return c;
  };

  /** The filter region in canvases, as resvg clips it; the default is 120 % of the box. */
  const regionOf = (f: XmlElement, box: Box): number => {
    const user = f.attrs.get('filterUnits') === 'userSpaceOnUse';
    const side = (attr: string, fallback: number, whole: number, fraction: number): number => {
      const raw = f.attrs.get(attr);
      if (raw === undefined) return fallback * (user ? 1 : fraction);
      const pct = /%\s*$/.test(raw);
      const v = user ? (pct ? parseFloat(raw) / 100 : parseLength(raw) / whole) : (pct ? parseFloat(raw) / 100 : parseLength(raw)) * fraction;
      return Number.isFinite(v) ? Math.abs(v) : FILTER_MS.maxRegion;
    };
    const region = side('width', 1.2, canvas.w, box.w) * side('height', 1.2, canvas.h, box.h);
    return Math.min(FILTER_MS.maxRegion, region);
  };

  return { filterCost };
}
