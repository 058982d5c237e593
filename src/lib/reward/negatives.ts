// Hard-negative captions: the caption with one fact changed — a colour, a count or a relation — as the
// encoder factory makes them (training/encoders/text.py). A text–image reward that cannot tell these
// apart rewards the wrong picture; the browser check and the lessons use them.
import { COLORS } from '../world/palette.ts';
import type { Rng } from '../world/rng.ts';

export type NegativeKind = 'colour' | 'count' | 'relation';

const COUNTS = ['two', 'three', 'four', 'five'];
const OPPOSITES: Readonly<Record<string, string>> = Object.freeze({
  left: 'right', right: 'left', above: 'below', below: 'above', over: 'underneath', underneath: 'over',
  overhead: 'beneath', beneath: 'overhead', higher: 'lower', lower: 'higher',
});

/** "a orange" → "an orange" after an edit: a text tower must not reject negatives by grammar alone. */
const fixArticles = (s: string): string => s.replace(/\b([Aa])n? (?=(\w))/g, (_, a: string, next: string) => `${a}${/[aeiou]/.test(next) ? 'n' : ''} `);

function words(caption: string, vocab: readonly string[]): RegExpExecArray[] {
  const re = new RegExp(`\\b(${vocab.join('|')})\\b`, 'gi');
  return [...caption.matchAll(re)] as RegExpExecArray[];
}

const replaceAt = (s: string, m: RegExpExecArray, w: string): string => s.slice(0, m.index) + w + s.slice(m.index + m[0].length);

/**
 * One negative of `kind`, or undefined when the caption has no such fact: colour = one colour word
 * replaced by a colour the caption does not use; count = one count word changed; relation = every
 * relation word flipped at once (so "on the left … on the right" stays coherent).
 */
export function hardNegative(caption: string, kind: NegativeKind, rng: Rng): string | undefined {
  if (kind === 'relation') {
    const found = words(caption, Object.keys(OPPOSITES));
    if (!found.length) return undefined;
    const re = new RegExp(`\\b(${Object.keys(OPPOSITES).join('|')})\\b`, 'gi');
    return caption.replace(re, (w) => OPPOSITES[w.toLowerCase()]!);
  }
  const vocab = kind === 'colour' ? COLORS : COUNTS;
  const found = words(caption, vocab);
  if (!found.length) return undefined;
  const m = rng.pick(found);
  const used = new Set(found.map((f) => f[0].toLowerCase()));
  const choices = vocab.filter((w) => !used.has(w));
  return fixArticles(replaceAt(caption, m, rng.pick(choices)));
}

/** One negative per kind the caption allows. */
export function hardNegatives(caption: string, rng: Rng): { kind: NegativeKind; text: string }[] {
  return (['colour', 'count', 'relation'] as const).flatMap((kind) => {
    const text = hardNegative(caption, kind, rng);
    return text && text !== caption ? [{ kind, text }] : [];
  });
}
