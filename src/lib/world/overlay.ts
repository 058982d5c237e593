// Text drawn over scenes for the encoder-training images: words of a caption over a scene (as web
// photos carry signs and captions) or, for posters, the caption alone. It makes the bundled SigLIP
// typographically sensitive like web-trained CLIP, so the Studio can show the research's reward
// hack (write the prompt as text, fool the encoder). References never contain text; this is only
// used when exporting images (training/encoders/render.ts, `npm run world:export -- --images`).
import { COLORS } from './palette.ts';
import type { Rng } from './rng.ts';
import { CANVAS } from './spec.ts';

const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const canvas = (body: string): string => `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${CANVAS} ${CANVAS}">${body}</svg>`;

/** Lines of at most `width` characters, for text that must fit the canvas. */
function wrap(words: string[], width: number): string[] {
  const lines: string[] = [];
  for (const w of words) {
    const last = lines[lines.length - 1];
    if (last !== undefined && last.length + 1 + w.length <= width) lines[lines.length - 1] = `${last} ${w}`;
    else lines.push(w);
  }
  return lines;
}

/** <text> lines at (x, y), font size fs. */
function textLines(lines: string[], x: number, y: number, fs: number, fill: string): string {
  return lines.map((l, i) =>
    `<text x="${x}" y="${y + i * fs * 1.15}" font-family="DejaVu Sans" font-size="${fs}" fill="${fill}">${escapeXml(l)}</text>`).join('');
}

/** The prompt written on a blank canvas: the reward hack the research warns about, and a poster. */
export function textOnlySvg(prompt: string): string {
  const lines = wrap(prompt.split(' '), 18);
  const fs = lines.length > 6 ? 16 : 22;
  return canvas(textLines(lines, 12, 40, fs, 'black'));
}

/**
 * Words of the caption drawn over the scene `svg` — a few, or half the time all of them — or, for
 * a poster, the caption alone. The draws from `rng` are part of the training data: changing their
 * order changes every image the bundled encoders were trained on.
 */
export function captionOverlay(svg: string, caption: string, rng: Rng, poster = false): string {
  if (poster) return textOnlySvg(caption);
  const words = caption.split(' ');
  const whole = rng.next() < 0.5;
  const n = whole ? words.length : Math.min(words.length, 1 + Math.floor(rng.next() * 4));
  const start = Math.floor(rng.next() * (words.length - n + 1));
  const fs = whole ? 14 + Math.floor(rng.next() * 10) : 16 + Math.floor(rng.next() * 20);
  // ~0.6 em per DejaVu Sans character: 400/fs characters keep a line inside the canvas
  const lines = wrap(words.slice(start, start + n), Math.max(6, Math.floor(400 / fs)));
  const x = 4 + Math.floor(rng.next() * 30);
  const y = fs + Math.floor(rng.next() * Math.max(1, CANVAS - 20 - fs * 1.15 * lines.length));
  const fill = rng.next() < 0.6 ? 'black' : (COLORS[Math.floor(rng.next() * COLORS.length)] as string);
  return svg.replace('</svg>', `${textLines(lines, x, y, fs, fill)}</svg>`);
}
