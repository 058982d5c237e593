// Is this region the kind the prompt names? Judged by what any reasonable drawing of the kind
// has, not by how the world builds it: a crescent is lopsided whether it is a path or a circle
// masked by another; a tree has a trunk under its crown, a lollipop a thin stick, a car a cabin
// narrower than its body, a cup a loop on one side, a bottle a neck. Cues read the object's own
// region (shape.ts) and the ink just above and below it, where trunks, stems, strings and flames go.
import type { Found, Scene } from './objects.ts';
import { COLOR_CLASSES, type ColorClass } from './colors.ts';

/** Ink just above or below an object, past its outline, in the middle 80 % of its columns. */
export interface Band {
  /** Ink pixels, as a share of the object's area. */
  readonly ink: number;
  /** Columns with ink just past the box's edge, as a share of the object's width (a trunk ~0.25, a string ~0.05). */
  readonly width: number;
  /** From the leftmost to the rightmost of those columns, as a share of the width (a stem drawn as two outlines is wide). */
  readonly span: number;
  /** Share of the band's ink in each colour class. */
  readonly share: (c: ColorClass) => number;
}

export interface Features {
  readonly aspect: number;
  readonly fill: number;
  readonly o: Found;
  readonly above: Band;
  readonly below: Band;
  /** Ink beside the middle rows, past the outline, on the side with more (a handle), as a share of the area. */
  readonly side: number;
}

const BAND_DEPTH = 0.6;
/** How far beside an object a handle is looked for, as a share of its width. */
const SIDE_DEPTH = 0.4;
/** The longest outline measured, as a share of the object's larger side. */
const MAX_OUTLINE = 0.15;

/**
 * Thickness of an outline drawn round the object: on each side, the median run of ink going out
 * from its edge; the thinnest side's (a roof or wheels cover one side, an outline all four).
 */
function outlineWidth(s: Scene, o: Found, bodies: Uint8Array): number {
  const W = s.width;
  const w = o.x1 - o.x0, h = o.y1 - o.y0;
  const cap = Math.max(2, Math.round(MAX_OUTLINE * Math.max(w, h)));
  const top = new Int32Array(w).fill(-1), bottom = new Int32Array(w).fill(-1), left = new Int32Array(h).fill(-1), right = new Int32Array(h).fill(-1);
  for (const i of o.pixels) {
    const x = i % W, y = (i - x) / W, cx = x - o.x0, cy = y - o.y0;
    if (top[cx] === -1 || y < (top[cx] as number)) top[cx] = y;
    if (y > (bottom[cx] as number)) bottom[cx] = y;
    if (left[cy] === -1 || x < (left[cy] as number)) left[cy] = x;
    if (x > (right[cy] as number)) right[cy] = x;
  }
  const isInk = (x: number, y: number): boolean =>
    x >= 0 && y >= 0 && x < W && y < s.height && !s.blank[s.labels[y * W + x] as number] && !bodies[y * W + x];
  const run = (x: number, y: number, dx: number, dy: number): number => {
    let k = 0;
    while (k < cap && isInk(x + dx * (k + 1), y + dy * (k + 1))) k++;
    return k;
  };
  const median = (a: number[]): number => (a.length ? (a.sort((p, q) => p - q)[a.length >> 1] as number) : 0);
  const sides = [
    [...top].flatMap((y, cx) => (y < 0 ? [] : [run(o.x0 + cx, y, 0, -1)])),
    [...bottom].flatMap((y, cx) => (y < 0 ? [] : [run(o.x0 + cx, y, 0, 1)])),
    [...left].flatMap((x, cy) => (x < 0 ? [] : [run(x, o.y0 + cy, -1, 0)])),
    [...right].flatMap((x, cy) => (x < 0 ? [] : [run(x, o.y0 + cy, 1, 0)])),
  ];
  return Math.min(...sides.map(median));
}

/** Count of the object's own pixels in any box of a window, in O(1) (a summed-area table). */
function ownPixels(o: Found, width: number, pad: number): (x0: number, y0: number, x1: number, y1: number) => number {
  const X0 = o.x0 - pad, Y0 = o.y0 - pad, w = o.x1 - o.x0 + 2 * pad, h = o.y1 - o.y0 + 2 * pad;
  const t = new Int32Array((w + 1) * (h + 1));
  for (const i of o.pixels) {
    const x = (i % width) - X0, y = (i - (i % width)) / width - Y0;
    t[(y + 1) * (w + 1) + x + 1] = 1;
  }
  for (let y = 1; y <= h; y++) for (let x = 1; x <= w; x++) {
    const k = y * (w + 1) + x;
    t[k] = (t[k] as number) + (t[k - 1] as number) + (t[k - w - 1] as number) - (t[k - w - 2] as number);
  }
  const at = (x: number, y: number): number => t[Math.min(h, Math.max(0, y - Y0)) * (w + 1) + Math.min(w, Math.max(0, x - X0))] as number;
  return (x0, y0, x1, y1) => at(x1, y1) - at(x0, y1) - at(x1, y0) + at(x0, y0);
}

function band(s: Scene, o: Found, bodies: Uint8Array, dir: -1 | 1, own: ReturnType<typeof ownPixels>, shell: number): Band {
  const W = s.width;
  const w = o.x1 - o.x0, h = o.y1 - o.y0;
  const depth = Math.max(2, Math.round(BAND_DEPTH * h));
  const first = Math.max(2, Math.round(0.15 * h));
  const counts = new Float64Array(COLOR_CLASSES.length);
  const xa = Math.round(0.1 * w), xb = Math.round(0.9 * w);
  const cols = new Uint8Array(Math.max(0, xb - xa));
  let ink = 0;
  // From the box's middle outwards to BAND_DEPTH past it: wheels hang over a car's edge.
  const mid = Math.round((o.y0 + o.y1) / 2);
  const to = dir > 0 ? o.y1 + depth : o.y0 - 1 - depth;
  const edge = dir > 0 ? o.y1 : o.y0 - 1;
  for (let dx = xa; dx < xb; dx++) {
    const x = o.x0 + dx;
    for (let y = mid; dir > 0 ? y < to : y > to; y += dir) {
      if (y < 0 || y >= s.height) break;
      const i = y * W + x;
      if (s.blank[s.labels[i] as number] || bodies[i]) continue;
      // Within `shell` of the body (any direction) is its outline or fringe, not a part.
      if (own(x - shell, y - shell, x + shell + 1, y + shell + 1) > 0) continue;
      ink++;
      const c = s.labels[i] as number;
      counts[c] = (counts[c] as number) + 1;
      if (Math.abs(y - edge) <= shell + first) cols[dx - xa] = 1;
    }
  }
  const lit = [...cols.keys()].filter((k) => cols[k]);
  return {
    ink: ink / o.area,
    width: lit.length / Math.max(1, w),
    span: lit.length ? ((lit[lit.length - 1] as number) - (lit[0] as number) + 1) / Math.max(1, w) : 0,
    share: (c) => (ink ? (counts[COLOR_CLASSES.indexOf(c)] as number) / ink : 0),
  };
}

/** Ink in the object's middle rows (20–80 %) up to SIDE_DEPTH of its width beside it, on its busier side. */
function sideInk(s: Scene, o: Found, bodies: Uint8Array, own: ReturnType<typeof ownPixels>, shell: number): number {
  const w = o.x1 - o.x0, h = o.y1 - o.y0;
  const reach = Math.max(2, Math.round(SIDE_DEPTH * w));
  const mid = Math.round((o.x0 + o.x1) / 2);
  let left = 0, right = 0;
  for (let y = Math.round(o.y0 + 0.2 * h); y < Math.round(o.y0 + 0.8 * h); y++) {
    for (let x = Math.max(0, o.x0 - reach); x < Math.min(s.width, o.x1 + reach); x++) {
      const i = y * s.width + x;
      if (s.blank[s.labels[i] as number] || bodies[i] || own(x - shell, y - shell, x + shell + 1, y + shell + 1) > 0) continue;
      if (x < mid) left++;
      else right++;
    }
  }
  return Math.max(left, right) / o.area;
}

/** `bodies` marks (non-zero) the pixels of every object found: no object is another's part (a row's neighbour is not a trunk). */
export function featuresOf(s: Scene, o: Found, bodies: Uint8Array): Features {
  const w = o.x1 - o.x0, h = o.y1 - o.y0;
  // Ink within an outline's width of the body (plus a pixel of fringe) is the outline, not a part.
  const shell = outlineWidth(s, o, bodies) + 1;
  const own = ownPixels(o, s.width, shell + 1);
  return {
    aspect: w / h, fill: o.area / (w * h), o,
    above: band(s, o, bodies, -1, own, shell), below: band(s, o, bodies, 1, own, shell), side: sideInk(s, o, bodies, own, shell),
  };
}

type Cue = (f: Features) => boolean;
const between = (v: number, lo: number, hi: number): boolean => v >= lo && v <= hi;
/** Share of a band's ink in any of these colours. */
const inColors = (b: Band, ...cs: ColorClass[]): number => cs.reduce((t, c) => t + b.share(c), 0);
const DARK: ColorClass[] = ['black', 'gray', 'brown', 'other'];

/**
 * What a drawing of each iconic kind has, whoever draws it. Measures: aspect = box width / height;
 * fill = area / box; o.solidity, o.widestRow, o.topWidth/bottomWidth, o.elongation, o.lopsided,
 * o.topNotch, o.holes/holeX/holeY (shape.ts); above/below/side: ink next to the object.
 */
export const KIND_CUES: Readonly<Record<string, Cue>> = Object.freeze({
  // Walls under a roof: a roof of another colour above a boxy body, or one region whose top narrows to a ridge.
  house: (f) => (f.fill >= 0.6 && f.above.ink >= 0.15 && f.above.width >= 0.3) || (f.fill >= 0.6 && f.o.topWidth <= 0.6 && f.o.bottomWidth >= 0.7 && f.o.widestRow >= 0.25),
  // A triangle standing on its base.
  tent: (f) => f.o.topWidth <= 0.45 && f.o.widestRow >= 0.6 && between(f.fill, 0.3, 0.72) && between(f.aspect, 0.6, 2.6),
  // A crown on a trunk: something below, wider than a stick or brown like wood.
  tree: (f) => f.below.ink >= 0.04 && f.below.width >= 0.12 && (inColors(f.below, 'brown') >= 0.4 || f.below.width >= 0.2) && between(f.aspect, 0.45, 2.2),
  // A disc, with or without rays: round and mostly solid (a five-pointed star is not).
  sun: (f) => between(f.aspect, 0.75, 1.33) && f.o.solidity >= 0.65 && f.o.lopsided < 0.04,
  // A crescent: concave, lopsided and long (a star is concave but balanced and round); a few pixels
  // wide, only its length and a little concavity remain.
  moon: (f) => (f.o.solidity <= 0.8 && f.o.lopsided >= 0.015 && f.o.elongation >= 1.3) || (f.o.solidity <= 0.85 && f.o.elongation >= 2.2),
  // Wider than tall, narrower on top, and puffy: a flat base or a bumpy outline (an oval is neither).
  cloud: (f) => between(f.aspect, 1.25, 4) && f.o.solidity >= 0.8 && between(f.fill, 0.5, 0.92) && f.o.widestRow >= 0.45 && f.o.topWidth <= 0.85 &&
    (f.o.bottomWidth >= 0.84 || f.o.solidity <= 0.95),
  // Two lobes on top (a dip between them, or when small just a broad top), a point below.
  heart: (f) => between(f.aspect, 0.75, 1.5) && (f.o.topNotch >= 0.03 || f.o.topWidth >= 0.85) && f.o.bottomWidth <= 0.6 && f.o.widestRow <= 0.5,
  // A round fruit (round below, not a point) with a stem or leaf on top.
  apple: (f) => between(f.aspect, 0.7, 1.45) && f.o.solidity >= 0.85 && f.o.bottomWidth >= 0.55 && f.above.ink >= 0.02 && inColors(f.above, 'brown', 'green', 'black', 'other') >= 0.3,
  // Long, with a tail (a notch at one end) or an eye; its top is not a ring's narrow end.
  fish: (f) => f.o.elongation >= 1.5 && (f.o.solidity <= 0.92 || f.o.holes >= 0.01) && f.o.topWidth >= 0.5,
  // Petals round a centre of another colour, or lobes on a green stem.
  flower: (f) => (f.o.holes >= 0.03 && Math.abs(f.o.holeX - 0.5) < 0.2 && Math.abs(f.o.holeY - 0.5) < 0.25) || (f.o.solidity <= 0.9 && f.below.ink >= 0.03 && inColors(f.below, 'green') >= 0.5),
  // A body with a narrower cabin on top, dark wheels below.
  car: (f) => between(f.aspect, 1.5, 5) && f.o.topWidth <= 0.8 && f.o.widestRow >= 0.5 && f.below.ink >= 0.04 && inColors(f.below, ...DARK) >= 0.5,
  // A long box (as wide on top as below: no cabin), dark wheels below.
  bus: (f) => between(f.aspect, 1.5, 5) && f.o.topWidth >= 0.85 && f.o.bottomWidth >= 0.85 && f.below.ink >= 0.01 && inColors(f.below, ...DARK) >= 0.5,
  // A hull: wide, widest at the deck, narrower at the keel.
  boat: (f) => f.aspect >= 1.6 && f.o.widestRow <= 0.4 && f.o.bottomWidth <= 0.92,
  // A body with a handle at one side: a closed loop (a hole), an open hook (rows split by a gap), or a
  // handle in another colour beside a boxy body.
  cup: (f) => between(f.aspect, 0.5, 2) && ((f.o.holes >= 0.02 && (f.o.holeX <= 0.3 || f.o.holeX >= 0.7)) ||
    (f.o.splitRows >= 0.15 && (f.o.gapX <= 0.3 || f.o.gapX >= 0.7)) || (f.side >= 0.05 && f.fill >= 0.7)),
  // A long shape with a ring at one end (when small, a bumpy one: ring and teeth; a pencil is smooth).
  key: (f) => f.o.elongation >= 2.2 && ((f.o.holes >= 0.02 && (f.o.holeX <= 0.3 || f.o.holeX >= 0.7 || f.o.holeY <= 0.3 || f.o.holeY >= 0.7)) || f.o.solidity <= 0.85),
  // Taller than wide, smooth and round on top.
  balloon: (f) => between(f.aspect, 0.5, 0.95) && f.o.solidity >= 0.88 && f.o.topWidth >= 0.6 && between(f.o.elongation, 1.05, 2.2),
  // A diamond on a tail: pointed at both ends, something hanging below.
  kite: (f) => between(f.fill, 0.35, 0.65) && f.o.topWidth <= 0.6 && f.o.bottomWidth <= 0.6 && f.o.solidity >= 0.8 && between(f.aspect, 0.45, 1.3) && f.below.ink >= 0.01,
  // A scoop on a cone: something wide below it.
  'ice cream': (f) => between(f.aspect, 0.6, 2.5) && f.below.ink >= 0.1 && f.below.width >= 0.3,
  // A round candy on a thin stick.
  lollipop: (f) => between(f.aspect, 0.85, 1.25) && f.o.solidity >= 0.9 && f.below.ink >= 0.02 && between(f.below.width, 0.01, 0.25),
  // A tall solid block with a flame above it.
  candle: (f) => (f.aspect <= 0.6 || f.o.elongation >= 1.8) && f.fill >= 0.85 && f.above.ink >= 0.02 && inColors(f.above, 'orange', 'yellow', 'red') >= 0.3,
  // A long solid bar (at any angle), no ring.
  pencil: (f) => f.o.elongation >= 2.3 && f.o.solidity >= 0.85 && f.o.holes < 0.02,
  // A body with a narrow neck on top.
  bottle: (f) => f.aspect <= 0.75 && f.o.topWidth <= 0.6 && f.o.bottomWidth >= 0.7 && f.fill >= 0.6,
  // Long, smooth and pointed at the ends (fills less of its box than an oval).
  leaf: (f) => between(f.o.elongation, 1.4, 4) && f.o.solidity >= 0.85 && f.fill <= 0.75 && f.o.holes < 0.02,
  // A brim wider than the crown above it: the outline steps out (a dome widens smoothly).
  hat: (f) => f.o.widestRow >= 0.6 && f.o.topWidth <= 0.85 && f.o.widthStep >= 0.15 && between(f.aspect, 0.8, 3) && f.fill <= 0.88 && f.o.holes < 0.02,
  // A dome on a stem as wide as a thumb (an umbrella's handle is a line).
  mushroom: (f) => f.o.widestRow >= 0.6 && f.o.topWidth <= 0.85 && between(f.aspect, 1.1, 3.2) && f.below.ink >= 0.02 && f.below.span >= 0.15,
  // A dome on a thin handle.
  umbrella: (f) => f.o.widestRow >= 0.6 && f.o.topWidth <= 0.85 && between(f.aspect, 1.2, 4.5) && f.below.ink >= 0.01 && f.below.span <= 0.2,
  // Tall, a pointed nose, fins or a flame below.
  rocket: (f) => (f.aspect <= 0.8 || f.o.elongation >= 1.6) && f.o.topWidth <= 0.88 && f.below.ink >= 0.02,
});

/** Whether an object reads as `kind`; primitives (shapeOf) and unknown kinds are not judged here. */
export function looksLike(kind: string, f: Features): boolean {
  const cue = KIND_CUES[kind];
  return cue ? cue(f) : true;
}
