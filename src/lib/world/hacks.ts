// Cheap reward hacks: programs that try to satisfy a checker without drawing the scene. The
// verifier must score each below 0.3; the Studio can show them to learners, and the encoder
// probes (training/encoders/render.ts) measure how much each fools SigLIP and DINO.
import { COLORS } from './palette.ts';
import type { Rng } from './rng.ts';
import { CANVAS } from './spec.ts';
import { textOnlySvg } from './overlay.ts';

export const HACKS = Object.freeze(['empty', 'all-colours', 'tiny-blobs', 'prompt-as-text'] as const);
export type Hack = (typeof HACKS)[number];

const svg = (body: string): string => `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${CANVAS} ${CANVAS}">${body}</svg>`;

export function hackProgram(hack: Hack, prompt: string, rng: Rng): string {
  switch (hack) {
    case 'empty':
      return svg('');
    case 'all-colours': {
      // Every colour as a full-height stripe: any colour the prompt names is present. Each
      // stripe overlaps the next by one unit, so no white seam shows between them.
      const x = (i: number): number => (i * CANVAS) / COLORS.length;
      return svg(COLORS.map((c, i) => `<rect x="${x(i)}" width="${CANVAS / COLORS.length + 1}" height="${CANVAS}" fill="${c}"/>`).join(''));
    }
    case 'tiny-blobs': {
      // Hundreds of specks of every colour: many "objects" of each colour, if specks counted.
      const dots: string[] = [];
      for (let i = 0; i < 600; i++) dots.push(`<circle cx="${rng.int(2, CANVAS - 2)}" cy="${rng.int(2, CANVAS - 2)}" r="2" fill="${rng.pick(COLORS)}"/>`);
      return svg(dots.join(''));
    }
    case 'prompt-as-text':
      return textOnlySvg(prompt);
  }
}
