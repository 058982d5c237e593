// A cheap, lenient XML tokenizer shared by partial-SVG repair and the pre-render limits.
//
// It never builds a tree and never expands entities, so it is safe to run on hostile input of
// any size before anything else has looked at it. It tolerates truncation: when the text ends
// inside a construct, the scan reports where that construct began, so repair can cut there.

export type TokenKind = 'open' | 'close' | 'text' | 'comment' | 'cdata' | 'pi' | 'doctype';

export interface Token {
  kind: TokenKind;
  /** Element name for 'open'/'close' ('' otherwise), as written (case kept). */
  name: string;
  /** Offsets into the scanned text: the token is text.slice(start, end). */
  start: number;
  end: number;
  /** 'open' only: the tag ends with '/>'. */
  selfClosing: boolean;
  /** 'open' only: the raw attribute text between the name and '>' or '/>'. */
  attrs: string;
}

export interface Truncation {
  kind: TokenKind;
  start: number;
  /** 'open' only: name complete (followed by whitespace) and the end of the last complete attribute. */
  name: string;
  nameComplete: boolean;
  lastAttrEnd: number;
}

export interface ScanResult {
  /** Set when the text ends inside a tag, comment, CDATA section, PI or DOCTYPE. */
  truncated: Truncation | null;
}

const DONE: ScanResult = Object.freeze({ truncated: null });
const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;
const isNameStart = (c: number): boolean =>
  (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 58 || c > 127;

/** Calls visit for each token in document order; visit returns false to stop early. */
export function scanXml(text: string, visit: (t: Token) => boolean | void): ScanResult {
  const n = text.length;
  let i = 0;
  const emit = (kind: TokenKind, start: number, end: number, name = '', selfClosing = false, attrs = ''): boolean =>
    visit({ kind, name, start, end, selfClosing, attrs }) !== false;
  const cut = (kind: TokenKind, start: number, name = '', nameComplete = false, lastAttrEnd = start): ScanResult =>
    ({ truncated: { kind, start, name, nameComplete, lastAttrEnd } });

  while (i < n) {
    const lt = text.indexOf('<', i);
    if (lt !== i) {
      const end = lt < 0 ? n : lt;
      if (!emit('text', i, end)) return DONE;
      i = end;
      if (lt < 0) break;
    }
    const start = i;
    const c1 = text.charCodeAt(i + 1);
    if (i + 1 >= n) return cut('open', start);
    if (c1 === 33 /* ! */) {
      if (text.startsWith('<!--', i) || '<!--'.startsWith(text.slice(i, i + 4))) {
        const close = text.indexOf('-->', i + 4);
        if (close < 0) return cut('comment', start);
        i = close + 3;
        if (!emit('comment', start, i)) return DONE;
      } else if (text.startsWith('<![CDATA[', i) || '<![CDATA['.startsWith(text.slice(i, i + 9))) {
        const close = text.indexOf(']]>', i + 9);
        if (close < 0) return cut('cdata', start);
        i = close + 3;
        if (!emit('cdata', start, i)) return DONE;
      } else {
        // DOCTYPE (or ENTITY etc.): may hold an internal subset in [...] containing '>'.
        let j = i + 2;
        let depth = 0;
        for (; j < n; j++) {
          const c = text.charCodeAt(j);
          if (c === 91) depth++;
          else if (c === 93) depth--;
          else if (c === 62 && depth <= 0) break;
        }
        if (j >= n) return cut('doctype', start);
        i = j + 1;
        if (!emit('doctype', start, i)) return DONE;
      }
      continue;
    }
    if (c1 === 63 /* ? */) {
      const close = text.indexOf('?>', i + 2);
      if (close < 0) return cut('pi', start);
      i = close + 2;
      if (!emit('pi', start, i)) return DONE;
      continue;
    }
    if (c1 === 47 /* / */) {
      const close = text.indexOf('>', i + 2);
      if (close < 0) return cut('close', start);
      i = close + 1;
      const name = text.slice(start + 2, close).trim();
      if (!emit('close', start, i, name)) return DONE;
      continue;
    }
    if (!isNameStart(c1)) {
      // A stray '<' is not markup; report it as text so callers decide (XML calls it an error).
      if (!emit('text', start, start + 1)) return DONE;
      i = start + 1;
      continue;
    }
    let j = i + 1;
    while (j < n) {
      const c = text.charCodeAt(j);
      if (isSpace(c) || c === 62 || c === 47) break;
      j++;
    }
    const name = text.slice(i + 1, j);
    if (j >= n) return cut('open', start, name, false);
    const attrStart = j;
    let lastAttrEnd = j;
    let closed = false;
    let selfClosing = false;
    while (j < n) {
      const c = text.charCodeAt(j);
      if (isSpace(c)) { j++; continue; }
      if (c === 62) { closed = true; break; }
      if (c === 47) {
        if (j + 1 >= n) break;
        if (text.charCodeAt(j + 1) === 62) { closed = true; selfClosing = true; break; }
        j++;
        continue;
      }
      // attribute: name [= value]
      while (j < n) {
        const d = text.charCodeAt(j);
        if (isSpace(d) || d === 61 || d === 62 || d === 47) break;
        j++;
      }
      while (j < n && isSpace(text.charCodeAt(j))) j++;
      if (j < n && text.charCodeAt(j) === 61) {
        j++;
        while (j < n && isSpace(text.charCodeAt(j))) j++;
        if (j >= n) break;
        const q = text.charCodeAt(j);
        if (q === 34 || q === 39) {
          const close = text.indexOf(q === 34 ? '"' : "'", j + 1);
          if (close < 0) { j = n; break; }
          j = close + 1;
        } else {
          while (j < n && !isSpace(text.charCodeAt(j)) && text.charCodeAt(j) !== 62) j++;
          if (j >= n) break;
        }
        lastAttrEnd = j;
      }
    }
    if (!closed) return cut('open', start, name, true, lastAttrEnd);
    const attrs = text.slice(attrStart, j);
    i = selfClosing ? j + 2 : j + 1;
    if (!emit('open', start, i, name, selfClosing, attrs)) return DONE;
  }
  return DONE;
}

const ATTR = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/g;

/** Parses raw attribute text (Token.attrs) into a name → value map; entities are not decoded. */
export function parseAttributes(raw: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of raw.matchAll(ATTR)) out.set(m[1] ?? '', m[2] ?? m[3] ?? m[4] ?? '');
  return out;
}

/**
 * True when the text declares entities: an ENTITY declaration or a DOCTYPE internal subset.
 * A bare `<!DOCTYPE svg PUBLIC …>` (common in exported SVGs) declares none and is harmless:
 * resvg never fetches DTDs.
 */
export function declaresEntities(text: string): boolean {
  return /<!ENTITY/i.test(text) || /<!DOCTYPE[^>[]*\[/i.test(text);
}
