// A reference program moved a little: small shift, zoom and recolour, the same picture. DINO's
// retrieval metric (training/encoders) and the browser check compare a reference's features with
// those of its perturbed render; a different scene must look less alike.
import type { Rng } from './rng.ts';

/** sRGB of the CSS keywords reference programs use (CSS Color 4), for recolouring them slightly. */
const CSS_RGB: Readonly<Record<string, readonly [number, number, number]>> = Object.freeze({
  red: [255, 0, 0], orange: [255, 165, 0], yellow: [255, 255, 0], green: [0, 128, 0], blue: [0, 0, 255],
  purple: [128, 0, 128], pink: [255, 192, 203], brown: [165, 42, 42], black: [0, 0, 0], gray: [128, 128, 128],
  cyan: [0, 255, 255], magenta: [255, 0, 255], white: [255, 255, 255],
});

/** Small shift, zoom and recolour of a reference program: the same picture, moved a little. */
export function perturb(svg: string, rng: Rng): string {
  const u = (a: number): number => (rng.next() * 2 - 1) * a;
  const s = 1 + u(0.1);
  const [dx, dy] = [u(10), u(10)];
  const open = svg.indexOf('>') + 1;
  const body = svg.slice(open, svg.lastIndexOf('</svg>'));
  const bg = body.match(/^(<rect (?:y="\d+" )?width="256"[^>]*\/>)*/)?.[0] ?? '';
  const jitter = (name: string): string => {
    const rgb = CSS_RGB[name];
    if (!rgb) return name;
    const c = rgb.map((v) => Math.max(0, Math.min(255, Math.round(v + u(14)))));
    return `rgb(${c.join(',')})`;
  };
  const objects = body.slice(bg.length).replace(/fill="([a-z]+)"/g, (_, n: string) => `fill="${jitter(n)}"`);
  const t = `translate(${(128 + dx).toFixed(1)} ${(128 + dy).toFixed(1)}) scale(${s.toFixed(3)}) translate(-128 -128)`;
  return `${svg.slice(0, open)}${bg}<g transform="${t}">${objects}</g></svg>`;
}
