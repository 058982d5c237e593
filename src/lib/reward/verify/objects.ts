// From colour regions to objects. Other programs draw details across an object's body — a hat
// band, kite struts, a leaf's midrib, a label — and these cut the body's colour into several
// regions. Regions of one colour that the drawing's ink joins (ink: named colours other than the
// canvas, a background band or a backdrop) are one object when they lie close together; specks of the colour near an object
// (a sun's separate rays) belong to it rather than counting as objects or as clutter.
import { blobsOf, bridge, thin, type Blob } from './blobs.ts';
import { COLOR_CLASSES, type ColorClass } from './colors.ts';
import { describe, type Shape } from './shape.ts';

export interface Found extends Shape {
  /** Pixel indices of the object's own colour. */
  readonly pixels: readonly number[];
}

export interface Scene {
  readonly labels: Uint8Array;
  readonly width: number;
  readonly height: number;
  /** Connected component of the named-colour ink each pixel belongs to (0 = none). */
  readonly ink: Int32Array;
  /** Per colour class: 1 when it is not ink (white, a background band, a backdrop). */
  readonly blank: Uint8Array;
}

/** Smallest region that counts as an object (pixels surviving thinning): ~13 px at 128², ~40 px at 224². */
export const MIN_OBJECT = 0.0008;
/** A region covering more than this is a painted canvas, not an object. */
export const MAX_OBJECT = 0.9;
/** Objects under this share of the colour's largest object are fragments, not objects. */
const FRAGMENT = 0.1;
/** A class covering more than this share of the canvas is a backdrop, not ink that joins parts. */
const BACKDROP = 0.5;
/** Regions of one colour joined by ink are one object when their boxes are at most this share of the smaller one's side apart. */
const JOIN_GAP = 0.25;
/** Gaps narrower than this share of an object's larger side are closed when its parts are joined. */
const CLOSE = 0.03;
/** A region enclosing more than this share of its filled area is a ring round something (an outline). */
const RING = 0.5;
/** A region with less than this share of its pixels surviving thinning is a line. */
const THIN = 0.4;
/** A region filling less than this share of its box and of its hull is strokes, not a body (a five-pointed star fills ~0.45). */
const SPARSE = 0.3;
/** Specks of an object's colour within this share of its size around it are part of it (rays, petals). */
const NEAR = 0.6;

/** Finds the ink (what is not white, a background band or a backdrop) and its connected parts. */
export function sceneOf(labels: Uint8Array, width: number, height: number, background: readonly ColorClass[]): Scene {
  const n = width * height;
  const mass = new Float64Array(COLOR_CLASSES.length);
  for (const l of labels) mass[l] = (mass[l] as number) + 1;
  const blank = new Uint8Array(COLOR_CLASSES.length);
  for (const c of ['white', ...background]) blank[COLOR_CLASSES.indexOf(c as ColorClass)] = 1;
  mass.forEach((m, c) => { if (m > BACKDROP * n) blank[c] = 1; });
  // Parts are joined through named colours only: 'other' is mostly anti-aliased fringe, which
  // would join two objects that nearly touch.
  const other = COLOR_CLASSES.indexOf('other');
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) mask[i] = blank[labels[i] as number] || labels[i] === other ? 0 : 1;
  // Bridged and thinned like a colour mask: a 1-px line of fringe joins nothing.
  const bridged = thin(bridge(mask, width, height), width, height);
  const ink = new Int32Array(n);
  let next = 0;
  for (let s = 0; s < n; s++) {
    if (!bridged[s] || ink[s]) continue;
    ink[s] = ++next;
    const stack = [s];
    const visit = (j: number): void => {
      if (bridged[j] && !ink[j]) {
        ink[j] = next;
        stack.push(j);
      }
    };
    while (stack.length) {
      const i = stack.pop() as number;
      const x = i % width;
      if (x > 0) visit(i - 1);
      if (x < width - 1) visit(i + 1);
      if (i >= width) visit(i - width);
      if (i < n - width) visit(i + width);
    }
  }
  return { labels, width, height, ink, blank };
}

export interface GroupFound {
  readonly objects: Found[];
  /** Pixels of the colour that objects own, specks near them included; the rest is clutter. */
  readonly owned: number;
  readonly cx: number;
  readonly cy: number;
  readonly box: [number, number, number, number];
}

const side = (b: Shape): number => Math.max(b.x1 - b.x0, b.y1 - b.y0);
/** Gap between two boxes along the axis where they are farthest apart (0 when they overlap). */
const boxGap = (a: Shape, b: Shape): number => Math.max(0, a.x0 - b.x1, b.x0 - a.x1, a.y0 - b.y1, b.y0 - a.y1);

/**
 * One object from regions of its colour, closed over the narrow gaps between them (a leaf's
 * midrib, an outline between petals), so its shape is the drawn object's, not a cut-up one.
 */
function joinParts(s: Scene, bs: readonly Blob[]): Found {
  const first = bs[0] as Blob;
  if (bs.length === 1) return first;
  const pixels = bs.flatMap((b) => b.pixels);
  const x0 = Math.min(...bs.map((b) => b.x0)), y0 = Math.min(...bs.map((b) => b.y0));
  const x1 = Math.max(...bs.map((b) => b.x1)), y1 = Math.max(...bs.map((b) => b.y1));
  const r = Math.max(2, Math.round(CLOSE * Math.max(x1 - x0, y1 - y0)));
  // Morphological closing (dilate by r, erode by r) in the box grown by r, with summed-area tables.
  const X0 = x0 - r, Y0 = y0 - r, w = x1 - x0 + 2 * r, h = y1 - y0 + 2 * r;
  const mask = new Uint8Array(w * h);
  for (const i of pixels) mask[((i - (i % s.width)) / s.width - Y0) * w + (i % s.width) - X0] = 1;
  const sat = (m: Uint8Array): (x: number, y: number) => number => {
    const t = new Int32Array((w + 1) * (h + 1));
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      t[(y + 1) * (w + 1) + x + 1] = (m[y * w + x] as number) + (t[y * (w + 1) + x + 1] as number) + (t[(y + 1) * (w + 1) + x] as number) - (t[y * (w + 1) + x] as number);
    }
    // Set pixels in the (2r+1)² square round (x, y), clipped to the box.
    return (x, y) => {
      const a = Math.max(0, x - r), b = Math.max(0, y - r), c = Math.min(w, x + r + 1), d = Math.min(h, y + r + 1);
      return (t[d * (w + 1) + c] as number) - (t[b * (w + 1) + c] as number) - (t[d * (w + 1) + a] as number) + (t[b * (w + 1) + a] as number);
    };
  };
  const near = sat(mask);
  const grown = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) grown[y * w + x] = near(x, y) > 0 ? 1 : 0;
  const full = sat(grown);
  const closed: number[] = [];
  for (let y = r; y < h - r; y++) {
    for (let x = r; x < w - r; x++) {
      const inside = (Math.min(h, y + r + 1) - Math.max(0, y - r)) * (Math.min(w, x + r + 1) - Math.max(0, x - r));
      if (mask[y * w + x] || full(x, y) === inside) closed.push((y + Y0) * s.width + x + X0);
    }
  }
  return { ...describe(closed, s.width), pixels };
}

const near = (o: Shape, b: Shape): boolean => {
  const gx = NEAR * (o.x1 - o.x0), gy = NEAR * (o.y1 - o.y0);
  return b.cx > o.x0 - gx && b.cx < o.x1 + gx && b.cy > o.y0 - gy && b.cy < o.y1 + gy;
};

/** The objects drawn in colour `cls`: its regions joined by ink, fragments dropped or attached. */
export function findObjects(s: Scene, cls: number): GroupFound | undefined {
  const n = s.width * s.height;
  const blobs = blobsOf(s.labels, s.width, s.height, cls).filter((b) => b.area <= MAX_OBJECT * n);
  // Join regions that the ink connects and that lie close together (a hat's crown and brim across
  // its band); two mushrooms stacked in a grid touch through a stem, but their caps lie far apart.
  // A region outside the ink (a backdrop colour) stands alone; specks (anti-aliased fringes where
  // two colours meet) join nothing.
  const big = blobs.filter((b) => b.core >= MIN_OBJECT * n);
  const root = big.map((_, k) => k);
  const find = (k: number): number => (root[k] === k ? k : (root[k] = find(root[k] as number)));
  for (let a = 0; a < big.length; a++) {
    for (let b = a + 1; b < big.length; b++) {
      const A = big[a] as Blob, B = big[b] as Blob;
      const ia = s.ink[A.pixels[0] as number], ib = s.ink[B.pixels[0] as number];
      if (ia && ia === ib && boxGap(A, B) <= JOIN_GAP * Math.min(side(A), side(B))) root[find(a)] = find(b);
    }
  }
  const parts = new Map<number, Blob[]>();
  big.forEach((b, k) => parts.set(find(k), [...(parts.get(find(k)) ?? []), b]));
  const candidates = [...parts.values()].map((bs) => ({ bs, ...joinParts(s, bs) }));
  const biggest = Math.max(0, ...candidates.map((c) => c.area));
  // An outline (a ring round something, pieces of one, a line) is drawing, not an object of its colour.
  const outline = (c: (typeof candidates)[number]): boolean =>
    c.holes >= RING || c.bs.reduce((t, b) => t + b.core, 0) < THIN * c.bs.reduce((t, b) => t + b.pixels.length, 0) ||
    (c.solidity < SPARSE && c.area < SPARSE * (c.x1 - c.x0) * (c.y1 - c.y0));
  const kept = candidates.filter((c) => c.area >= FRAGMENT * biggest && !outline(c));
  if (kept.length === 0) return undefined;
  const objects: Found[] = kept.map(({ bs: _, ...o }) => o);
  // What the objects own: their regions, and specks of their colour near them.
  const members = new Set(kept.flatMap((c) => c.bs));
  let inObjects = 0;
  for (const b of blobs) if (members.has(b) || objects.some((o) => near(o, b))) inObjects += b.pixels.length;
  return {
    objects,
    owned: inObjects,
    cx: objects.reduce((t, o) => t + o.cx, 0) / objects.length,
    cy: objects.reduce((t, o) => t + o.cy, 0) / objects.length,
    box: [Math.min(...objects.map((o) => o.x0)), Math.min(...objects.map((o) => o.y0)), Math.max(...objects.map((o) => o.x1)), Math.max(...objects.map((o) => o.y1))],
  };
}
