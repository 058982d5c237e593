// Rule rewards: cheap, deterministic terms computed from the program text (and, for the blank
// check, the rendered pixels). Each term is a pure function returning a RuleResult; RULES is the
// frozen registry the UI's rule table is built from; evaluateRules runs them all on one parse.
// Sources: SGP-RL (text elements → reward 0, length term clamp(1 − len/6000)), Visual-ERM
// (blank render → minimum reward), Visual-SDPO / GeoSVG-RL (content outside the canvas).

import { boxOfPoints, canvasOf, multiply, parseLength, parseTransform, shapeBox, type Box, type Matrix, IDENTITY } from '../program/geometry.ts';
import type { Pixels } from '../render/rasterize.ts';
import { inkFraction } from '../render/canvas.ts';
import { countTextElements, TEXT_ELEMENTS } from '../program/text.ts';
import { localName, parseSvg, type ParseResult, type ParsedSvg, type SvgNode } from '../program/svg-tree.ts';

export type RuleStatus = 'pass' | 'fail' | 'skip';

export interface RuleResult {
  id: RuleId;
  status: RuleStatus;
  /** The measured quantity, in the unit the explanation names (count, chars, fraction, 0/1). */
  value: number;
  /** The term as a reward in [0, 1] (0 when skipped). */
  score: number;
  /** One short sentence for people: what was measured and against what. */
  explanation: string;
}


export interface RuleConfig {
  /** Longer programs are not parsed (10 MB took 6 s on the main thread); the renderer refuses them too. */
  maxChars: number;
  /** Above this many elements a program counts as bloated (SGP programs are tens of elements). */
  maxElements: number;
  /** SGP-RL length term: clamp(1 − chars/lengthScale). */
  lengthScale: number;
  /** A channel darker than 255 − whiteTolerance (after compositing on white) counts as ink. */
  whiteTolerance: number;
  /** Below this fraction of ink pixels the render counts as blank. */
  minInkFraction: number;
  /** Shapes may overhang the canvas by this fraction of its size before counting as outside. */
  canvasTolerance: number;
}

export const DEFAULT_RULE_CONFIG: Readonly<RuleConfig> = Object.freeze({
  maxChars: 512 * 1024,
  maxElements: 1000,
  lengthScale: 6000,
  whiteTolerance: 8,
  minInkFraction: 0.002,
  canvasTolerance: 0.02,
});

type Outcome = Omit<RuleResult, 'id'>;
const outcome = (pass: boolean, value: number, score: number, explanation: string): Outcome =>
  ({ status: pass ? 'pass' : 'fail', value, score, explanation });
const skip = (explanation: string): Outcome => ({ status: 'skip', value: NaN, score: 0, explanation });

/** Well-formed XML with one root element. */
export function wellFormed(parsed: ParseResult): Outcome {
  if (parsed.ok) return outcome(true, 1, 1, 'well-formed XML with one root element');
  const { message, line, col } = parsed.problem;
  return outcome(false, 0, 0, `not well-formed XML${line ? ` (line ${line}${col ? `, col ${col}` : ''})` : ''}: ${message}`);
}

/** SGP-RL bans text elements (writing the prompt as text fools CLIP-style scores). */
export function noText(svg: string, parsed: ParseResult): Outcome {
  const count = parsed.ok
    ? parsed.tree.elements.filter((e) => TEXT_ELEMENTS.has(localName(e))).length
    : countTextElements(svg);
  return count === 0
    ? outcome(true, 0, 1, 'no <text>, <tspan> or <textPath> elements')
    : outcome(false, count, 0, `${count} text element(s) (<text>/<tspan>/<textPath>); SGP-RL gives such programs reward 0`);
}

export function elementCount(parsed: ParseResult, config: RuleConfig): Outcome {
  if (!parsed.ok) return skip('cannot count elements: the program is not well-formed XML');
  const n = parsed.tree.elements.length;
  if (n < 2) return outcome(false, n, 0, 'only the root element: nothing is drawn');
  if (n > config.maxElements) return outcome(false, n, 0, `${n} elements; more than ${config.maxElements} is bloated`);
  return outcome(true, n, 1, `${n} elements (limit ${config.maxElements})`);
}

/** SGP-RL length term: shorter programs score higher, 0 at lengthScale characters. */
export function programLength(svg: string, config: RuleConfig): Outcome {
  const score = Math.min(1, Math.max(0, 1 - svg.length / config.lengthScale));
  return outcome(svg.length <= config.lengthScale, svg.length, score,
    `${svg.length} characters; length term clamp(1 − ${svg.length}/${config.lengthScale}) = ${score.toFixed(3)}`);
}

/** Visual-ERM: a render with (almost) nothing on it gets the minimum reward. */
export function blankRender(pixels: Pixels | undefined, config: RuleConfig): Outcome {
  if (!pixels) return skip('no render given');
  const ink = inkFraction(pixels, config.whiteTolerance);
  return ink < config.minInkFraction
    ? outcome(false, ink, 0, `blank render: ${(ink * 100).toFixed(2)}% of pixels are not white (needs ≥ ${(config.minInkFraction * 100).toFixed(2)}%)`)
    : outcome(true, ink, 1, `${(ink * 100).toFixed(1)}% of pixels are drawn`);
}

// Subtrees that are not drawn where they stand (referenced, or not graphics at all).
const NOT_DRAWN = new Set(['defs', 'clippath', 'mask', 'pattern', 'marker', 'symbol', 'lineargradient',
  'radialgradient', 'filter', 'style', 'title', 'desc', 'metadata', 'script', 'foreignobject']);

export interface PlacedShape { node: SvgNode; box: Box }

/** Shapes with their estimated boxes in root user space (transforms of ancestors applied). */
export function placedShapes(tree: ParsedSvg): PlacedShape[] {
  const out: PlacedShape[] = [];
  const walk = (node: SvgNode, ctm: Matrix): void => {
    const name = localName(node);
    if (NOT_DRAWN.has(name) || name === 'use') return;
    let m = multiply(ctm, parseTransform(node.attrs.transform));
    if (name === 'svg' && node !== tree.root) m = multiply(m, [1, 0, 0, 1, parseLength(node.attrs.x ?? '0') || 0, parseLength(node.attrs.y ?? '0') || 0]);
    const local = shapeBox(name, node.attrs);
    if (local) {
      const box = boxOfPoints([local.x0, local.y0, local.x1, local.y0, local.x0, local.y1, local.x1, local.y1], m);
      if (box) out.push({ node, box });
    }
    for (const child of node.children) walk(child, m);
  };
  walk(tree.root, IDENTITY);
  return out;
}

/** Visual-SDPO / GeoSVG-RL defect: shapes drawn where the canvas cannot show them. */
export function insideCanvas(parsed: ParseResult, config: RuleConfig): Outcome {
  if (!parsed.ok) return skip('cannot place shapes: the program is not well-formed XML');
  const canvas = canvasOf(parsed.tree.root.attrs);
  if (!canvas) return skip('canvas unknown: the root has no viewBox and no numeric width/height');
  const shapes = placedShapes(parsed.tree);
  if (shapes.length === 0) return skip('no shapes with geometry to place');
  const tx = (canvas.x1 - canvas.x0) * config.canvasTolerance;
  const ty = (canvas.y1 - canvas.y0) * config.canvasTolerance;
  let inside = 0, outside = 0;
  for (const { box } of shapes) {
    if (box.x1 < canvas.x0 || box.x0 > canvas.x1 || box.y1 < canvas.y0 || box.y0 > canvas.y1) outside++;
    else if (box.x0 >= canvas.x0 - tx && box.x1 <= canvas.x1 + tx && box.y0 >= canvas.y0 - ty && box.y1 <= canvas.y1 + ty) inside++;
  }
  const overflow = shapes.length - inside - outside;
  const where = `the canvas ${canvas.x0} ${canvas.y0} ${canvas.x1 - canvas.x0} ${canvas.y1 - canvas.y0}`;
  return outcome(outside === 0, inside / shapes.length, inside / shapes.length,
    `${inside} of ${shapes.length} shapes inside ${where}; ${outside} entirely outside, ${overflow} overflowing its edge`);
}

export type RuleId = 'well-formed' | 'no-text' | 'element-count' | 'length' | 'blank-render' | 'inside-canvas';

export interface RuleContext { svg: string; parsed: ParseResult; pixels: Pixels | undefined; config: RuleConfig }

export interface RuleDef {
  id: RuleId;
  label: string;
  description: string;
  evaluate(ctx: RuleContext): Outcome;
}

const rule = (id: RuleId, label: string, description: string, evaluate: RuleDef['evaluate']): RuleDef =>
  Object.freeze({ id, label, description, evaluate });

export const RULES: Readonly<Record<RuleId, RuleDef>> = Object.freeze({
  'well-formed': rule('well-formed', 'Well-formed XML', 'The program parses as XML with a single root element; anything else cannot render.',
    (c) => wellFormed(c.parsed)),
  'no-text': rule('no-text', 'No text elements', 'SGP-RL gives 0 to programs with <text>, <tspan> or <textPath>: writing the prompt as text fools CLIP-style scores.',
    (c) => noText(c.svg, c.parsed)),
  'element-count': rule('element-count', 'Element count', 'Draws something, without bloating: at least one element under the root and at most the configured maximum.',
    (c) => elementCount(c.parsed, c.config)),
  'length': rule('length', 'Program length', 'SGP-RL length term clamp(1 − chars/6000): rewards concise programs.',
    (c) => programLength(c.svg, c.config)),
  'blank-render': rule('blank-render', 'Not blank', 'The render, composited on white, has some ink; Visual-ERM gives blank renders the minimum reward.',
    (c) => blankRender(c.pixels, c.config)),
  'inside-canvas': rule('inside-canvas', 'Inside the canvas', 'Shapes (boxes estimated from their geometry and transforms) lie on the viewBox rather than outside it.',
    (c) => insideCanvas(c.parsed, c.config)),
});

/** Runs the given rules (all by default) on one parse of the program. */
export function evaluateRules(svg: string, pixels?: Pixels, config: Partial<RuleConfig> = {}, ids: readonly RuleId[] = Object.keys(RULES) as RuleId[]): RuleResult[] {
  const full = { ...DEFAULT_RULE_CONFIG, ...config };
  const parsed: ParseResult = svg.length > full.maxChars
    ? { ok: false, problem: { message: `program too long to analyse: ${svg.length} characters; the limit is ${full.maxChars} (maxChars)` } }
    : parseSvg(svg);
  const ctx: RuleContext = { svg, parsed, pixels, config: full };
  return ids.map((id) => {
    const def = RULES[id];
    if (!def) throw new Error(`unknown rule '${String(id)}'; one of: ${Object.keys(RULES).join(', ')}`);
    return { id, ...def.evaluate(ctx) };
  });
}
