// Pre-render checks: refuse an SVG string before it reaches resvg when rendering it could take
// seconds, gigabytes or a crashed wasm instance. resvg survives scripts, remote hrefs and entity
// bombs, but not huge canvases, costly filters, reference bombs or huge images.
// Two stages: a lexical pass (bytes, elements, depth) that never builds a tree, so huge input is
// refused for the price of one scan; then the document as resvg reads it (program/normalise.ts:
// references decoded, namespaces resolved, CSS read) is priced by cost.ts, following every
// reference and counting each target once per use, against the budgets below.

import { parseLength, parseNumbers, parseViewBox } from '../program/geometry.ts';
import { declaresEntities, scanXml } from '../program/xml-scan.ts';
import { isSvg, normaliseXml, type XmlElement } from '../program/normalise.ts';
import { MAX_PARSE_DEPTH } from '../program/svg-tree.ts';
import { documentCost } from './cost.ts';
import { addCost, estimatedMs, zeroCost, type Cost } from './prices.ts';
import { gunzipCapped, isGzip, parseDataUri, readImageHeader } from './data-uri.ts';
import { LimitBreach, quote, refuse, type LimitCode, type LimitError } from './limit-error.ts';

export type { LimitCode, LimitError } from './limit-error.ts';

export interface RenderLimits {
  /** UTF-8 bytes; model programs are a few KiB, and every later step is linear in size. */
  maxBytes: number;
  /** Root width/height/viewBox side in user units; 20000² took 6 s and 1.6 GB in resvg-wasm. */
  maxSide: number;
  /** Elements in the document (lexical); each costs a tree node. */
  maxElements: number;
  /** Element nesting; deep trees overflow recursive parsers and renderers. */
  maxDepth: number;
  /** Attributes on one element; resvg's XML parser checks duplicates pairwise (5,000: 130 ms; 20,000: 1.8 s). */
  maxAttributes: number;
  /** <use> → element → <use> chain length; real drawings need a handful (resvg's own suite: ≤ 4). */
  maxUseChain: number;
  /** Any chain of references (use, href templates, url()); JS and resvg recurse along them. */
  maxReferenceDepth: number;
  /** Gaussian blur / drop-shadow stdDeviation; beyond the canvas it is flat colour, yet costs passes. */
  maxBlurStdDeviation: number;
  /** feTurbulence numOctaves; octave k adds 2^-k, so past ~10 nothing is visible in 8 bits. */
  maxTurbulenceOctaves: number;
  /** feMorphology radius; each pixel reads (2r+1)² pixels (radius 10 on one element: 443 ms). */
  maxMorphologyRadius: number;
  /** feConvolveMatrix order; the cost grows with order² per pixel (priced in cost.ts), and past 32 the kernel needs > 1000 numbers. resvg's own tests use 20. */
  maxConvolveOrder: number;
  /** Filter primitives (fe*) in the document; each one is a full-region pass. */
  maxFilterPrimitives: number;
  /** Characters inside text elements as written; shaping one run grows faster than linearly (200 KB of text: 53 s). */
  maxTextChars: number;
  /** <text>/<tspan>/<textPath> elements; each chunk costs a font lookup (~2–4 ms natively). */
  maxTextElements: number;
  /** SVG images embedded as data: URIs are checked recursively down to this depth. */
  maxNestedSvgDepth: number;
  /** Elements drawn, every use, pattern tile, mask, clip and marker instance counted (a full-canvas shape: 0.12 ms). */
  maxDrawnNodes: number;
  /** Path segments and dashes stroked, over every use (200,000 stroked segments: 0.45 s idle, 1.4 s under load). */
  maxSegmentsDrawn: number;
  /** Text characters drawn, over every use (19,000 through 10 uses: 1.6 s under load; 2,000 through 5,000 uses: 10^7). */
  maxTextCharsDrawn: number;
  /** Gradient stops × shapes painted with them (a 2,000-stop full-canvas fill: 41 ms). */
  maxGradientStopFills: number;
  /** Canvas-sized offscreen layers: mask, clip-path, pattern, opacity and blend-mode uses (3–7 ms each at 224 px). */
  maxLayers: number;
  /** Filter work in estimated ms at 224 px: region area × per-primitive price, over every use (cost.ts FILTER_MS). */
  maxFilterMs: number;
  /** Pixels of one raster data: image; an 8000×8000 PNG is 256 MB decoded, from a few hundred bytes. */
  maxImagePixels: number;
  /** Raster pixels decoded over every use of every image. */
  maxImagePixelsDrawn: number;
  /** An SVG data: URI that is gzipped (svgz) may inflate to this many bytes (gzip bombs reach 1000:1). */
  maxInflatedBytes: number;
  /** CSS declarations matched to elements while reading styles; selector × element matching is quadratic. */
  maxStyleMatches: number;
  /**
   * Selector tests resvg's CSS matcher may run (cost.ts): every rule on every element (5,000 rules ×
   * 10,000 elements took 5.6 s), times the ancestor subsets a descendant selector backtracks over
   * (`a g g … g rect`, 25 combinators, on 60 nested groups never finished).
   */
  maxSelectorTests: number;
  /** Pixels a filtered element may span; resvg-wasm traps (unreachable) near 2³¹ (10⁹ px rendered, 4.5·10⁹ trapped). */
  maxFilterSpanPx: number;
  /** xmlns declarations; the XML reader copies the namespaces in scope at each declaring element (90 on each of 250 nested groups never finished). */
  maxNamespaces: number;
  /**
   * The whole document's estimated render time in ms (cost.ts UNIT_MS, measured on an idle machine).
   * The target is an answer within 1 s; on a loaded machine resvg runs about 2× slower than priced.
   * resvg's own test suite peaks at 272 (filters/filter/huge-region.svg).
   */
  maxRenderMs: number;
}

export const DEFAULT_LIMITS: Readonly<RenderLimits> = Object.freeze({
  maxBytes: 512 * 1024,
  maxSide: 8192,
  maxElements: 20_000,
  maxDepth: MAX_PARSE_DEPTH,
  maxAttributes: 1000,
  maxUseChain: 16,
  maxReferenceDepth: 64,
  maxBlurStdDeviation: 500,
  maxTurbulenceOctaves: 10,
  maxMorphologyRadius: 100,
  maxConvolveOrder: 32,
  maxFilterPrimitives: 200,
  maxTextChars: 2000,
  maxTextElements: 100,
  maxNestedSvgDepth: 2,
  maxDrawnNodes: 3_000,
  maxSegmentsDrawn: 130_000,
  maxTextCharsDrawn: 13_000,
  maxGradientStopFills: 16_000,
  maxLayers: 100,
  maxFilterMs: 300,
  maxImagePixels: 2048 * 2048,
  maxImagePixelsDrawn: 4 * 2048 * 2048,
  maxInflatedBytes: 512 * 1024,
  maxStyleMatches: 200_000,
  maxSelectorTests: 2_000_000,
  maxNamespaces: 200,
  maxFilterSpanPx: 1e9,
  maxRenderMs: 400,
});

export type LimitCheck = { ok: true; estimatedMs: number } | { ok: false; error: LimitError };

/** Defaults with overrides applied; throws on an override that is not a positive number. */
export function resolveLimits(overrides: Partial<RenderLimits> = {}): RenderLimits {
  const limits = { ...DEFAULT_LIMITS, ...overrides };
  for (const [key, value] of Object.entries(limits)) {
    if (!(key in DEFAULT_LIMITS)) throw new Error(`unknown render limit '${key}'; one of: ${Object.keys(DEFAULT_LIMITS).join(', ')}`);
    if (typeof value !== 'number' || !(value > 0)) throw new Error(`render limit ${key} must be a positive number, got ${String(value)}`);
  }
  return limits;
}

/** The render size the measured prices refer to; larger outputs scale pixel-bound work by area. */
const PRICED_SIZE = 224;

/**
 * Checks an SVG string against the limits; the first breach found is returned. `outputSize` is the
 * side of the render in px: filters, layers and fills cost in proportion to its area.
 */
export function checkLimits(svg: string, overrides: Partial<RenderLimits> = {}, outputSize = PRICED_SIZE): LimitCheck {
  const limits = resolveLimits(overrides);
  const areaScale = Math.max(1, (outputSize / PRICED_SIZE) ** 2);
  try {
    const cost = check(svg, limits, 0, outputSize);
    return { ok: true, estimatedMs: estimatedMs(cost, areaScale) };
  } catch (e) {
    if (e instanceof LimitBreach) return { ok: false, error: e.error };
    throw e;
  }
}

const ROOT_SVG = /<(?:[\w.-]+:)?svg[\s/>]/;

function check(svg: string, L: RenderLimits, nesting: number, outputSize: number): Cost {
  const areaScale = Math.max(1, (outputSize / PRICED_SIZE) ** 2);
  // Each UTF-16 unit is at least one UTF-8 byte: long input is refused without counting bytes.
  if (svg.length > L.maxBytes) refuse('too-many-bytes', `input is ${svg.length} characters (at least as many bytes); the limit is ${L.maxBytes} bytes (maxBytes)`, undefined, 'maxBytes');
  const bytes = utf8Length(svg);
  if (bytes > L.maxBytes) refuse('too-many-bytes', `input is ${bytes} bytes; the limit is ${L.maxBytes} (maxBytes)`, undefined, 'maxBytes');
  if (svg.trim() === '') refuse('empty', 'input is empty; expected an SVG document such as <svg xmlns="http://www.w3.org/2000/svg" …>');
  if (declaresEntities(svg)) refuse('entities', 'DOCTYPE internal subsets and ENTITY declarations are refused (entity bombs, external files); SVG programs need none', '<!DOCTYPE>');
  if (!ROOT_SVG.test(svg)) refuse('not-svg', 'no <svg> element found; expected a document whose root is <svg …>');
  lexicalCheck(svg, L);

  const doc = normaliseXml(svg, L.maxElements);
  const root = doc.root;
  if (!root || root.name !== 'svg' || !isSvg(root)) {
    refuse('not-svg', `the root element is <${quote(root?.qname ?? '', 30)}>${root && root.ns ? ` in namespace ${quote(root.ns, 40)}` : ''}; expected <svg> in the SVG namespace`);
  }
  const canvas = checkCanvas(root, L);
  checkElements(doc.elements, L);

  const images = new Map<string, Cost>();
  const cost = documentCost(doc, L, { ...canvas, px: outputSize / Math.max(canvas.w, canvas.h) }, {
    image: (href, at) => {
      let c = images.get(href);
      if (!c) images.set(href, (c = imageCost(href, at, L, nesting, outputSize)));
      return c;
    },
    budget: (c, at, mostly) => checkBudgets(c, L, areaScale, outputSize, at, mostly),
  });
  return cost;
}

/** Element count and depth from one scan of the text, before any tree is built. */
function lexicalCheck(svg: string, L: RenderLimits): void {
  let elements = 0;
  let depth = 0;
  let namespaces = 0;
  scanXml(svg, (t) => {
    if (t.kind === 'close') { depth--; return; }
    if (t.kind !== 'open') return;
    if (++elements > L.maxElements) refuse('too-many-elements', `the document has more than ${L.maxElements} elements; the limit is ${L.maxElements} (maxElements)`, undefined, 'maxElements');
    if (countEquals(t.attrs) > L.maxAttributes && (t.attrs.match(ATTRIBUTE)?.length ?? 0) > L.maxAttributes) {
      refuse('too-many-attributes', `an element has more than ${L.maxAttributes} attributes; the limit is ${L.maxAttributes} (maxAttributes)`, `<${quote(t.name, 30)}>`, 'maxAttributes');
    }
    if (t.attrs.includes('xmlns') && (namespaces += t.attrs.match(/(?:^|\s)xmlns[\s:=]/g)?.length ?? 0) > L.maxNamespaces) {
      refuse('too-many-attributes', `the document declares more than ${L.maxNamespaces} XML namespaces (xmlns…); the limit is ${L.maxNamespaces} (maxNamespaces)`, `<${quote(t.name, 30)}>`, 'maxNamespaces');
    }
    if (!t.selfClosing && ++depth > L.maxDepth) refuse('too-deep', `elements nest more than ${L.maxDepth} levels deep; the limit is ${L.maxDepth} (maxDepth)`, `<${quote(t.name, 30)}>`, 'maxDepth');
  });
}

const ATTRIBUTE = /[^\s=]+\s*=\s*(?:"[^"]*"|'[^']*')/g;
/** An upper bound on the attributes in a tag's text, without a regex. */
function countEquals(s: string): number {
  let n = 0;
  for (let i = s.indexOf('='); i >= 0; i = s.indexOf('=', i + 1)) n++;
  return n;
}

function checkCanvas(root: XmlElement, L: RenderLimits): { w: number; h: number } {
  const size: Record<'width' | 'height', number> = { width: NaN, height: NaN };
  for (const side of ['width', 'height'] as const) {
    const raw = root.attrs.get(side);
    if (raw === undefined || raw.trim().endsWith('%')) continue;
    const v = parseLength(raw);
    if (!Number.isFinite(v) || v <= 0) refuse('bad-dimension', `root ${side}="${quote(raw, 40)}" is not a positive finite length; write e.g. ${side}="256"`, '<svg>');
    if (v > L.maxSide) refuse('canvas-too-large', `root ${side} is ${v} user units; the limit is ${L.maxSide} per side (maxSide)`, '<svg>', 'maxSide');
    size[side] = v;
  }
  const raw = root.attrs.get('viewBox');
  if (raw === undefined) return { w: size.width || 100, h: size.height || 100 };
  const vb = parseViewBox(raw);
  const w = vb ? vb.x1 - vb.x0 : NaN;
  const h = vb ? vb.y1 - vb.y0 : NaN;
  if (!vb || ![vb.x0, vb.y0, w, h].every(Number.isFinite) || w <= 0 || h <= 0) {
    refuse('bad-dimension', `root viewBox="${quote(raw, 40)}" needs four finite numbers with positive width and height, e.g. viewBox="0 0 256 256"`, '<svg>');
  }
  if (Math.max(w, h) > L.maxSide) refuse('canvas-too-large', `root viewBox is ${w}×${h} user units; the limit is ${L.maxSide} per side (maxSide)`, '<svg>', 'maxSide');
  return { w, h };
}

const TEXT_CONTENT = new Set(['text', 'tspan', 'textPath', 'tref']);

/** Per-element values resvg does not bound: filter parameters, text as written. */
function checkElements(elements: XmlElement[], L: RenderLimits): void {
  let primitives = 0;
  let textElements = 0;
  let textChars = 0;
  for (const el of elements) {
    if (!isSvg(el)) continue;
    const at = (): string => `<${quote(el.qname, 30)}${el.attrs.has('id') ? ` id="${quote(el.attrs.get('id') ?? '', 30)}"` : ''}>`;
    if (TEXT_CONTENT.has(el.name)) {
      if (++textElements > L.maxTextElements) refuse('costly-text', `the document has more than ${L.maxTextElements} <text>/<tspan>/<textPath> elements; the limit is ${L.maxTextElements} (maxTextElements)`, at(), 'maxTextElements');
      if ((textChars += el.text.length) > L.maxTextChars) refuse('costly-text', `text elements hold more than ${L.maxTextChars} characters; the limit is ${L.maxTextChars} (maxTextChars)`, at(), 'maxTextChars');
    }
    if (!el.name.startsWith('fe')) continue;
    if (++primitives > L.maxFilterPrimitives) refuse('costly-filter', `the document has more than ${L.maxFilterPrimitives} filter primitives; the limit is ${L.maxFilterPrimitives} (maxFilterPrimitives)`, at(), 'maxFilterPrimitives');
    const over = (attr: string, limit: number, key: keyof RenderLimits): void => {
      const values = parseNumbers(el.attrs.get(attr)).map(Math.abs);
      const v = values.some(Number.isNaN) ? NaN : Math.max(0, ...values);
      if (!(v <= limit)) refuse('costly-filter', `${attr}=${v} is too costly to render; the limit is ${limit} (${key})`, at(), key);
    };
    if (el.name === 'feGaussianBlur' || el.name === 'feDropShadow') over('stdDeviation', L.maxBlurStdDeviation, 'maxBlurStdDeviation');
    else if (el.name === 'feTurbulence') over('numOctaves', L.maxTurbulenceOctaves, 'maxTurbulenceOctaves');
    else if (el.name === 'feMorphology') over('radius', L.maxMorphologyRadius, 'maxMorphologyRadius');
    else if (el.name === 'feConvolveMatrix') over('order', L.maxConvolveOrder, 'maxConvolveOrder');
  }
}

/** Each budget in turn, then the total; the message names the budget and the work counted. */
const BUDGETS: readonly [keyof Cost, keyof RenderLimits, LimitCode, string][] = [
  ['nodes', 'maxDrawnNodes', 'costly-drawing', 'elements drawn (every use, pattern, mask, clip and marker instance)'],
  ['segments', 'maxSegmentsDrawn', 'costly-drawing', 'path segments and dashes drawn'],
  ['textChars', 'maxTextCharsDrawn', 'costly-text', 'text characters drawn (every use counted)'],
  ['stopFills', 'maxGradientStopFills', 'costly-paint', 'gradient stops × shapes painted'],
  ['imagePixels', 'maxImagePixelsDrawn', 'costly-image', 'raster image pixels decoded'],
  ['layers', 'maxLayers', 'costly-paint', 'canvas-sized layers (mask, clip-path, pattern, opacity, blend mode, raster image)'],
  ['filterMs', 'maxFilterMs', 'costly-filter', 'ms of estimated filter work (region × primitive price, every use)'],
];

/** The cost of what `at` draws (itself, its subtree, all it references) against each budget, then the total. */
function checkBudgets(c: Cost, L: RenderLimits, areaScale: number, outputSize: number, at: string, mostly: () => string): void {
  const why = (): string => { const m = mostly(); return m ? ` (${m})` : ''; };
  for (const [field, key, code, what] of BUDGETS) {
    const value = field === 'filterMs' ? c.filterMs * areaScale : c[field];
    if (!(value <= L[key])) refuse(code, `${fmt(value)} ${what}${why()}; the limit is ${L[key]} (${key})`, at, key);
  }
  // resvg-wasm 2.6.2 traps on a filter region near 2³¹ px (a blurred rect 2·10⁹ units wide, or 50 units under scale(10⁸)).
  if (!(c.filterSpan * outputSize <= L.maxFilterSpanPx)) {
    refuse('costly-filter', `a filtered element may span ${fmt(c.filterSpan * outputSize)} px at this render size, where resvg-wasm traps; the limit is ${fmt(L.maxFilterSpanPx)} (maxFilterSpanPx)`, at, 'maxFilterSpanPx');
  }
  const ms = estimatedMs(c, areaScale);
  if (!(ms <= L.maxRenderMs)) refuse('costly-render', `its estimated render time is ${fmt(ms)} ms${why()}; the limit is ${L.maxRenderMs} (maxRenderMs)`, at, 'maxRenderMs');
}

const fmt = (v: number): string => (v >= 1e6 ? v.toExponential(2) : String(Math.round(v)));

/** A data: URI image: raster headers against the pixel limit, SVG (plain or gzipped) checked recursively. */
function imageCost(href: string, at: string, L: RenderLimits, nesting: number, outputSize: number): Cost {
  let uri;
  try {
    uri = parseDataUri(href);
  } catch (e) {
    return refuse('bad-data-uri', `its data: URI cannot be decoded (${(e as Error).message}); encode it as base64 or percent-encoding`, at);
  }
  if (!uri) return zeroCost(); // external files: resvg in the app loads none
  const header = readImageHeader(uri.bytes);
  if (header) {
    const px = header.width * header.height;
    if (px > L.maxImagePixels) refuse('costly-image', `a ${header.format.toUpperCase()} data: image of ${header.width}×${header.height} pixels; the limit is ${L.maxImagePixels} pixels (maxImagePixels)`, at, 'maxImagePixels');
    return { ...zeroCost(), imagePixels: px };
  }
  let bytes = uri.bytes;
  if (isGzip(bytes)) {
    try {
      bytes = gunzipCapped(bytes, L.maxInflatedBytes);
    } catch (e) {
      return refuse('nested-svg', `its gzipped data: URI ${(e as Error).message}; the limit is ${L.maxInflatedBytes} bytes (maxInflatedBytes)`, at, 'maxInflatedBytes');
    }
  }
  const text = new TextDecoder().decode(bytes);
  if (!ROOT_SVG.test(text)) return zeroCost(); // neither raster nor SVG: resvg draws nothing
  if (nesting + 1 > L.maxNestedSvgDepth) refuse('nested-svg', `SVG data: URI images nest more than ${L.maxNestedSvgDepth} levels deep; the limit is ${L.maxNestedSvgDepth} (maxNestedSvgDepth)`, at, 'maxNestedSvgDepth');
  return addCost(zeroCost(), check(text, L, nesting + 1, outputSize));
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) { n += 4; i++; }
    else n += 3;
  }
  return n;
}
