// What resvg will draw, counted before it draws it. Every reference is followed — <use>, pattern,
// mask, marker, clipPath, gradient href chains, filters by url() and CSS filter functions, feImage,
// tref, data: images — and each target's cost is counted once per use (memoised per element, so a
// use bomb costs a few lookups, not its expansion). The prices are in prices.ts.

import { isSvg, type XmlDocument, type XmlElement } from '../program/normalise.ts';
import { parseDeclarations, parseStyleSheet, selectorTests, StyleIndex } from '../program/css.ts';
import { parseLength, parseNumbers } from '../program/geometry.ts';
import { quote, refuse } from './limit-error.ts';
import { describeCycle, judgeCycle, type Frame, type Link } from './cycles.ts';
import { addCost, curveExtentPx, curvesOf, dashPeriod, estimatedMs, flatteningSegments, geometry, STROKED_PIECES_MAX, textOf, zeroCost, type Cost } from './prices.ts';
import { filterPricer, type Box } from './filter-cost.ts';
import { areaScaleOf, enlarge, grow, viewportScale } from './scale.ts';
import type { RenderLimits } from './limits.ts';

// Drawn only when referenced (or not at all): their content costs where it is used.
const BY_REFERENCE = new Set(['defs', 'symbol', 'clipPath', 'mask', 'pattern', 'marker', 'linearGradient', 'radialGradient',
  'filter', 'style', 'script', 'title', 'desc', 'metadata']);
const SHAPES = new Set(['path', 'line', 'polyline', 'polygon', 'rect', 'circle', 'ellipse']);
const MARKABLE = new Set(['path', 'line', 'polyline', 'polygon']);
/** Properties that reference or cost something; the others are dropped when styles are read. */
const COSTLY = new Set(['fill', 'stroke', 'filter', 'clip-path', 'mask', 'marker', 'marker-start', 'marker-mid', 'marker-end', 'stroke-dasharray',
  'opacity', 'mix-blend-mode', 'isolation', 'stroke-width', 'font-size', 'stroke-miterlimit', 'font-family']);
const COSTLY_LIST = [...COSTLY];
const REFERENCING = ['href', 'filter', 'mask', 'clip-path', 'fill', 'stroke', 'style'];
const NO_PROPS: Map<string, string[]> = new Map();
const INHERITED = new Set(['fill', 'stroke', 'marker-start', 'marker-mid', 'marker-end', 'stroke-dasharray', 'stroke-width', 'font-size', 'stroke-miterlimit', 'font-family']);
/** tiny-skia stops dashing past a million dashes per path (it draws the plain stroke). */
const MAX_DASHES = 1e6;
/** A stroke this many px wide costs one more segment per vertex; past the cap the stroke covers the canvas anyway. */
const STROKE_PX_PER_SEGMENT = 20;
const STROKE_WIDTH_CAP = 20;
/** A glyph on a <textPath> costs about one stroked segment per 50 segments of its path (measured: 40 ns per glyph·segment). */
const TEXT_PATH_CHARS_PER_SEGMENT = 50;
/** A character with its own position costs this many more characters' shaping (0.26 ms against 0.09 under load). */
const TEXT_POSITIONED_EXTRA = 2;
/** Each font family a text chunk lists is looked up: 20,000 on one chunk took 0.38 s, on 99 CSS-styled tspans 2 s (under load). */
const TEXT_CHARS_PER_FAMILY = 0.1;
const TEXT_CHUNKS = new Set(['text', 'tspan', 'textPath']);
/** Drawing a raster image, in canvas-sized layers per canvas it covers, plus a fixed part (10×10-unit ones: 2.5 ms each under load). */
const IMAGE_DRAW_LAYERS = 2;
const IMAGE_DRAW_FIXED_LAYERS = 0.1;

/** Characters given their own position in a text element and its spans: the longest position list of each. */
function positioned(el: XmlElement): number {
  let n = Math.max(0, ...['x', 'y', 'dx', 'dy', 'rotate'].map((k) => parseNumbers(el.attrs.get(k)).length - 1));
  for (const k of el.children) n += positioned(k);
  return n;
}

function descendants(el: XmlElement, name: string, out: XmlElement[] = []): XmlElement[] {
  for (const k of el.children) { if (k.name === name) out.push(k); descendants(k, name, out); }
  return out;
}

export interface CostHooks {
  /** Cost of an <image>/<feImage> data: URI (raster header, nested SVG). */
  image(href: string, at: string): Cost;
  /** Called with each element's cost once known, so a breach is named at the deepest construct that causes it. */
  budget(c: Cost, at: string, mostly: () => string): void;
}

/** Walks the document and returns what drawing it costs; refuses cycles of <use> and runaway chains. */
/** canvas: the root's user-space size and the output pixels per user unit. */
export function documentCost(doc: XmlDocument, L: RenderLimits, canvas: { w: number; h: number; px: number }, hooks: CostHooks): Cost {
  const root = doc.root;
  if (!root) return zeroCost();
  const outputPx = canvas.px * Math.max(canvas.w, canvas.h);
  let extentMemo: number | undefined;
  /** The largest coordinate or size written anywhere in the document, in canvases: a bound on any element's box. */
  const extent = (): number => {
    if (extentMemo !== undefined) return extentMemo;
    let max = 1;
    for (const el of doc.elements) {
      for (const k of ['x', 'y', 'width', 'height', 'r', 'rx', 'ry', 'cx', 'cy', 'x1', 'x2', 'y1', 'y2', 'd', 'points']) {
        for (const v of parseNumbers(el.attrs.get(k))) if (Math.abs(v) > max && Number.isFinite(v)) max = Math.abs(v);
      }
    }
    return (extentMemo = (2 * max) / Math.max(canvas.w, canvas.h));
  };
  const byId = new Map<string, XmlElement[]>();
  for (const el of doc.elements) {
    const id = el.attrs.get('id');
    if (id !== undefined) byId.set(id, [...(byId.get(id) ?? []), el].slice(-2)); // usvg: first for <use>, last for url()
  }
  // Style sheets: every <style> in the document, read whatever its type says (a superset).
  const sheet = doc.elements.filter((e) => e.name === 'style').map((e) => e.text).join('\n');
  const allRules = parseStyleSheet(sheet);
  if (allRules.length > 0) {
    const depths: number[] = [];
    const depthOf = new Map<XmlElement, number>();
    for (const el of doc.elements) {
      const d = el.parent ? (depthOf.get(el.parent) ?? 0) + 1 : 0;
      depthOf.set(el, d);
      depths[d] = (depths[d] ?? 0) + 1;
    }
    const tests = selectorTests(allRules, depths);
    if (!(tests <= L.maxSelectorTests)) {
      refuse('costly-style', `matching its CSS rules against its elements takes about ${tests >= 1e6 ? tests.toExponential(2) : Math.round(tests)} selector tests; the limit is ${L.maxSelectorTests} (maxSelectorTests)`, '<style>', 'maxSelectorTests');
    }
  }
  const rules = allRules
    .map((r) => ({ ...r, declarations: r.declarations.filter(([p]) => COSTLY.has(p)) }))
    .filter((r) => r.declarations.length > 0);
  const styles = new StyleIndex(rules);
  let matched = 0;

  /**
   * Candidate values per costly property: attribute, matching CSS rules, style attribute, and for
   * inherited properties (paint, markers, dashes) every ancestor's candidates too. A superset of
   * what resvg resolves, memoised per element.
   */
  const propMemo = new Map<number, Map<string, string[]>>();
  const props = (el: XmlElement): Map<string, string[]> => {
    const known = propMemo.get(el.index);
    if (known) return known;
    const parent = el.parent ? props(el.parent) : NO_PROPS;
    // Most elements set nothing costly and inherit nothing: share one empty map.
    if (parent === NO_PROPS && styles.size === 0 && !el.attrs.has('style') && !COSTLY_LIST.some((p) => el.attrs.has(p))) {
      propMemo.set(el.index, NO_PROPS);
      return NO_PROPS;
    }
    const sets = new Map<string, Set<string>>();
    const add = (p: string, v: string): void => {
      if (!COSTLY.has(p)) return;
      let set = sets.get(p);
      if (!set) sets.set(p, (set = new Set()));
      set.add(v.trim());
    };
    for (const p of COSTLY) { const v = el.attrs.get(p); if (v !== undefined) add(p, v); }
    const css = styles.declarationsFor(el);
    if ((matched += css.length) > L.maxStyleMatches) {
      refuse('costly-style', `CSS rules apply more than ${L.maxStyleMatches} costly declarations to elements; the limit is ${L.maxStyleMatches} (maxStyleMatches)`, '<style>', 'maxStyleMatches');
    }
    for (const [p, v] of css) add(p, v);
    const style = el.attrs.get('style');
    if (style) for (const [p, v] of parseDeclarations(style)) add(p, v);
    for (const v of sets.get('marker') ?? []) for (const p of ['marker-start', 'marker-mid', 'marker-end']) add(p, v);
    for (const [p, vs] of parent) if (INHERITED.has(p)) for (const v of vs) add(p, v);
    const out = sets.size === 0 ? NO_PROPS : new Map<string, string[]>([...sets].map(([p, set]) => [p, [...set]]));
    propMemo.set(el.index, out);
    return out;
  };

  /** An element as a message names it: its name, id, and the first reference it makes. */
  const tag = (el: XmlElement): string => {
    const id = el.attrs.get('id');
    const ref = REFERENCING.find((a) => el.attrs.get(a)?.includes(a === 'href' ? '#' : '('));
    return `<${quote(el.qname, 30)}${id !== undefined ? ` id="${quote(id, 30)}"` : ''}${ref ? ` ${ref}="${quote(el.attrs.get(ref) ?? '', 30)}"` : ''}>`;
  };
  /** Which children of el cost the most, grouped by how they are written: "1999 × <use href=\"#r\">". */
  const mostly = (el: XmlElement): string => {
    const groups = new Map<string, [count: number, ms: number]>();
    for (const child of el.children) {
      const c = memo.get(child.index * 4 + 1) ?? memo.get(child.index * 4) ?? memo.get(child.index * 4 + 3) ?? memo.get(child.index * 4 + 2);
      if (!c) continue;
      const g = groups.get(tag(child)) ?? [0, 0];
      groups.set(tag(child), [g[0] + 1, g[1] + estimatedMs(c, 1)]);
    }
    const top = [...groups].sort((a, b) => b[1][1] - a[1][1])[0];
    return top && top[1][1] > 0 ? `most of it from ${top[1][0]} × ${top[0]}` : '';
  };
  const target = (ref: string, forUse: boolean): XmlElement | undefined => {
    const m = /^\s*(?:url\(\s*['"]?\s*)?#([^'")\s]+)/.exec(ref);
    const found = m ? byId.get(m[1] ?? '') : undefined;
    return found ? (forUse ? found[0] : found[found.length - 1]) : undefined;
  };

  const memo = new Map<number, Cost>();
  /** The path of the walk, from the root: each element with how it was reached (cycles.ts judges loops on it). */
  const chain: Frame[] = [];
  /** Elements on the chain → their position in it. */
  const onChain = new Map<number, number>();
  let viaOther = 0;
  let viaUses = 0;
  /** Inside a clipPath usvg ignores children's fill, stroke, markers, masks and filters (and their references). */
  let inClip = 0;

  /** Whether el itself (attribute, CSS rule or style, not inheritance) sets prop to a url() naming t. */
  const owns = (el: XmlElement, prop: Link, t: XmlElement): boolean => {
    const values = [el.attrs.get(prop) ?? '', ...styles.declarationsFor(el).filter(([p]) => p === prop).map(([, v]) => v),
      ...parseDeclarations(el.attrs.get('style') ?? '').filter(([p]) => p === prop).map(([, v]) => v)];
    return values.some((v) => [...v.matchAll(/url\(([^)]*)\)/g)].some((m) => target(m[1] ?? '', false) === t));
  };

  /** el met again while the walk is inside it: refuse the loops resvg cannot break (see cycles.ts). */
  const cycle = (el: XmlElement, at: number, link: Link, ref?: XmlElement): Cost => {
    const frames = chain.slice(at);
    const verdict = judgeCycle(frames, link, ref, owns);
    if (verdict === 'use-cycle') refuse('use-cycle', 'a <use> refers to an element that contains it (directly or through other references); remove the cycle', tag(el));
    if (verdict === 'overflows') {
      refuse('reference-cycle', `its references lead back to it (${quote(describeCycle(frames, link), 80)}), a loop resvg follows until its stack overflows; remove one of the links`, tag(el));
    }
    return zeroCost(); // resvg sets one link of the loop to none
  };

  /** Runs fn with el on the chain; a loop back to an element already on it is judged instead. */
  const enter = (el: XmlElement, link: Link, ref: XmlElement | undefined, fn: () => Cost): Cost => {
    const at = onChain.get(el.index);
    if (at !== undefined) return cycle(el, at, link, ref);
    if (chain.length >= L.maxReferenceDepth) refuse('too-deep', `nesting and references (use, href, url()) chain more than ${L.maxReferenceDepth} levels deep; the limit is ${L.maxReferenceDepth} (maxReferenceDepth)`, tag(el), 'maxReferenceDepth');
    onChain.set(el.index, chain.length);
    chain.push(ref ? { el, link, ref } : { el, link });
    try { return fn(); } finally { chain.pop(); onChain.delete(el.index); }
  };

  /** el and its subtree drawn as a group, with everything they reference. */
  const drawn = (el: XmlElement, link: Link, ref?: XmlElement): Cost => {
    const at = onChain.get(el.index);
    if (at !== undefined) return cycle(el, at, link, ref);
    // Inside a <use> or a referenced resource, an element's own box says nothing of its drawn size.
    const key = el.index * 4 + (viaOther === 0 && viaUses === 0 ? 1 : 0) + (inClip > 0 ? 2 : 0);
    const known = memo.get(key);
    if (known) return known;
    const c = enter(el, link, ref, () => {
      const c = own(el);
      for (const child of el.children) if (isSvg(child) && !BY_REFERENCE.has(child.name)) addCost(c, drawn(child, 'child'));
      // A scaling transform enlarges the pattern tiles and morphology radii below it.
      grow(c, areaScaleOf(el.attrs.get('transform')) * (el.name === 'svg' && el.parent ? viewportScale(el, el) : 1), outputPx);
      return c;
    });
    hooks.budget(c, tag(el), () => mostly(el));
    memo.set(key, c);
    return c;
  };

  /** A marker, pattern, mask, clip or feImage target, priced where it is referenced. */
  const referenced = (t: XmlElement, link: Link, ref?: XmlElement): Cost => {
    viaOther++;
    if (t.name === 'clipPath') inClip++;
    try { return drawn(t, link, ref); } finally { viaOther--; if (t.name === 'clipPath') inClip--; }
  };

  const { filterCost } = filterPricer({ L, canvas, target, referenced, enter, image: hooks.image, tag });

  /** The element's own work: itself, its geometry and text, and what its properties reference. */
  const own = (el: XmlElement): Cost => {
    const c = zeroCost();
    c.nodes = 1;
    const p = props(el);
    if (el.name === 'use') {
      const t = target(el.attrs.get('href') ?? '', true);
      if (t && isSvg(t)) {
        viaUses++;
        let sub: Cost;
        try { sub = drawn(t, 'use'); } finally { viaUses--; }
        addCost(c, sub);
        if (t.name === 'symbol') { // its viewport clips, like a nested <svg>, and may scale
          c.layers++;
          grow(c, viewportScale(t, el), outputPx);
        } else if (t.name === 'svg' && (el.attrs.has('width') || el.attrs.has('height'))) {
          // The use's size replaces the <svg>'s own: a 1-unit one used at 1000 scaled its pattern 1000× (2.4 s, 2 GB).
          grow(c, viewportScale(t, el) / viewportScale(t, t), outputPx);
        }
        c.useDepth = sub.useDepth + 1;
        if (c.useDepth > L.maxUseChain) refuse('use-bomb', `<use> references chain more than ${L.maxUseChain} levels deep; the limit is ${L.maxUseChain} (maxUseChain)`, tag(el), 'maxUseChain');
        // The target inherits this use's paint and markers: price them on every node it draws.
        addCost(c, inherited(p, sub.segments, sub.length), Math.max(1, sub.nodes));
        // A stroke handed down to curves that were scaled up below is as wide as they grew.
        if (sub.curveGrowth > 1 && (p.get('stroke') ?? []).some((v) => v !== 'none')) {
          c.segments += sub.curves * Math.min(STROKED_PIECES_MAX, sub.curveGrowth - 1);
        }
      }
    } else if (SHAPES.has(el.name)) {
      const g = geometry(el, Math.max(canvas.w, canvas.h));
      c.segments += g.segments + flatteningSegments(el, canvas.px, outputPx);
      c.curves += curvesOf(el);
      c.curvePx += curvesOf(el) * curveExtentPx(el, canvas.px, outputPx);
      // Wide strokes cost more per vertex (joins, caps): 40,000 vertices at 89 px took 0.64 s.
      if ((p.get('stroke') ?? []).some((v) => v !== 'none')) {
        c.strokedCurves += curvesOf(el);
        const width = Math.max(0, ...(p.get('stroke-width') ?? []).map((v) => Math.abs(parseLength(v)) || 0));
        // A high miter limit turns sharp joins into long spikes: 36,000 joins at limit 10⁹ took 0.85 s.
        const miter = Math.max(1, ...(p.get('stroke-miterlimit') ?? []).map((v) => Math.abs(parseFloat(v)) / 4).filter(Number.isFinite));
        c.segments += g.segments * Math.min(STROKE_WIDTH_CAP, (width * miter * canvas.px) / STROKE_PX_PER_SEGMENT);
      }
      c.length += g.length;
      addCost(c, inherited(p, MARKABLE.has(el.name) ? g.segments : -1, g.length, g.exact));
    } else if (el.name === 'text') {
      const chars = textOf(el).length;
      // Characters placed one by one (x, y, dx, dy, rotate lists) are shaped one by one: 1,900 took 0.5 s.
      c.textChars += chars + TEXT_POSITIONED_EXTRA * Math.min(chars, positioned(el));
      // Dashes follow every glyph outline (about 4 em each): 200 dashed characters took 0.9 s.
      const stroked = (p.get('stroke') ?? []).some((v) => v !== 'none');
      const em = Math.max(0, ...(p.get('font-size') ?? []).map((v) => Math.abs(parseLength(v))).filter(Number.isFinite)) || 16;
      addCost(c, inherited(p, -1, stroked ? chars * 4 * em : 0));
      // Glyphs placed along a <textPath> walk its path: 1,900 characters on 20,000 segments took 1.5 s.
      for (const tp of descendants(el, 'textPath')) {
        const path = target(tp.attrs.get('href') ?? '', false);
        if (path && SHAPES.has(path.name)) c.segments += (textOf(tp).length * geometry(path, Math.max(canvas.w, canvas.h)).segments) / TEXT_PATH_CHARS_PER_SEGMENT;
      }
    } else if (el.name === 'tref') {
      const t = target(el.attrs.get('href') ?? '', false);
      if (t) c.textChars += textOf(t).length;
    } else if (el.name === 'image') {
      // An SVG image is drawn at the image's size: 3500 units of a 100-unit canvas (1225 canvases) drew one blur in 0.5 s.
      const area = (parseLength(el.attrs.get('width')) * parseLength(el.attrs.get('height'))) / (canvas.w * canvas.h);
      const sub = addCost(zeroCost(), hooks.image(el.attrs.get('href') ?? '', tag(el)));
      if (area > 1) enlarge(sub, area);
      // A raster is resampled onto every pixel it covers, however few it has: 100 canvas-sized 1×1 PNGs took 3.4 s under load.
      if (sub.imagePixels > 0) c.layers += IMAGE_DRAW_LAYERS * (area >= 0 ? Math.min(1, area) : 1) + IMAGE_DRAW_FIXED_LAYERS;
      addCost(c, sub);
    }
    if (TEXT_CHUNKS.has(el.name) && p.has('font-family')) {
      c.textChars += TEXT_CHARS_PER_FAMILY * Math.max(0, ...(p.get('font-family') ?? []).map((v) => v.split(',').length - 1));
    }
    const box = viaOther === 0 && viaUses === 0 ? boxOf(el) : null;
    if (inClip === 0 && p.has('filter')) {
      for (const v of p.get('filter') ?? []) addCost(c, filterCost(v, el, box)); // each candidate counted: a superset
      // resvg-wasm traps (unreachable) once a filtered element spans ~2³¹ px: its own box, else the document's extent.
      const span = box ? Math.max(box.w, box.h) : extent();
      if (Number.isFinite(span) && span > c.filterSpan) c.filterSpan = span; // an infinite size is not drawn at all
    }
    // Offscreen layers, priced by area: canvas-sized unless the element's own box is known.
    const layer = box ? Math.min(1, box.w) * Math.min(1, box.h) : 1; // layers are clipped to the canvas
    for (const prop of inClip === 0 ? ['clip-path', 'mask'] as const : ['clip-path'] as const) {
      for (const v of p.get(prop) ?? []) {
        const t = target(v, false);
        if (t && (t.name === 'clipPath' || t.name === 'mask')) {
          c.layers += layer;
          const content = addCost(zeroCost(), referenced(t, prop, t));
          // objectBoundingBox content is drawn at the element's size: a radius-1 morphology in a mask on a
          // 100-unit rect took 1.1 s, 100 circles clipping a 10⁷-unit rect 0.74 s.
          if (t.attrs.get(t.name === 'mask' ? 'maskContentUnits' : 'clipPathUnits') === 'objectBoundingBox') {
            grow(content, box ? box.w * canvas.w * box.h * canvas.h : canvas.w * canvas.h, outputPx);
          }
          addCost(c, content);
        }
      }
    }
    // A nested <svg> clips to its viewport through a layer: 3,000 of them took 29 s on a loaded machine.
    if (el.name === 'svg' && el.parent) c.layers += layer;
    // Group opacity (7.4 ms per canvas-sized group), blend modes (3.4 ms) and isolation each draw into a layer.
    if ((p.get('opacity') ?? []).some((v) => !(parseFloat(v) >= 1))) c.layers += layer;
    if ((p.get('mix-blend-mode') ?? []).some((v) => v !== 'normal')) c.layers += layer;
    if ((p.get('isolation') ?? []).includes('isolate')) c.layers += layer;
    return c;
  };

  /** Paint servers, markers and dashes of a drawn shape (or of everything a <use> draws). */
  const inherited = (p: Map<string, string[]>, segments: number, length: number, exact = false): Cost => {
    const c = zeroCost();
    if (p.size === 0 || inClip > 0) return c; // a clipPath child is painted black, without markers or dashes
    for (const prop of ['fill', 'stroke'] as const) addCost(c, maxOf((p.get(prop) ?? []).map((v) => paintCost(v, prop))));
    if (segments >= 0) {
      for (const [prop, times] of [['marker-start', 1], ['marker-end', 1], ['marker-mid', Math.max(0, segments - 2)]] as const) {
        const markers = (p.get(prop) ?? []).map((v) => target(v, false)).filter((t) => t?.name === 'marker') as XmlElement[];
        if (markers.length === 0) continue;
        const strokeWidth = Math.max(1, ...(p.get('stroke-width') ?? []).map((v) => Math.abs(parseLength(v)) || 1));
        addCost(c, maxOf(markers.map((m) => markerCost(m, strokeWidth))), times);
      }
    }
    // Font-relative dash lengths take the smallest font size that may apply.
    const em = Math.min(16, ...(p.get('font-size') ?? []).map((v) => Math.abs(parseLength(v))).filter((v) => v > 0));
    const periods = (p.get('stroke-dasharray') ?? []).map((v) => dashPeriod(v, em, Math.hypot(canvas.w, canvas.h) / Math.SQRT2)).filter((x) => x > 0);
    if (periods.length > 0 && length > 0) {
      const dashes = length / Math.min(...periods);
      // An exact length over the cap means no dashing at all; an upper bound may hide a count just under it.
      if (!(exact && dashes > MAX_DASHES)) c.segments += Math.min(MAX_DASHES, dashes);
    }
    return c;
  };

  const paintCost = (value: string, prop: 'fill' | 'stroke'): Cost => {
    const c = zeroCost();
    let t = target(value, false);
    const named = t;
    const seen = new Set<XmlElement>();
    let tile: number | undefined; // the tile size comes from the first pattern that sets one
    for (let hops = 0; t && !seen.has(t); hops++) { // resvg ignores an href that loops back
      seen.add(t);
      if (hops >= L.maxReferenceDepth) refuse('too-deep', `paint server href templates chain more than ${L.maxReferenceDepth} levels deep; the limit is ${L.maxReferenceDepth} (maxReferenceDepth)`, tag(t), 'maxReferenceDepth');
      if (t.name === 'pattern') {
        tile ??= tileCanvases(t) * areaScaleOf(t.attrs.get('patternTransform'));
        const content = t.children.some((k) => isSvg(k)) ? t : undefined;
        if (content) {
          c.layers += Math.max(1, tile); // a tile smaller than the canvas still costs a layer
          c.tiles += tile;
          c.tileCount++;
          const drawnContent = addCost(zeroCost(), referenced(content, prop, named));
          grow(drawnContent, contentScale(t) * areaScaleOf(t.attrs.get('patternTransform')), outputPx);
          return addCost(c, drawnContent);
        }
      } else if (t.name === 'linearGradient' || t.name === 'radialGradient') {
        const stops = t.children.filter((k) => k.name === 'stop').length;
        if (stops > 0) { c.stopFills += stops; return c; }
      } else return c;
      t = target(t.attrs.get('href') ?? '', false); // templates: stops or content come from href
    }
    return c;
  };

  /**
   * A pattern tile's area in canvases: resvg renders the whole tile offscreen,
   * so a 10⁴-unit tile took 6.9 s. objectBoundingBox fractions are taken of a canvas-sized box.
   */
  const tileCanvases = (t: XmlElement): number => {
    const w = t.attrs.get('width'), h = t.attrs.get('height');
    if (w === undefined || h === undefined) return 1;
    const user = t.attrs.get('patternUnits') === 'userSpaceOnUse';
    const side = (raw: string, whole: number): number => (/%\s*$/.test(raw) ? parseFloat(raw) / 100 : parseLength(raw) / (user ? whole : 1));
    const area = Math.abs(side(w, canvas.w) * side(h, canvas.h));
    return Number.isFinite(area) ? area : Number.isNaN(area) ? 1 : Infinity;
  };

  /**
   * How much a pattern scales its content (before patternTransform): viewBox to tile, or the box for
   * objectBoundingBox content units. A 0.1-unit viewBox on a canvas-sized tile drew a nested pattern's
   * 10-unit tiles 1000 times larger (1.3 s, 2 GB).
   */
  const contentScale = (t: XmlElement): number => {
    const vb = parseNumbers(t.attrs.get('viewBox'));
    const user = t.attrs.get('patternUnits') === 'userSpaceOnUse';
    const side = (k: 'width' | 'height', whole: number): number => {
      const raw = t.attrs.get(k) ?? '0';
      return /%\s*$/.test(raw) ? (parseFloat(raw) / 100) * whole : parseLength(raw) * (user ? 1 : whole);
    };
    const s = vb.length === 4 ? (side('width', canvas.w) / (vb[2] ?? 1)) * (side('height', canvas.h) / (vb[3] ?? 1))
      : t.attrs.get('patternContentUnits') === 'objectBoundingBox' ? canvas.w * canvas.h : 1;
    return Number.isNaN(s) ? 1 : Math.abs(s);
  };

  /**
   * A marker instance draws through a clip of the marker's viewport: priced as a layer of that size
   * (canvas-sized at most). 400 instances of a 10⁵-unit marker took 2.8 s; 10,000 small ones 0.28 s.
   */
  const markerCost = (m: XmlElement, strokeWidth: number): Cost => {
    const s = m.attrs.get('markerUnits') === 'userSpaceOnUse' ? 1 : strokeWidth;
    const side = (k: string): number => parseLength(m.attrs.get(k) ?? '3') * s;
    const area = Math.abs(side('markerWidth') * side('markerHeight')) / (canvas.w * canvas.h);
    const c = addCost(zeroCost(), referenced(m, 'marker', m));
    // Its content is scaled by stroke-width and the viewBox: a radius-1 morphology under stroke-width 30 took 4 s.
    const vb = parseNumbers(m.attrs.get('viewBox'));
    const content = vb.length === 4 ? (side('markerWidth') / (vb[2] ?? 1)) * (side('markerHeight') / (vb[3] ?? 1)) : s * s;
    grow(c, Math.abs(content), outputPx);
    c.layers += Number.isFinite(area) ? Math.min(1, area) : 1;
    return c;
  };

  /**
   * The element's box as fractions of the canvas, for a plain rect/circle/ellipse with no transform
   * on it or any ancestor; null (priced as canvas-sized) otherwise.
   */
  const boxOf = (el: XmlElement): Box | null => {
    for (let a: XmlElement | null = el; a; a = a.parent) {
      if (a.attrs.has('transform') || (a.name === 'svg' && a.parent)) return null;
    }
    const v = (k: string): number => parseLength(el.attrs.get(k) ?? '0');
    const [w, h] = el.name === 'rect' ? [v('width'), v('height')]
      : el.name === 'circle' ? [2 * v('r'), 2 * v('r')]
      : el.name === 'ellipse' ? [2 * v('rx'), 2 * v('ry')] : [NaN, NaN];
    if (!(w >= 0 && h >= 0)) return null; // percentages, units unknown, NaN
    // Not clamped to the canvas: resvg filters a region up to ~16 canvases (regionOf caps it), and a
    // 10⁴-unit rect's blur took 0.38 s where a canvas-sized one takes 20 ms.
    return { w: w / canvas.w, h: h / canvas.h };
  };

  return drawn(root, 'child');
}

const maxOf = (costs: Cost[]): Cost => costs.reduce((a, b) => (weight(b) > weight(a) ? b : a), zeroCost());
const weight = (c: Cost): number => estimatedMs(c, 1);

