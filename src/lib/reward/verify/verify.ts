// The verifier: judges any program's render against a scene spec, from pixels alone — colours
// by pixel mass (names depend on the scene's background, colors.ts), counts by objects (regions
// of a colour, joined across details drawn over them, objects.ts), relations by centroids,
// primitive shapes by region geometry, iconic objects by cues any drawing of the kind has
// (identity.ts) rather than by how the world builds them. Works at 96–256 px; the render must be
// composited on white.
import { getKind } from '../../world/kinds.ts';
import type { Relation, SceneSpec } from '../../world/spec.ts';
import { shapeOf } from './blobs.ts';
import { COLOR_CLASSES, labelPixels, type BandClass, type ColorClass } from './colors.ts';
import type { Pixels } from '../../render/rasterize.ts';
import { hasText } from '../../program/text.ts';
import { mainExtent } from './expect.ts';
import { featuresOf, looksLike } from './identity.ts';
import { findObjects, sceneOf, type Found, type GroupFound } from './objects.ts';

export interface Check {
  readonly name: string;
  readonly pass: boolean;
  readonly weight: number;
  readonly detail: string;
}
export interface SceneVerdict {
  readonly checks: readonly Check[];
  /** 1 when every check passes; otherwise < 0.5, by the weighted share of passed checks. */
  readonly score: number;
}

// ---- thresholds (fractions of the canvas) -----------------------------------------------------
/** Tolerated pixel mass of chromatic colours the scene does not contain, plus specks of its own colours. */
const STRAY = 0.05;
/** Details in colours the prompt does not name may cover this share of an identified object's area… */
const DETAIL = 1;
/** …within this share of its size around it. */
const NEAR_DETAIL = 0.5;
/** Centroids must differ by this much for left/right/above/below. */
const REL_MARGIN = 0.03;

const cls = (name: ColorClass): number => COLOR_CLASSES.indexOf(name);
const BACKGROUND_CLASS: Readonly<Record<string, readonly BandClass[]>> = Object.freeze({
  none: [], sky: ['sky'], land: ['sky', 'grass'], sea: ['sky', 'water'], underwater: ['water'],
});

/** a REL b, for groups found in the render; `extentA/B` turn a main-colour region's size into the whole object's. */
function relationHolds(rel: Relation, a: GroupFound, b: GroupFound, px: Pixels, extentA: number, extentB: number): boolean {
  const mx = REL_MARGIN * px.width;
  const my = REL_MARGIN * px.height;
  const side = (g: GroupFound): number => Math.max(g.box[2] - g.box[0], g.box[3] - g.box[1]);
  switch (rel) {
    case 'left_of': return a.cx < b.cx - mx;
    case 'right_of': return a.cx > b.cx + mx;
    case 'above': return a.cy < b.cy - my;
    case 'below': return a.cy > b.cy + my;
    case 'inside':
      return a.box[0] >= b.box[0] && a.box[1] >= b.box[1] && a.box[2] <= b.box[2] && a.box[3] <= b.box[3] && side(a) < side(b);
    case 'next_to': {
      const gap = Math.max(a.box[0], b.box[0]) - Math.min(a.box[2], b.box[2]);
      return Math.abs(a.cy - b.cy) < 0.25 * px.height && gap > -0.05 * px.width && gap < 0.3 * px.width;
    }
    case 'larger': return side(a) / extentA >= 1.3 * (side(b) / extentB);
  }
}

export interface VerifyInput {
  readonly pixels: Pixels;
  /** The program text, when known: programs that draw text are refused outright (text fools encoders). */
  readonly svg?: string;
}

export function verify(spec: SceneSpec, input: Pixels | VerifyInput): SceneVerdict {
  const { pixels: px, svg } = 'pixels' in input ? input : { pixels: input, svg: undefined };
  if (svg !== undefined && hasText(svg)) {
    return { checks: [{ name: 'no-text', pass: false, weight: 1, detail: 'the program draws text' }], score: 0 };
  }
  const bands = BACKGROUND_CLASS[spec.background] ?? [];
  const labels = labelPixels(px, bands);
  const n = px.width * px.height;
  const mass = new Float64Array(COLOR_CLASSES.length);
  for (const l of labels) mass[l] = (mass[l] as number) + 1;
  const checks: Check[] = [];
  const add = (name: string, pass: boolean, detail: string, weight = 1): void => void checks.push({ name, pass, weight, detail });

  const scene = sceneOf(labels, px.width, px.height, bands);
  const found = spec.groups.map((g) => findObjects(scene, cls(g.color as ColorClass)));
  // Cues look at ink next to an object that is no object's body (a row's neighbour is not a trunk).
  const bodies = new Uint8Array(n);
  found.forEach((f, g) => f?.objects.forEach((o) => {
    // Only pixels of the body's own colour: bridging may have drawn it over a 1-px stick.
    const c = cls(spec.groups[g]?.color as ColorClass);
    for (const i of o.pixels) if (labels[i] === c) bodies[i] = 1;
  }));
  const identified: Found[] = [];
  spec.groups.forEach((g, i) => {
    const f = found[i];
    const k = getKind(g.kind);
    const label = `${g.count}×${g.color} ${g.kind}`;
    const count = f?.objects.length ?? 0;
    add(`count:${i}`, count === g.count, `${label}: found ${count} ${g.color} object(s)`);
    if (!f) return;
    if (k.shape) {
      const shapes = f.objects.map(shapeOf);
      f.objects.forEach((o, j) => { if (shapes[j] === k.shape) identified.push(o); });
      add(`shape:${i}`, shapes.every((s) => s === k.shape), `${label}: shapes ${shapes.join(', ')}`);
      return;
    }
    const ok = f.objects.map((o) => looksLike(g.kind, featuresOf(scene, o, bodies)));
    f.objects.forEach((o, j) => { if (ok[j]) identified.push(o); });
    add(`identity:${i}`, ok.every(Boolean), `${label}: ${ok.filter(Boolean).length}/${ok.length} identified as ${g.kind}`);
  });

  const extent = (g: number): number => mainExtent(getKind(spec.groups[g]?.kind ?? ''));
  spec.relations.forEach((r, i) => {
    const a = found[r.a];
    const b = found[r.b];
    add(`relation:${i}`, !!a && !!b && relationHolds(r.rel, a, b, px, extent(r.a), extent(r.b)), `group ${r.a} ${r.rel} group ${r.b}`);
  });

  for (const c of bands) {
    const share = (mass[cls(c)] as number) / n;
    add(`background:${c}`, share >= 0.1, `${c} covers ${(100 * share).toFixed(0)}% of the canvas`);
  }

  // Painting colours the prompt never asked for is the cheapest hack: it weighs as much as all
  // other checks together, so failing it caps the score at one quarter. Black, gray and white
  // (outlines, shading) and background colours are neutral: other programs use them freely.
  const expectedClasses = new Set<number>(['white', 'black', 'gray', 'sky', 'grass', 'water', 'other'].map((c) => cls(c as ColorClass)));
  for (const g of spec.groups) {
    expectedClasses.add(cls(g.color as ColorClass));
    for (const p of getKind(g.kind).parts) if (p.fill !== 'main') expectedClasses.add(cls(p.fill as ColorClass));
  }
  // Parts in other colours drawn onto an identified object (a red roof on a yellow house) are its
  // details, not clutter: touching it (same ink part), near it, and up to DETAIL of its area.
  const excuse = new Map<number, { budget: number; boxes: [number, number, number, number][] }>();
  for (const o of identified) {
    const id = scene.ink[o.pixels[0] as number] ?? 0;
    if (!id) continue;
    const e = excuse.get(id) ?? { budget: 0, boxes: [] };
    const gx = NEAR_DETAIL * (o.x1 - o.x0), gy = NEAR_DETAIL * (o.y1 - o.y0);
    e.budget += DETAIL * o.area;
    e.boxes.push([o.x0 - gx, o.y0 - gy, o.x1 + gx, o.y1 + gy]);
    excuse.set(id, e);
  }
  let stray = 0;
  labels.forEach((c, i) => {
    if (expectedClasses.has(c)) return;
    const e = excuse.get(scene.ink[i] ?? 0);
    const x = i % px.width, y = (i - x) / px.width;
    if (e && e.budget > 0 && e.boxes.some((b) => x >= b[0] && y >= b[1] && x < b[2] && y < b[3])) e.budget--;
    else stray++;
  });
  // Specks of an asked-for colour outside the regions counted as objects are clutter, not drawing.
  spec.groups.forEach((g, i) => {
    stray += Math.max(0, (mass[cls(g.color as ColorClass)] as number) - (found[i]?.owned ?? 0));
  });
  const others = checks.reduce((s, c) => s + c.weight, 0);
  add('no-stray-colors', stray <= STRAY * n, `${(100 * stray / n).toFixed(1)}% of pixels in colours the scene does not contain, or in specks`, others);

  const total = checks.reduce((s, c) => s + c.weight, 0);
  const passed = checks.reduce((s, c) => s + (c.pass ? c.weight : 0), 0);
  return { checks, score: passed === total ? 1 : (0.5 * passed) / total };
}
