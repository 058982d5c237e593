// Scaling between where a cost is counted and where it is drawn: transforms, nested viewports and
// symbols, marker and pattern content, objectBoundingBox units, SVG images drawn large. Work that is
// pixel-bound grows with the area scale: pattern tiles, morphology radii, filter regions (until
// clipped), curve flattening, and the span of filtered elements (resvg-wasm traps past 2³¹ px).

import type { XmlElement } from '../program/normalise.ts';
import { parseLength, parseNumbers, parseTransform } from '../program/geometry.ts';
import { FILTER_MS, scaledFlattening, type Cost } from './prices.ts';

/** How much a transform list scales areas (|det|); a non-finite one counts as unbounded. */
export function areaScaleOf(transform: string | undefined): number {
  if (!transform) return 1;
  const [a, b, c, d] = parseTransform(transform);
  const det = Math.abs(a * d - b * c);
  return Number.isFinite(det) ? det : Infinity;
}

/**
 * Scaling below a transform or viewport: pattern tiles (2.6 s for a 10-unit tile under scale(1000))
 * and morphology radii (radius 1 under scale(20): 3 s) grow with the area scale.
 */
export function grow(c: Cost, scale: number, outputPx: number): void {
  if (!(scale > 1)) return;
  c.segments += scaledFlattening(c, scale, outputPx);
  if (c.curvePx > 0) c.curvePx *= Math.sqrt(scale);
  if (c.curves > 0) c.curveGrowth = Math.max(1, c.curveGrowth) * Math.sqrt(scale);
  // Filter regions grow until resvg clips them; morphology radii grow without bound.
  // (Each product guarded: 0 × Infinity is NaN, and a NaN cost would pass every budget.)
  const region = Math.min(Math.max(1, scale / FILTER_MS.maxScaledRegion), FILTER_MS.maxScaledRegion);
  if (c.filterMs > 0) c.filterMs = (c.filterMs - c.morphMs) * region + (c.morphMs > 0 ? c.morphMs * scale : 0);
  if (c.morphMs > 0) c.morphMs *= scale;
  if (c.filterSpan > 0) c.filterSpan *= Math.sqrt(scale);
  if (c.tileCount > 0) {
    const before = Math.max(c.tileCount, c.tiles);
    c.tiles *= scale;
    c.layers += Math.max(c.tileCount, c.tiles) - before;
  }
}

/** The viewBox-to-viewport area scale of a nested <svg> or a <symbol> (sized by its <use>); 1 when unknown. */
export function viewportScale(el: XmlElement, sizedBy: XmlElement): number {
  const vb = parseNumbers(el.attrs.get('viewBox'));
  const w = parseLength(sizedBy.attrs.get('width')), h = parseLength(sizedBy.attrs.get('height'));
  if (vb.length !== 4 || !(w > 0 && h > 0)) return 1;
  const s = (w / (vb[2] ?? 1)) * (h / (vb[3] ?? 1));
  return s > 0 ? s : 1;
}

/**
 * Everything pixel-bound in c drawn `area` times larger (an SVG image drawn over many canvases): fills,
 * layers and filters by area; pattern tiles, morphology radii and curves grow as under a transform.
 */
export function enlarge(c: Cost, area: number): void {
  const a = Number.isFinite(area) ? area : 1e12;
  c.nodes *= a; c.stopFills *= a; c.layers *= a; c.filterMs *= a; c.morphMs *= a; c.tiles *= a;
  c.filterSpan *= Math.sqrt(a);
}
