// Reward terms: one value per sample and term, in [0, 1] with 1 = good, or null where the term does
// not apply (no reference image for DINO, a prompt not from the world for the verifier). TERMS is the
// frozen registry that menus, score cards and presets are built from. The composer (compose.ts) turns
// a group's terms into rewards; nothing here weighs one term against another.
//
// programTerms needs the program and its render (it runs beside the renderer, in the svg worker);
// embeddingTerms needs the encoders' cosines (the ml worker). sampleTerms puts the two together.
import { prepareProgram } from '../program/prepare.ts';
import { parseSvg, type ParseResult } from '../program/svg-tree.ts';
import type { Pixels } from '../render/rasterize.ts';
import type { SceneSpec } from '../world/spec.ts';
import { contrast, DEFAULT_DEFECT_CONFIG, overlap, tinyViewBox, type DefectConfig } from './defects.ts';
import { blankRender, DEFAULT_RULE_CONFIG, insideCanvas, noText, programLength, wellFormed, type RuleConfig } from './rules.ts';
import { verify } from './verify/verify.ts';

export const TERM_IDS = Object.freeze(['format', 'no-text', 'siglip', 'dino', 'length', 'not-blank', 'inside-canvas', 'no-overlap', 'contrast', 'viewbox', 'verifier'] as const);
export type TermId = (typeof TERM_IDS)[number];

export interface TermValue {
  /** In [0, 1], 1 = good; null = does not apply to this sample (excluded from the composed reward). */
  value: number | null;
  /** One short sentence: what was measured. */
  why: string;
}

export type SampleTerms = Readonly<Record<TermId, TermValue>>;

export interface TermDef {
  id: TermId;
  label: string;
  description: string;
  /** What the term needs: the program text, its render, an encoder, or the world's spec. */
  needs: 'program' | 'render' | 'encoder' | 'world';
}

const def = (id: TermId, label: string, needs: TermDef['needs'], description: string): TermDef => Object.freeze({ id, label, needs, description });

export const TERMS: Readonly<Record<TermId, TermDef>> = Object.freeze({
  format: def('format', 'Format', 'render', 'A complete, well-formed <svg>…</svg> that renders (SGP-RL: failed or truncated programs get 0).'),
  'no-text': def('no-text', 'No text', 'program', 'No <text>, <tspan> or <textPath>: SGP-RL gives 0 to programs that write, because text fools CLIP-style scores.'),
  siglip: def('siglip', 'SigLIP text–image', 'encoder', '(1 + cos)/2 between the prompt and the render, as SGP-RL scores with SigLIP.'),
  dino: def('dino', 'DINO vs reference', 'encoder', '(1 + cos)/2 between the render and the reference image (DINO features); n/a without a reference.'),
  length: def('length', 'Length', 'program', 'SGP-RL length term clamp(1 − chars/6000): shorter programs score higher.'),
  'not-blank': def('not-blank', 'Not blank', 'render', 'The render has some ink; Visual-ERM gives blank renders the minimum reward.'),
  'inside-canvas': def('inside-canvas', 'Inside canvas', 'program', 'Share of shapes on the canvas rather than outside it (Visual-SDPO, GeoSVG-RL).'),
  'no-overlap': def('no-overlap', 'No stacked shapes', 'program', 'Share of shapes not stacked on a near-duplicate (box IoU ≥ 0.5); details on a body are fine.'),
  contrast: def('contrast', 'Contrast', 'render', 'Median WCAG contrast of the drawing against its background, 3:1 (graphics, SC 1.4.11) = 1.'),
  viewbox: def('viewbox', 'No tiny viewBox', 'program', 'The viewBox is not a speck blown up, nor zoomed into a small part of the drawing.'),
  verifier: def('verifier', 'World verifier', 'world', "The world verifier's score: colours, counts, kinds and relations checked on the pixels; n/a for free prompts."),
});

export type ProgramTermId = Exclude<TermId, 'siglip' | 'dino'>;
export type ProgramTerms = Readonly<Record<ProgramTermId, TermValue>>;

export interface ProgramEvidence {
  /** The model output or program file as given (the program is extracted from it, SGP-RL style). */
  output: string;
  /** The render of the extracted program (composited on white), or null when it failed. */
  pixels: Pixels | null;
  /** Why the render failed, when it did (e.g. "limit: …", "no complete <svg> program"). */
  renderError?: string;
  /** The world's spec when the prompt comes from the world: the verifier applies. */
  spec?: SceneSpec | null;
}

export interface TermConfig {
  rules: RuleConfig;
  defects: DefectConfig;
}

export const DEFAULT_TERM_CONFIG: Readonly<TermConfig> = Object.freeze({ rules: DEFAULT_RULE_CONFIG, defects: DEFAULT_DEFECT_CONFIG });

const v = (value: number | null, why: string): TermValue => ({ value, why });
const notRendered = (why: string): TermValue => v(0, `did not render: ${why}`);

/** Every term that needs only the program and its render. */
export function programTerms(ev: ProgramEvidence, config: TermConfig = DEFAULT_TERM_CONFIG): ProgramTerms {
  const { extraction, svg } = prepareProgram(ev.output);
  const program = extraction.kind === 'none' ? ev.output : svg;
  const parsed: ParseResult = program.length > config.rules.maxChars
    ? { ok: false, problem: { message: `program too long to analyse: ${program.length} characters; the limit is ${config.rules.maxChars} (maxChars)` } }
    : parseSvg(program);
  const px = ev.pixels;
  const failed = ev.renderError ?? (extraction.kind !== 'complete' ? `no complete <svg> program (${extraction.kind})` : 'no render given');

  const formed = wellFormed(parsed);
  const format = extraction.kind !== 'complete' ? v(0, `no complete <svg>…</svg> program (${extraction.kind})`)
    : formed.status !== 'pass' ? v(0, formed.explanation)
      : !px ? notRendered(failed)
        : v(1, 'a complete, well-formed <svg> that renders');
  const text = noText(program, parsed);
  // What the model wrote, not the namespace the renderer needed added.
  const len = programLength(extraction.kind === 'none' ? ev.output : extraction.svg, config.rules);
  const blank = px ? blankRender(px, config.rules) : undefined;
  const inside = insideCanvas(parsed, config.rules);
  const ov = overlap(parsed, config.defects);
  const con = px ? contrast(px, config.defects) : undefined;
  const vb = tinyViewBox(parsed, config.defects);
  let verifier: TermValue;
  if (!ev.spec) verifier = v(null, 'the prompt is not from the world: no spec to verify against');
  else if (!px) verifier = notRendered(failed);
  else {
    const verdict = verify(ev.spec, { pixels: px, svg: program });
    const failedChecks = verdict.checks.filter((c) => !c.pass);
    verifier = v(verdict.score, failedChecks.length ? `failed: ${failedChecks.map((c) => `${c.name} (${c.detail})`).join('; ').slice(0, 200)}` : `all ${verdict.checks.length} checks pass`);
  }
  return {
    format,
    'no-text': v(text.score, text.explanation),
    length: v(len.score, len.explanation),
    'not-blank': blank ? v(blank.score, blank.explanation) : notRendered(failed),
    'inside-canvas': inside.status === 'skip' ? v(parsed.ok ? null : 0, inside.explanation) : v(inside.score, inside.explanation),
    'no-overlap': v(ov.value, ov.why),
    contrast: con ? v(con.value, con.why) : notRendered(failed),
    viewbox: v(vb.value, vb.why),
    verifier,
  };
}

/** SGP-RL's embedding terms from cosines; a cosine is null when its input is missing. */
export function embeddingTerms(cos: { textImage: number | null; imageReference: number | null }, rendered: boolean): Pick<SampleTerms, 'siglip' | 'dino'> {
  const half = (c: number): number => Math.min(1, Math.max(0, (1 + c) / 2));
  return {
    siglip: !rendered ? v(0, 'did not render: nothing to embed')
      : cos.textImage === null ? v(null, 'no text–image encoder loaded')
        : v(half(cos.textImage), `cos(prompt, render) = ${cos.textImage.toFixed(3)}`),
    dino: cos.imageReference === null ? v(null, 'no reference image')
      : !rendered ? v(0, 'did not render: nothing to embed')
        : v(half(cos.imageReference), `cos(render, reference) = ${cos.imageReference.toFixed(3)}`),
  };
}

export function sampleTerms(program: ProgramTerms, embeddings: Pick<SampleTerms, 'siglip' | 'dino'>): SampleTerms {
  return { ...program, ...embeddings };
}
