// Reward presets (frozen registry; menus are built from its keys) and their URL form.
//
// URL form: a preset's name alone ("sgp-rl") when it equals the registered preset, else
//   name:custom;label:My mix;terms:siglip*1*raw,dino*0.5*clamp(0.5,1),length*0.1*rank;gates:format,no-text
// Readable in a shared link, parsed strictly: every error names the part and what would be right.
import { checkPreset, type Preset, type PresetTerm, type Transform } from './compose.ts';
import type { TermId } from './terms.ts';

const RAW: Transform = Object.freeze({ kind: 'raw' });
const t = (term: TermId, weight: number, transform: Transform = RAW): PresetTerm => Object.freeze({ term, weight, transform });
const preset = (p: Preset): Preset => Object.freeze({ ...p, terms: Object.freeze([...p.terms]), gates: Object.freeze([...p.gates]) });

export const PRESETS: Readonly<Record<string, Preset>> = Object.freeze({
  // SGP-RL: format and text-ban gates, SigLIP text–image + DINO vs the reference + a small length term.
  'sgp-rl': preset({ name: 'sgp-rl', label: 'SGP-RL paper', terms: [t('siglip', 1), t('dino', 1), t('length', 0.1)], gates: ['format', 'no-text'] }),
  // The world verifier, gated by the rules a hack would break (text, blank canvas, tiny viewBox).
  verifiable: preset({ name: 'verifiable', label: 'Verifier, gated by the rules', terms: [t('verifier', 1)], gates: ['format', 'no-text', 'not-blank', 'viewbox'] }),
  // What SGP-RL guards against: SigLIP alone rewards writing the prompt as <text>.
  'clip-only': preset({ name: 'clip-only', label: 'CLIP-only, hackable', terms: [t('siglip', 1)], gates: ['format'] }),
});

export const DEFAULT_PRESET = 'sgp-rl';

export function getPreset(name: string): Preset {
  const p = Object.hasOwn(PRESETS, name) ? PRESETS[name] : undefined;
  if (!p) throw new Error(`unknown preset '${name.slice(0, 100)}'; one of: ${Object.keys(PRESETS).join(', ')}`);
  return p;
}

function transformText(x: Transform): string {
  switch (x.kind) {
    case 'raw': return 'raw';
    case 'clamp': return `clamp(${x.min},${x.max})`;
    case 'threshold': return `threshold(${x.at})`;
    case 'rank': return 'rank';
  }
}

const same = (a: Preset, b: Preset): boolean => presetToUrl(a, false) === presetToUrl(b, false);

/** The URL form of `p` (see the module comment). */
export function presetToUrl(p: Preset, short = true): string {
  const registered = Object.hasOwn(PRESETS, p.name) ? PRESETS[p.name] : undefined;
  if (short && registered && same(registered, p)) return p.name;
  const clean = (s: string) => s.replace(/[;:]/g, ' ');
  const terms = p.terms.map((pt) => `${pt.term}*${pt.weight}*${transformText(pt.transform)}`).join(',');
  return `name:${clean(p.name)};label:${clean(p.label)};terms:${terms};gates:${p.gates.join(',')}`;
}

function parseTransform(text: string, where: string): Transform {
  if (text === 'raw' || text === 'rank') return { kind: text };
  const m = /^(clamp|threshold)\(([^)]*)\)$/.exec(text);
  const nums = m ? m[2]!.split(',').map(Number) : [];
  if (m?.[1] === 'clamp' && nums.length === 2) return { kind: 'clamp', min: nums[0]!, max: nums[1]! };
  if (m?.[1] === 'threshold' && nums.length === 1) return { kind: 'threshold', at: nums[0]! };
  throw new Error(`${where}: transform '${text.slice(0, 100)}'; one of: raw, clamp(min,max), threshold(at), rank`);
}

/** Parses the URL form (or a registered name); throws naming what is wrong. */
export function presetFromUrl(text: string): Preset {
  const s = text.trim();
  if (!s.includes(':')) return getPreset(s);
  const fields = new Map<string, string>();
  for (const part of s.split(';')) {
    const i = part.indexOf(':');
    const key = part.slice(0, i).trim();
    if (i < 0 || !['name', 'label', 'terms', 'gates'].includes(key)) throw new Error(`reward preset: part '${part.slice(0, 100)}' is not one of name:…, label:…, terms:…, gates:…`);
    fields.set(key, part.slice(i + 1));
  }
  const name = fields.get('name')?.trim() || 'custom';
  // commas inside clamp(…) do not split terms
  const terms = (fields.get('terms') ?? '').split(/,(?![^(]*\))/).filter(Boolean).map((item) => {
    const [term, weight, transform, ...rest] = item.split('*');
    if (rest.length || transform === undefined) throw new Error(`reward preset: term '${item.slice(0, 100)}' must read term*weight*transform, e.g. siglip*1*raw`);
    return { term: term!.trim() as TermId, weight: Number(weight), transform: parseTransform(transform.trim(), `term ${term}`) };
  });
  const gates = (fields.get('gates') ?? '').split(',').map((g) => g.trim()).filter(Boolean) as TermId[];
  const p: Preset = { name, label: fields.get('label')?.trim() || name, terms, gates };
  checkPreset(p);
  return p;
}
