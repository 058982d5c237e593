// One parse of an SVG program into a small element tree, shared by every rule that needs
// elements and attributes. Built on fast-xml-parser (preserveOrder keeps document order).
// Entity declarations are refused before parsing: entity expansion is exactly what hostile input
// abuses, and SVG programs never need one (a plain `<!DOCTYPE svg PUBLIC …>` line is allowed).

import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { declaresEntities, scanXml } from './xml-scan.ts';

export interface SvgNode {
  /** Tag name as written, e.g. 'svg', 'linearGradient', 'svg:rect'. */
  name: string;
  attrs: Readonly<Record<string, string>>;
  children: SvgNode[];
  /** Concatenated character data directly inside this element. */
  text: string;
  parent: SvgNode | null;
}

export interface ParsedSvg {
  root: SvgNode;
  /** Every element in document order, root first. */
  elements: SvgNode[];
}

export interface XmlProblem {
  message: string;
  line?: number;
  col?: number;
}

export type ParseResult = { ok: true; tree: ParsedSvg } | { ok: false; problem: XmlProblem };

/**
 * Well-formedness as XML: fast-xml-parser's validator, plus the two things it lets through —
 * more than one root element and non-blank text outside the root — and no DOCTYPE.
 */
export function checkWellFormed(svg: string): XmlProblem | null {
  if (svg.trim() === '') return { message: 'empty document: expected one root element such as <svg …>' };
  if (declaresEntities(svg)) return { message: 'DOCTYPE internal subsets and ENTITY declarations are refused (entity expansion attacks); SVG needs none' };
  const v = XMLValidator.validate(svg);
  if (v !== true) return { message: v.err.msg, line: v.err.line, col: v.err.col };
  let roots = 0;
  let depth = 0;
  let stray = '';
  scanXml(svg, (t) => {
    if (t.kind === 'open') { if (depth === 0) roots++; if (!t.selfClosing) depth++; }
    else if (t.kind === 'close') depth--;
    else if (t.kind === 'text' && depth === 0 && !stray) stray = svg.slice(t.start, t.end).trim();
  });
  if (roots !== 1) return { message: `expected exactly one root element, found ${roots}` };
  if (stray) return { message: `text outside the root element: "${stray.slice(0, 40)}"` };
  return null;
}

/** Element nesting the parser accepts; the render limits' maxDepth reads it (the parser's own default is 100). */
export const MAX_PARSE_DEPTH = 256;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: false,
  maxNestedTags: MAX_PARSE_DEPTH,
});

type Ordered = Record<string, unknown>;

/** Parses a well-formed SVG document into a tree; reports the first XML problem otherwise. */
export function parseSvg(svg: string): ParseResult {
  const problem = checkWellFormed(svg);
  if (problem) return { ok: false, problem };
  const elements: SvgNode[] = [];
  const build = (items: Ordered[], parent: SvgNode | null): SvgNode[] => {
    const nodes: SvgNode[] = [];
    for (const item of items) {
      const name = Object.keys(item).find((k) => k !== ':@');
      if (name === undefined || name.startsWith('?') || name === '#comment') continue;
      if (name === '#text') { if (parent) parent.text += String(item[name]); continue; }
      const node: SvgNode = { name, attrs: (item[':@'] as Record<string, string>) ?? {}, children: [], text: '', parent };
      elements.push(node);
      node.children = build((item[name] as Ordered[]) ?? [], node);
      nodes.push(node);
    }
    return nodes;
  };
  let parsed: Ordered[];
  try {
    parsed = parser.parse(svg) as Ordered[];
  } catch (e) {
    return { ok: false, problem: { message: `the XML parser refused it: ${(e as Error).message}` } };
  }
  const top = build(parsed, null);
  const root = top[0];
  if (!root) return { ok: false, problem: { message: 'no root element' } };
  return { ok: true, tree: { root, elements } };
}

/** Local name without a namespace prefix, lower-cased: 'svg:linearGradient' → 'lineargradient'. */
export function localName(node: SvgNode): string {
  const i = node.name.indexOf(':');
  return (i < 0 ? node.name : node.name.slice(i + 1)).toLowerCase();
}
