// Pre-render checks: refuse an SVG string before it reaches resvg when rendering it could take
// seconds, gigabytes or a crashed wasm instance (resvg survives scripts,
// remote hrefs and entity bombs, but not huge canvases, costly filters or <use> bombs).
// One pass of the lenient tokenizer — no tree, no entity expansion — so the check costs far
// less than the render it guards. The first breach found is returned.

import { parseLength, parseNumbers, parseViewBox } from '../program/geometry.ts';
import { declaresEntities, parseAttributes, scanXml } from '../program/xml-scan.ts';
import { MAX_PARSE_DEPTH } from '../program/svg-tree.ts';
import { TEXT_ELEMENTS } from '../program/text.ts';

export interface RenderLimits {
  /** UTF-8 bytes; model programs are a few KiB, and every later step is linear in size. */
  maxBytes: number;
  /** Root width/height/viewBox side in user units; 20000² took 6 s and 1.6 GB in resvg-wasm. */
  maxSide: number;
  /** Elements in the document; each costs a tree node and a render pass. */
  maxElements: number;
  /** Element nesting; deep trees overflow recursive parsers and renderers. */
  maxDepth: number;
  /** Elements after expanding every <use>; nested uses grow exponentially (use bombs). */
  maxUseExpansion: number;
  /** <use> → element → <use> chain length; real drawings need a handful. */
  maxUseChain: number;
  /** Gaussian blur / drop-shadow stdDeviation; beyond the canvas it is flat colour, yet costs passes. */
  maxBlurStdDeviation: number;
  /** feTurbulence numOctaves; octave k adds 2^-k, so past ~10 nothing is visible in 8 bits. */
  maxTurbulenceOctaves: number;
  /** feMorphology radius; the cost grows with the radius per pixel. */
  maxMorphologyRadius: number;
  /** feConvolveMatrix order; the cost grows with order² per pixel. */
  maxConvolveOrder: number;
  /** Filter primitives (fe*) in the document; each one is a full-canvas pass. */
  maxFilterPrimitives: number;
  /** Elements with a filter; each renders its own offscreen pass (5000 blurred circles: 28 s). */
  maxFilteredElements: number;
  /** Characters inside text elements; shaping grows faster than linearly (200 KB of text: 53 s). */
  maxTextChars: number;
  /** <text>/<tspan>/<textPath> elements; each chunk costs a font lookup (~2–4 ms natively). */
  maxTextElements: number;
  /** SVG images embedded as data: URIs are checked recursively down to this depth. */
  maxNestedSvgDepth: number;
}

export const DEFAULT_LIMITS: Readonly<RenderLimits> = Object.freeze({
  maxBytes: 512 * 1024,
  maxSide: 8192,
  maxElements: 20_000,
  maxDepth: MAX_PARSE_DEPTH,
  maxUseExpansion: 50_000,
  maxUseChain: 16,
  maxBlurStdDeviation: 500,
  maxTurbulenceOctaves: 10,
  maxMorphologyRadius: 100,
  maxConvolveOrder: 9,
  maxFilterPrimitives: 200,
  maxFilteredElements: 32,
  maxTextChars: 2000,
  maxTextElements: 100,
  maxNestedSvgDepth: 2,
});

export type LimitCode =
  | 'empty' | 'too-many-bytes' | 'not-svg' | 'entities' | 'bad-dimension' | 'canvas-too-large'
  | 'too-many-elements' | 'too-deep' | 'use-bomb' | 'use-cycle' | 'costly-filter' | 'costly-text' | 'nested-svg';

export interface LimitError {
  code: LimitCode;
  /** What was wrong and what the limit is, for people. */
  message: string;
}

export type LimitCheck = { ok: true } | { ok: false; error: LimitError };

/** Defaults with overrides applied; throws on an override that is not a positive number. */
export function resolveLimits(overrides: Partial<RenderLimits> = {}): RenderLimits {
  const limits = { ...DEFAULT_LIMITS, ...overrides };
  for (const [key, value] of Object.entries(limits)) {
    if (!(key in DEFAULT_LIMITS)) throw new Error(`unknown render limit '${key}'; one of: ${Object.keys(DEFAULT_LIMITS).join(', ')}`);
    if (typeof value !== 'number' || !(value > 0)) throw new Error(`render limit ${key} must be a positive number, got ${String(value)}`);
  }
  return limits;
}

class Breach extends Error {
  constructor(readonly error: LimitError) { super(error.message); }
}
const fail = (code: LimitCode, message: string): never => { throw new Breach({ code, message }); };

/** Checks an SVG string against the limits; the first breach found is returned. */
export function checkLimits(svg: string, overrides: Partial<RenderLimits> = {}): LimitCheck {
  const limits = resolveLimits(overrides);
  try {
    check(svg, limits, 0);
    return { ok: true };
  } catch (e) {
    if (e instanceof Breach) return { ok: false, error: e.error };
    throw e;
  }
}

function check(svg: string, L: RenderLimits, nesting: number): void {
  // Each UTF-16 unit is at least one UTF-8 byte: long input is refused without counting bytes.
  if (svg.length > L.maxBytes) fail('too-many-bytes', `input is ${svg.length} characters (at least as many bytes); the limit is ${L.maxBytes} bytes (maxBytes)`);
  const bytes = utf8Length(svg);
  if (bytes > L.maxBytes) fail('too-many-bytes', `input is ${bytes} bytes; the limit is ${L.maxBytes} (maxBytes)`);
  if (svg.trim() === '') fail('empty', 'input is empty; expected an SVG document such as <svg xmlns="http://www.w3.org/2000/svg" …>');
  if (declaresEntities(svg)) fail('entities', 'DOCTYPE internal subsets and ENTITY declarations are refused (entity bombs, external files); SVG programs need none');
  if (!/<svg[\s/>]/i.test(svg)) fail('not-svg', 'no <svg> element found; expected a document whose root is <svg …>');

  const parent: number[] = [];
  const ids = new Map<string, number>();
  const uses: Use[] = [];
  const hidden: boolean[] = []; // element is a container drawn only by reference (defs, symbol…)
  const nearestHidden: number[] = [];
  const open: number[] = []; // indices of the open elements
  let filters = 0;
  let filtered = 0;
  let cssFilter = false; // a <style> rule applying a filter may hit every element
  let textElements = 0;
  let textChars = 0;
  let textDepth = 0;
  let inStyle = false;
  scanXml(svg, (t) => {
    if (t.kind === 'text' || t.kind === 'cdata') {
      if (textDepth > 0 && (textChars += t.end - t.start) > L.maxTextChars) {
        fail('costly-text', `text elements hold more than ${L.maxTextChars} characters; the limit is ${L.maxTextChars} (maxTextChars)`);
      }
      if (inStyle && /filter\s*:/i.test(svg.slice(t.start, t.end))) cssFilter = true;
      return;
    }
    if (t.kind === 'close') {
      open.pop();
      const closing = localName(t.name);
      if (TEXT_ELEMENTS.has(closing)) textDepth--;
      if (closing === 'style') inStyle = false;
      return;
    }
    if (t.kind !== 'open') return;
    const index = parent.length;
    if (index >= L.maxElements) fail('too-many-elements', `the document has more than ${L.maxElements} elements; the limit is ${L.maxElements} (maxElements)`);
    const p = open[open.length - 1] ?? -1;
    parent.push(p);
    nearestHidden.push(p < 0 ? -1 : hidden[p] ? p : (nearestHidden[p] ?? -1));
    if (!t.selfClosing) {
      open.push(index);
      if (open.length > L.maxDepth) fail('too-deep', `elements nest more than ${L.maxDepth} levels deep; the limit is ${L.maxDepth} (maxDepth)`);
    }
    const name = localName(t.name);
    hidden.push(DRAWN_BY_REFERENCE.has(name));
    if (TEXT_ELEMENTS.has(name)) {
      if (++textElements > L.maxTextElements) fail('costly-text', `the document has more than ${L.maxTextElements} <text>/<tspan>/<textPath> elements; the limit is ${L.maxTextElements} (maxTextElements)`);
      if (!t.selfClosing) textDepth++;
    }
    if (name === 'style' && !t.selfClosing) inStyle = true;
    const needsAttrs = index === 0 || name.startsWith('fe') || name === 'use' || name === 'image' || t.attrs.includes('id') || t.attrs.includes('filter');
    if (!needsAttrs) return;
    const a = parseAttributes(t.attrs);
    if (/url\(/.test(a.get('filter') ?? '') || /filter\s*:/.test(a.get('style') ?? '')) filtered++;
    const id = a.get('id');
    if (id !== undefined) ids.set(id, index);
    if (index === 0) checkCanvas(a, L);
    if (name.startsWith('fe') && ++filters > L.maxFilterPrimitives) fail('costly-filter', `the document has more than ${L.maxFilterPrimitives} filter primitives; the limit is ${L.maxFilterPrimitives} (maxFilterPrimitives)`);
    checkFilter(name, a, L);
    const href = a.get('href') ?? a.get('xlink:href') ?? '';
    if (name === 'use' && href.startsWith('#')) uses.push({ at: index, target: href.slice(1), hiddenAt: nearestHidden[index] ?? -1 });
    if ((name === 'image' || name === 'feimage') && /^\s*data:image\/svg\+xml/i.test(href)) checkNested(href, L, nesting);
  });
  if (cssFilter) filtered = Math.max(filtered, parent.length);
  if (filtered > L.maxFilteredElements) {
    fail('costly-filter', `${filtered} elements have filters${cssFilter ? ' (a <style> rule sets filter:, so every element counts)' : ''}; the limit is ${L.maxFilteredElements} (maxFilteredElements)`);
  }
  checkUses(parent, ids, uses, L);
}

const DRAWN_BY_REFERENCE = new Set(['defs', 'symbol', 'clippath', 'mask', 'pattern', 'marker']);

/** A <use> at element index `at`; hiddenAt: its nearest defs-like ancestor (-1 if none). */
interface Use { at: number; target: string; hiddenAt: number }
/** Input echoed in a message is cut short: it is attacker-controlled and may be huge. */
const clip = (s: string): string => (s.length > 40 ? `${s.slice(0, 40)}…` : s);
const localName = (name: string): string => name.slice(name.indexOf(':') + 1).toLowerCase();

function checkCanvas(a: Map<string, string>, L: RenderLimits): void {
  for (const side of ['width', 'height'] as const) {
    const raw = a.get(side);
    if (raw === undefined || raw.trim().endsWith('%')) continue;
    const v = parseLength(raw);
    if (!Number.isFinite(v) || v <= 0) fail('bad-dimension', `root ${side}="${clip(raw)}" is not a positive finite length; write e.g. ${side}="256"`);
    if (v > L.maxSide) fail('canvas-too-large', `root ${side} is ${v} user units; the limit is ${L.maxSide} per side (maxSide)`);
  }
  const raw = a.get('viewBox');
  if (raw === undefined) return;
  const vb = parseViewBox(raw);
  const w = vb ? vb.x1 - vb.x0 : NaN;
  const h = vb ? vb.y1 - vb.y0 : NaN;
  if (!vb || ![vb.x0, vb.y0, w, h].every(Number.isFinite) || w <= 0 || h <= 0) {
    fail('bad-dimension', `root viewBox="${clip(raw)}" needs four finite numbers with positive width and height, e.g. viewBox="0 0 256 256"`);
  }
  if (Math.max(w, h) > L.maxSide) fail('canvas-too-large', `root viewBox is ${w}×${h} user units; the limit is ${L.maxSide} per side (maxSide)`);
}

function checkFilter(name: string, a: Map<string, string>, L: RenderLimits): void {
  const over = (attr: string, limit: number, key: keyof RenderLimits): void => {
    const v = Math.max(...parseNumbers(a.get(attr)).map(Math.abs), 0);
    if (v > limit) fail('costly-filter', `${name} ${attr}=${v} is too costly to render; the limit is ${limit} (${key})`);
  };
  if (name === 'fegaussianblur' || name === 'fedropshadow') over('stdDeviation', L.maxBlurStdDeviation, 'maxBlurStdDeviation');
  else if (name === 'feturbulence') over('numOctaves', L.maxTurbulenceOctaves, 'maxTurbulenceOctaves');
  else if (name === 'femorphology') over('radius', L.maxMorphologyRadius, 'maxMorphologyRadius');
  else if (name === 'feconvolvematrix') over('order', L.maxConvolveOrder, 'maxConvolveOrder');
}

/** An <image> holding an SVG data: URI gets the same checks, recursively, to a bounded depth. */
function checkNested(href: string, L: RenderLimits, nesting: number): void {
  if (nesting + 1 > L.maxNestedSvgDepth) fail('nested-svg', `SVG data: URI images nest more than ${L.maxNestedSvgDepth} levels deep; the limit is ${L.maxNestedSvgDepth} (maxNestedSvgDepth)`);
  const comma = href.indexOf(',');
  const meta = href.slice(0, comma);
  const payload = href.slice(comma + 1);
  let inner: string;
  try {
    inner = /;base64/i.test(meta) ? new TextDecoder().decode(Uint8Array.from(atob(payload.replace(/\s+/g, '')), (c) => c.charCodeAt(0))) : decodeURIComponent(payload);
  } catch (e) {
    return fail('nested-svg', `an <image> data:image/svg+xml URI cannot be decoded (${(e as Error).message}); encode it as base64 or percent-encoding`);
  }
  check(inner, L, nesting + 1);
}

/** Elements drawn once every <use> is replaced by its target (memoised per target, defs skipped). */
function checkUses(parent: number[], ids: Map<string, number>, uses: Use[], L: RenderLimits): void {
  if (uses.length === 0) return;
  const size = new Array<number>(parent.length).fill(1);
  for (let i = parent.length - 1; i > 0; i--) { const p = parent[i] ?? -1; if (p >= 0) size[p] = (size[p] ?? 0) + (size[i] ?? 0); }
  const memo = new Map<number, number>();
  const visiting = new Set<number>();
  // Uses are in document order and a subtree is a contiguous index range: binary-search it.
  const firstUseAtOrAfter = (i: number): number => {
    let lo = 0, hi = uses.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if ((uses[mid]?.at ?? 0) < i) lo = mid + 1; else hi = mid; }
    return lo;
  };
  const expanded = (el: number, chain: number): number => {
    const known = memo.get(el);
    if (known !== undefined) return known;
    if (visiting.has(el)) fail('use-cycle', 'a <use> refers to an element that contains it (directly or through other uses); remove the cycle');
    if (chain > L.maxUseChain) fail('use-bomb', `<use> references chain more than ${L.maxUseChain} levels deep; the limit is ${L.maxUseChain} (maxUseChain)`);
    visiting.add(el);
    let total = size[el] ?? 1;
    const endIdx = el + (size[el] ?? 1);
    for (let k = firstUseAtOrAfter(el); k < uses.length && (uses[k]?.at ?? endIdx) < endIdx; k++) {
      const use = uses[k] as Use;
      // Inside a defs-like container below el, the use is drawn only when that is referenced.
      if (use.hiddenAt > el) continue;
      const target = ids.get(use.target);
      if (target !== undefined) total += expanded(target, chain + 1);
      if (total > L.maxUseExpansion) fail('use-bomb', `<use> references expand the drawing to more than ${L.maxUseExpansion} elements; the limit is ${L.maxUseExpansion} (maxUseExpansion)`);
    }
    visiting.delete(el);
    memo.set(el, total);
    return total;
  };
  expanded(0, 0);
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
