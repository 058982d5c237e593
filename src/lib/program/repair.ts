// Partial-SVG repair: turn any prefix of an SVG program (a model still streaming it) into
// well-formed XML that resvg can render, so the picture grows with the text.
//
// What it does, in order: cut a construct the text ends inside (tag, comment, CDATA, PI), a
// half-written entity (`&am`) or half a CSS rule inside <style>; stop at the end of the root
// element (chatter after it is not XML); close every open element in reverse order; give the
// root the `xmlns` (and `xmlns:xlink` when used) that resvg needs to accept it as SVG.
// It never adds content the model did not write, so a repaired prefix renders a subset of the
// final picture (unless an element appears with only some of its attributes, see partialTags).

import { scanXml } from './xml-scan.ts';

export interface RepairOptions {
  /**
   * A tag the text ends inside: 'drop' it (default; nothing flickers in with default fill), or
   * 'keep-attributes': keep its complete attributes and close it, so shapes appear sooner.
   */
  partialTags?: 'drop' | 'keep-attributes';
}

export interface Repaired {
  /** Well-formed XML, or '' when no root element has started yet (nothing to render). */
  svg: string;
  hasRoot: boolean;
  /** The input was already a whole element: nothing was cut or closed. */
  complete: boolean;
  /** Names of the elements this repair closed, innermost first. */
  closed: string[];
  /** Characters removed from the input (trailing fragment, chatter before/after the root). */
  droppedChars: number;
}

export const SVG_NS = 'http://www.w3.org/2000/svg';
export const XLINK_NS = 'http://www.w3.org/1999/xlink';

/** Repairs a (possibly truncated) SVG program; see the module comment for the rules. */
export function repairSvg(text: string, options: RepairOptions = {}): Repaired {
  const stack: string[] = [];
  let outStart = 0; // chatter before the root is skipped
  let end = text.length;
  let rootStart = -1;
  let rootName = '';
  let rootDone = false;
  let lastMarkupEnd = 0;

  const scan = scanXml(text, (t) => {
    if (t.kind === 'text') {
      if (stack.length === 0 && text.slice(t.start, t.end).trim() !== '') {
        if (rootDone) { end = t.start; return false; }
        outStart = t.end; // junk before the root
      }
      return;
    }
    lastMarkupEnd = t.end;
    if (t.kind === 'open') {
      if (rootDone) { end = t.start; return false; } // a second root is not XML
      if (rootStart < 0) { rootStart = t.start; rootName = t.name; }
      if (t.selfClosing) { if (stack.length === 0) { rootDone = true; end = t.end; return false; } }
      else stack.push(t.name);
    } else if (t.kind === 'close') {
      if (stack[stack.length - 1] !== t.name) { end = t.start; return false; } // mismatch: keep the good part
      stack.pop();
      if (stack.length === 0) { rootDone = true; end = t.end; return false; }
    } else if (t.kind === 'doctype' && rootStart >= 0) {
      end = t.start;
      return false;
    }
  });

  let tail = '';
  const cut = scan.truncated;
  if (cut && !rootDone) {
    end = cut.start;
    if (cut.kind === 'open' && cut.nameComplete && options.partialTags === 'keep-attributes') {
      if (rootStart < 0) { rootStart = cut.start; rootName = cut.name; }
      tail = text.slice(cut.start, cut.lastAttrEnd) + '>';
      stack.push(cut.name);
    }
  }
  let body = text.slice(outStart, end);
  if (stack.length > 0 && !tail) body = trimTrailingText(body, lastMarkupEnd - outStart, stack[stack.length - 1] ?? '');
  const closed = [...stack].reverse();
  if (rootStart < 0) return { svg: '', hasRoot: false, complete: false, closed: [], droppedChars: text.length };

  let svg = body + tail + closed.map((name) => `</${name}>`).join('');
  svg = ensureNamespaces(svg, rootStart - outStart, rootName);
  const complete = closed.length === 0 && !cut && outStart === 0 && end === text.length;
  return { svg, hasRoot: true, complete, closed, droppedChars: text.length - (body.length + outStart) };
}

/** Drops a half-written entity, and inside <style> a half-written CSS rule, from the end. */
function trimTrailingText(body: string, textStart: number, parent: string): string {
  if (textStart < 0 || textStart > body.length) return body;
  let trailing = body.slice(textStart);
  trailing = trailing.replace(/&[#\w]*$/, '');
  if (parent.toLowerCase() === 'style') trailing = trailing.slice(0, trailing.lastIndexOf('}') + 1);
  return body.slice(0, textStart) + trailing;
}

/** Adds xmlns (and xmlns:xlink when an xlink: attribute appears) to the root tag if missing. */
export function ensureNamespaces(svg: string, rootStart = svg.search(/<svg[\s/>]/i), rootName = 'svg'): string {
  if (rootStart < 0) return svg;
  const tagEnd = svg.indexOf('>', rootStart);
  const rootTag = svg.slice(rootStart, tagEnd < 0 ? svg.length : tagEnd);
  let add = '';
  if (!/\sxmlns\s*=/.test(rootTag)) add += ` xmlns="${SVG_NS}"`;
  if (/\sxlink:/.test(svg) && !/\sxmlns:xlink\s*=/.test(rootTag)) add += ` xmlns:xlink="${XLINK_NS}"`;
  if (!add) return svg;
  const at = rootStart + 1 + rootName.length;
  return svg.slice(0, at) + add + svg.slice(at);
}
