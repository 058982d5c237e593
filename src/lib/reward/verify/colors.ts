// Pixel → colour name. Each name has a few prototypes (the CSS keyword the world writes plus
// common variants other programs use, e.g. Material red #f44336 for "red"); a pixel takes the
// nearest prototype in CIELAB, or 'other' when none is within MAX_DELTA_E. Anti-aliased edges
// blend two colours and may land on a third name; blobs.ts erodes them away before counting.
//
// Naming depends on the scene. Sky, grass and water are names only in scenes that have those
// bands: elsewhere Material blue #1e88e5 is blue and light green #81c784 is green (the world's
// verifier called them water and grass everywhere, and failed correct programs for it). Where a
// band is present, object prototypes within SHADOW of its prototypes step aside, so the band's
// shades (#1976d2 water) are not read as an object colour.
import type { Pixels } from '../../render/rasterize.ts';

export const COLOR_CLASSES = Object.freeze([
  'red', 'orange', 'yellow', 'green', 'blue', 'purple', 'pink', 'brown', 'black', 'gray', 'cyan', 'magenta',
  'white', 'sky', 'grass', 'water', 'other',
] as const);
export type ColorClass = (typeof COLOR_CLASSES)[number];
export type BandClass = 'sky' | 'grass' | 'water';
export const OTHER = COLOR_CLASSES.indexOf('other');

type ObjectClass = Exclude<ColorClass, BandClass | 'other'>;
const PROTOTYPES: Readonly<Record<ObjectClass, readonly number[]>> = Object.freeze({
  red: [0xff0000, 0xe53935, 0xf44336, 0xdc143c, 0xd32f2f, 0xc62828],
  orange: [0xffa500, 0xff8c00, 0xfb8c00, 0xff9800, 0xff7f00],
  yellow: [0xffff00, 0xffd700, 0xffeb3b, 0xfdd835],
  green: [0x008000, 0x228b22, 0x2e7d32, 0x43a047, 0x4caf50, 0x32cd32, 0x006400],
  blue: [0x0000ff, 0x0000cd, 0x0d47a1, 0x1565c0, 0x1976d2],
  purple: [0x800080, 0x8e24aa, 0x9c27b0, 0x6a1b9a, 0x7b1fa2],
  pink: [0xffc0cb, 0xff69b4, 0xf06292, 0xffb6c1, 0xf48fb1],
  brown: [0xa52a2a, 0x8b4513, 0xa0522d, 0x795548, 0x6d4c41, 0x5d4037],
  black: [0x000000, 0x212121, 0x333333],
  gray: [0x808080, 0x9e9e9e, 0x757575, 0xa9a9a9],
  cyan: [0x00ffff, 0x00e5ff, 0x40e0d0, 0x00bcd4],
  magenta: [0xff00ff, 0xe040fb, 0xd500f9],
  white: [0xffffff],
});

/** Background bands: their shades, and the object colour those shades are where the band is absent. */
const BANDS: Readonly<Record<BandClass, { readonly shades: readonly number[]; readonly elsewhere?: ObjectClass }>> = Object.freeze({
  sky: { shades: [0x87ceeb, 0xadd8e6, 0x87cefa, 0xb3e5fc, 0x4fc3f7, 0x81d4fa] },
  grass: { shades: [0x90ee90, 0x98fb98, 0xa5d6a7, 0x8bc34a, 0x7cb342, 0x9ccc65, 0x81c784], elsewhere: 'green' },
  water: { shades: [0x1e90ff, 0x2196f3, 0x1e88e5, 0x0277bd, 0x0288d1, 0x03a9f4], elsewhere: 'blue' },
});

// ΔE76 radius around a prototype; the world's own colours are ≥ 21 apart (nearest wins).
const MAX_DELTA_E = 28;
/** Object prototypes this close to a present band's shade give way to the band. */
const SHADOW = 16;

const lin = (v: number): number => {
  const c = v / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
};
const f = (t: number): number => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);

export function rgbToLab(rgb: number): [number, number, number] {
  const r = lin((rgb >> 16) & 255);
  const g = lin((rgb >> 8) & 255);
  const b = lin(rgb & 255);
  const x = f((r * 0.4124 + g * 0.3576 + b * 0.1805) / 0.95047);
  const y = f(r * 0.2126 + g * 0.7152 + b * 0.0722);
  const z = f((r * 0.0193 + g * 0.1192 + b * 0.9505) / 1.08883);
  return [116 * y - 16, 500 * (x - y), 200 * (y - z)];
}

type Lab = [number, number, number];
const dist2 = (a: Lab, b: Lab): number => (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 + (a[2] - b[2]) ** 2;
const cls = (name: ColorClass): number => COLOR_CLASSES.indexOf(name);

/** A palette: prototypes with their class, for one set of present bands. */
interface Palette {
  readonly protos: readonly { cls: number; lab: Lab }[];
  /** Classes of 6-bit-quantised colours, filled lazily (a render has thousands of anti-aliased colours). */
  readonly table: Uint8Array;
}
const palettes = new Map<string, Palette>();

function palette(bands: readonly BandClass[]): Palette {
  const key = [...bands].sort().join(',');
  const known = palettes.get(key);
  if (known) return known;
  const present = Object.entries(BANDS).filter(([b]) => bands.includes(b as BandClass));
  const bandLabs = present.flatMap(([, v]) => v.shades.map(rgbToLab));
  const protos: { cls: number; lab: Lab }[] = [];
  for (const [name, list] of Object.entries(PROTOTYPES)) {
    for (const rgb of list) {
      const lab = rgbToLab(rgb);
      if (!bandLabs.some((b) => dist2(b, lab) < SHADOW * SHADOW)) protos.push({ cls: cls(name as ColorClass), lab });
    }
  }
  for (const [band, v] of Object.entries(BANDS) as [BandClass, (typeof BANDS)[BandClass]][]) {
    const as = bands.includes(band) ? band : v.elsewhere;
    if (as) for (const rgb of v.shades) protos.push({ cls: cls(as), lab: rgbToLab(rgb) });
  }
  const p = { protos, table: new Uint8Array(1 << 18).fill(UNKNOWN) };
  palettes.set(key, p);
  return p;
}

const UNKNOWN = 255;

function nearest(p: Palette, rgb: number): number {
  const lab = rgbToLab(rgb);
  let best = OTHER;
  let bestD = MAX_DELTA_E * MAX_DELTA_E;
  for (const q of p.protos) {
    const d = dist2(lab, q.lab);
    if (d < bestD) {
      bestD = d;
      best = q.cls;
    }
  }
  return best;
}

/** Class index of a 24-bit RGB colour in a scene with the given bands (none: a plain canvas). */
export function classify(rgb: number, bands: readonly BandClass[] = []): number {
  return nearest(palette(bands), rgb);
}

/** One class index per pixel; translucent pixels are composited on white first (as the renderer does). */
export function labelPixels(px: Pixels, bands: readonly BandClass[] = []): Uint8Array {
  const n = px.width * px.height;
  if (px.data.length < n * 4) throw new Error(`pixel buffer has ${px.data.length} bytes; ${px.width}×${px.height} RGBA needs ${n * 4}`);
  const out = new Uint8Array(n);
  const d = px.data;
  const p = palette(bands);
  const t = p.table;
  for (let i = 0; i < n; i++) {
    let r = d[i * 4] as number, g = d[i * 4 + 1] as number, b = d[i * 4 + 2] as number;
    const a = d[i * 4 + 3] as number;
    if (a < 255) {
      r = Math.round((r * a + 255 * (255 - a)) / 255);
      g = Math.round((g * a + 255 * (255 - a)) / 255);
      b = Math.round((b * a + 255 * (255 - a)) / 255);
    }
    const q = ((r >> 2) << 12) | ((g >> 2) << 6) | (b >> 2);
    let c = t[q] as number;
    if (c === UNKNOWN) {
      // The bucket's own colour: pure 255 stays 255 and 0 stays 0, so palette colours classify exactly.
      const mid = (v: number): number => (v >> 2 === 63 ? 255 : v >> 2 === 0 ? 0 : (v & ~3) + 2);
      c = nearest(p, (mid(r) << 16) | (mid(g) << 8) | mid(b));
      t[q] = c;
    }
    out[i] = c;
  }
  return out;
}
