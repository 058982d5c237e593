// The document as resvg's XML reader (roxmltree) will see it, built on the lenient xml-scan
// tokenizer: character and predefined entity references decoded, namespace prefixes resolved to
// namespace URIs, and attributes kept only when resvg reads them (no namespace, SVG, XLink, xml:).
// Lenient on purpose: a document that is not well-formed XML gets a best-effort tree, and resvg
// refuses it later anyway; what matters is that nothing resvg *would* draw is hidden from checks.

import { scanXml } from './xml-scan.ts';

export const SVG_NS = 'http://www.w3.org/2000/svg';
export const XLINK_NS = 'http://www.w3.org/1999/xlink';
const XML_NS = 'http://www.w3.org/XML/1998/namespace';

export interface XmlElement {
  /** Local name, case kept: resvg matches names case-sensitively ('feGaussianBlur', not 'fegaussianblur'). */
  name: string;
  /** Namespace URI, '' for none. */
  ns: string;
  /** The name as written, prefix included; error messages quote it. */
  qname: string;
  /**
   * Attributes resvg reads, by local name, values decoded. `href` is the unprefixed one when present,
   * else the one in the XLink namespace under any prefix (SVG 2 precedence, as usvg applies it).
   */
  attrs: Map<string, string>;
  children: XmlElement[];
  /** Character data directly inside (text and CDATA, decoded), concatenated. */
  text: string;
  parent: XmlElement | null;
  /** Position in document order (root 0). */
  index: number;
}

export interface XmlDocument {
  root: XmlElement | null;
  /** Every element in document order. */
  elements: XmlElement[];
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };

/**
 * Decodes predefined and numeric character references. Unknown named references stay as written:
 * they are undeclared (declarations are refused before this runs), so roxmltree rejects the document.
 */
export function decodeReferences(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z_][\w.-]*);/g, (m, ref: string) => {
    if (ref[0] !== '#') return PREDEFINED[ref] ?? m;
    const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
  });
}

const ATTR = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/g;

/** Attribute value normalisation as XML prescribes: literal tabs and newlines read as spaces. */
const attrValue = (raw: string): string => decodeReferences(/[\t\n\r]/.test(raw) ? raw.replace(/[\t\n\r]/g, ' ') : raw);

/** Parses text into the normalised element tree; `maxElements` bounds the work on hostile input. */
export function normaliseXml(text: string, maxElements = Infinity): XmlDocument {
  const elements: XmlElement[] = [];
  const open: { el: XmlElement; scope: Map<string, string> }[] = [];
  let root: XmlElement | null = null;
  const rootScope = new Map<string, string>([['xml', XML_NS]]);
  scanXml(text, (t) => {
    const top = open[open.length - 1];
    if (t.kind === 'text' || t.kind === 'cdata') {
      if (!top) return;
      top.el.text += t.kind === 'cdata' ? text.slice(t.start + 9, t.end - 3) : decodeReferences(text.slice(t.start, t.end));
      return;
    }
    if (t.kind === 'close') {
      // Lenient: close the nearest open element of that name (roxmltree refuses a mismatch anyway).
      for (let k = open.length - 1; k >= 0; k--) {
        if (open[k]?.el.qname === t.name) { open.length = k; break; }
      }
      return;
    }
    if (t.kind !== 'open') return;
    if (elements.length >= maxElements) return false;
    const raw: [string, string][] = [];
    for (const m of t.attrs.matchAll(ATTR)) raw.push([m[1] ?? '', attrValue(m[2] ?? m[3] ?? m[4] ?? '')]);
    const parentScope = top?.scope ?? rootScope;
    let scope = parentScope;
    for (const [name, value] of raw) {
      if (name === 'xmlns' || name.startsWith('xmlns:')) {
        if (scope === parentScope) scope = new Map(parentScope);
        scope.set(name === 'xmlns' ? '' : name.slice(6), value);
      }
    }
    const [prefix, local] = split(t.name);
    const el: XmlElement = {
      name: local,
      ns: scope.get(prefix) ?? '',
      qname: t.name,
      attrs: new Map(),
      children: [],
      text: '',
      parent: top?.el ?? null,
      index: elements.length,
    };
    let href: string | undefined;
    for (const [name, value] of raw) {
      if (name === 'xmlns' || name.startsWith('xmlns:')) continue;
      const [p, n] = split(name);
      // Unprefixed attributes have no namespace (the default namespace does not apply to them).
      const ns = p === '' ? '' : scope.get(p) ?? '?';
      if (n === 'href') {
        if (ns === '') href = value;
        else if (ns === XLINK_NS && href === undefined) href = value;
        continue;
      }
      if (ns === '' || ns === SVG_NS || ns === XLINK_NS || ns === XML_NS) el.attrs.set(n, value);
    }
    // An unprefixed href seen after an XLink one still wins.
    for (const [name, value] of raw) if (name === 'href') href = value;
    if (href !== undefined) el.attrs.set('href', href);
    elements.push(el);
    if (top) top.el.children.push(el);
    else if (!root) root = el;
    if (!t.selfClosing) open.push({ el, scope });
  });
  return { root, elements };
}

const split = (qname: string): [string, string] => {
  const i = qname.indexOf(':');
  return i < 0 ? ['', qname] : [qname.slice(0, i), qname.slice(i + 1)];
};

/** True for an element resvg treats as SVG: in the SVG namespace (resvg also accepts none). */
export const isSvg = (el: XmlElement): boolean => el.ns === SVG_NS || el.ns === '';
