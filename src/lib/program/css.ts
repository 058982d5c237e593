// CSS as far as render costs need it: the declarations of `style` attributes and `<style>` rules.
// Selectors are over-approximated on purpose — a rule applies to every element its last compound
// selector could match (type, #id, .class; attribute tests, pseudo-classes and combinators are
// ignored) — so a rule can be counted on more elements than resvg applies it to, never fewer.

import type { XmlElement } from './normalise.ts';

export type Declaration = [property: string, value: string];

interface Rule {
  /** Last compound selector: type ('' = any) plus required ids and classes. */
  type: string;
  ids: string[];
  classes: string[];
  /** Descendant and sibling (~) combinators: a matcher may backtrack over every ancestor for each. */
  backtracking: number;
  declarations: Declaration[];
}

/** CSS escapes (`\74 `, `\t`) decoded, so `fil\74 er` reads as `filter`; comments removed. */
function unescapeCss(s: string): string {
  return s
    .replace(/\/\*[\s\S]*?(\*\/|$)/g, ' ')
    .replace(/\\([0-9a-fA-F]{1,6})[ \t\n\r\f]?|\\([\s\S])/g, (_, hex: string | undefined, ch: string | undefined) =>
      hex ? String.fromCodePoint(Math.min(parseInt(hex, 16), 0x10ffff) || 0xfffd) : (ch ?? ''));
}

/** Declarations of a `style` attribute or a rule body: `a: b; c: d !important`. */
export function parseDeclarations(text: string): Declaration[] {
  const out: Declaration[] = [];
  for (const part of unescapeCss(text).split(';')) {
    const colon = part.indexOf(':');
    if (colon < 0) continue;
    const name = part.slice(0, colon).trim().toLowerCase();
    const value = part.slice(colon + 1).replace(/!\s*important\s*$/i, '').trim();
    if (name) out.push([name, value]);
  }
  return out;
}

/** Rules of a style sheet; at-rule blocks (@media, @supports…) are read as if their condition held. */
export function parseStyleSheet(css: string): Rule[] {
  const text = unescapeCss(css);
  const rules: Rule[] = [];
  const walk = (from: number, to: number): void => {
    let i = from;
    while (i < to) {
      const open = text.indexOf('{', i);
      const semi = text.indexOf(';', i);
      if (open < 0 || open >= to) return;
      // A statement at-rule (`@import url(…);`) ends at ';' before any block.
      if (semi >= 0 && semi < open && text.slice(i, semi).trim().startsWith('@')) { i = semi + 1; continue; }
      const close = matchingBrace(text, open, to);
      const prelude = text.slice(i, open).trim();
      if (prelude.startsWith('@')) { if (text.slice(open + 1, close).includes('{')) walk(open + 1, close); }
      else {
        const declarations = parseDeclarations(text.slice(open + 1, close));
        for (const selector of prelude.split(',')) rules.push({ ...compound(selector), declarations });
      }
      i = close + 1;
    }
  };
  walk(0, text.length);
  return rules;
}

function matchingBrace(text: string, open: number, to: number): number {
  let depth = 0;
  for (let j = open; j < to; j++) {
    const c = text[j];
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return j;
  }
  return to;
}

function compound(selector: string): Omit<Rule, 'declarations'> {
  // Drop bracketed attribute tests and parenthesised pseudo arguments first: they may hold spaces.
  const flat = selector.replace(/\[[^\]]*\]?|\([^)]*\)?/g, '').trim();
  const backtracking = flat.replace(/\s*([>+])\s*/g, '$1').split(/\s+|~/).length - 1;
  const last = flat.split(/[\s>+~]+/).filter(Boolean).pop() ?? '';
  const type = /^(?:[\w*-]*\|)?([A-Za-z_][\w-]*)/.exec(last)?.[1] ?? '';
  const ids = [...last.matchAll(/#([\w-]+)/g)].map((m) => m[1] ?? '');
  const classes = [...last.matchAll(/\.([\w-]+)/g)].map((m) => m[1] ?? '');
  return { type, ids, classes, backtracking };
}

/** The CSS rules of a document, indexed so each element looks up only the rules it could match. */
export class StyleIndex {
  private byKey = new Map<string, Rule[]>();
  readonly size: number;

  constructor(rules: Rule[]) {
    this.size = rules.length;
    for (const r of rules) {
      const key = r.ids[0] !== undefined ? `#${r.ids[0]}` : r.classes[0] !== undefined ? `.${r.classes[0]}` : r.type ? `<${r.type.toLowerCase()}` : '*';
      let list = this.byKey.get(key);
      if (!list) this.byKey.set(key, (list = []));
      list.push(r);
    }
  }

  /** Declarations of every rule that could apply to el, in sheet order within each key. */
  declarationsFor(el: XmlElement): Declaration[] {
    if (this.size === 0) return [];
    const id = el.attrs.get('id');
    const classes = (el.attrs.get('class') ?? '').split(/\s+/).filter(Boolean);
    const keys = ['*', `<${el.name.toLowerCase()}`, ...(id ? [`#${id}`] : []), ...classes.map((c) => `.${c}`)];
    const out: Declaration[] = [];
    for (const key of new Set(keys)) {
      for (const r of this.byKey.get(key) ?? []) {
        if (r.type && r.type !== '*' && r.type.toLowerCase() !== el.name.toLowerCase()) continue;
        if (r.ids.some((x) => x !== id)) continue;
        if (r.classes.some((c) => !classes.includes(c))) continue;
        out.push(...r.declarations);
      }
    }
    return out;
  }
}

/**
 * Selector tests a CSS matcher like resvg's (simplecss) may run: every rule is tried on every element,
 * and a rule with k descendant combinators may try each k-subset of an element's ancestors before it
 * fails (C(depth, k)). `depths` counts elements by nesting depth.
 */
export function selectorTests(rules: readonly Rule[], depths: readonly number[]): number {
  const byK = new Map<number, number>();
  for (const r of rules) byK.set(r.backtracking, (byK.get(r.backtracking) ?? 0) + 1);
  let total = 0;
  for (const [k, n] of byK) {
    for (let d = 0; d < depths.length; d++) if (depths[d]) total += n * depths[d]! * binomial(d, k);
  }
  return total;
}

function binomial(n: number, k: number): number {
  if (k > n) return 1; // fails at once: too few ancestors
  let c = 1;
  for (let i = 1; i <= Math.min(k, n - k); i++) c = (c * (n - i + 1)) / i;
  return c;
}
