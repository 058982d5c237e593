// Connected regions of one colour and their geometry. Anti-aliasing paints 1-px lines of mixed
// colour: between two colours (which may read as a third colour — they would count as objects)
// and where two shapes of one colour abut (which would cut an object in two). So a colour mask
// gets its 1-px gaps bridged and is then thinned (a pixel survives if ≥ 3 of its 4 neighbours
// do) before labelling; 2-px parts of small objects survive.
import type { ShapeClass } from '../../world/kinds.ts';

export interface Blob {
  /** Pixels, holes filled. */
  readonly area: number;
  /** Pixels that survived thinning: what size thresholds judge, so specks cannot grow into objects. */
  readonly core: number;
  readonly x0: number;
  readonly y0: number;
  readonly x1: number; // exclusive
  readonly y1: number; // exclusive
  readonly cx: number;
  readonly cy: number;
  /** area / convex hull area: ~1 for convex shapes, ~0.6 for a five-pointed star. */
  readonly solidity: number;
  /** Row of greatest width, as a fraction of the height (triangle ≈ 1, diamond ≈ 0.5). */
  readonly widestRow: number;
}

/** Regions of class `cls` in a label image, largest first. */
export function blobsOf(labels: Uint8Array, width: number, height: number, cls: number): Blob[] {
  const n = width * height;
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) mask[i] = labels[i] === cls ? 1 : 0;
  const bridged = bridge(mask, width, height);
  const keep = thin(bridged, width, height);
  const blobs: Blob[] = [];
  for (let start = 0; start < keep.length; start++) {
    if (keep[start] !== 1) continue;
    keep[start] = 2;
    const pixels = [start];
    for (let k = 0; k < pixels.length; k++) {
      const i = pixels[k] as number;
      for (const j of [i - 1, i + 1, i - width, i + width]) {
        if (keep[j] === 1) {
          keep[j] = 2;
          pixels.push(j);
        }
      }
    }
    // Grow back the edge pixels thinning removed, so geometry is measured on the drawn shape.
    const core = pixels.length;
    for (let k = 0; k < core; k++) {
      const i = pixels[k] as number;
      for (const j of [i - 1, i + 1, i - width, i + width]) {
        if (bridged[j] === 1 && keep[j] === 0) {
          keep[j] = 3;
          pixels.push(j);
        }
      }
    }
    blobs.push({ ...describe(pixels, width), core });
  }
  return blobs.sort((a, b) => b.area - a.area);
}

/** Sets every pixel whose two opposite neighbours (left-right or up-down) are set: fills 1-px seams. */
function bridge(m: Uint8Array, width: number, height: number): Uint8Array {
  const out = m.slice();
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      if (!m[i] && ((m[i - 1] && m[i + 1]) || (m[i - width] && m[i + width]))) out[i] = 1;
    }
  }
  return out;
}

/** Keeps a pixel when at least 3 of its 4 neighbours are set: removes 1-px lines, keeps 2-px parts. */
function thin(m: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(m.length);
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      if (m[i] && (m[i - 1] as number) + (m[i + 1] as number) + (m[i - width] as number) + (m[i + width] as number) >= 3) out[i] = 1;
    }
  }
  return out;
}

/** Geometry of one region; holes (an object drawn inside it) are filled first. */
function describe(pixels: readonly number[], width: number): Omit<Blob, 'core'> {
  let x0 = Infinity, y0 = Infinity, x1 = 0, y1 = 0, sx = 0, sy = 0;
  for (const i of pixels) {
    const x = i % width;
    const y = (i - x) / width;
    sx += x; sy += y;
    x0 = Math.min(x0, x); x1 = Math.max(x1, x + 1);
    y0 = Math.min(y0, y); y1 = Math.max(y1, y + 1);
  }
  const w = x1 - x0;
  const h = y1 - y0;
  // Local mask: 1 = region, 0 = not; flood 0s from the box border, the rest are holes.
  const local = new Uint8Array(w * h);
  for (const i of pixels) local[((i - (i % width)) / width - y0) * w + (i % width) - x0] = 1;
  const queue: number[] = [];
  for (let k = 0; k < w * h; k++) {
    const x = k % w;
    const y = (k - x) / w;
    if ((x === 0 || y === 0 || x === w - 1 || y === h - 1) && local[k] === 0) {
      local[k] = 2;
      queue.push(k);
    }
  }
  for (let q = 0; q < queue.length; q++) {
    const k = queue[q] as number;
    const x = k % w;
    for (const j of [x > 0 ? k - 1 : -1, x < w - 1 ? k + 1 : -1, k - w, k + w]) {
      if (j >= 0 && j < w * h && local[j] === 0) {
        local[j] = 2;
        queue.push(j);
      }
    }
  }
  let filled = 0, widest = 0, widestW = -1;
  const pts: [number, number][] = [];
  for (let y = 0; y < h; y++) {
    let lo = -1, hi = -1;
    for (let x = 0; x < w; x++) {
      if (local[y * w + x] === 2) continue;
      filled++;
      if (lo < 0) lo = x;
      hi = x + 1;
    }
    if (lo < 0) continue;
    // Ties go to the row farthest from the middle, so a flat-bottomed triangle reads as widest at the base.
    if (hi - lo > widestW || (hi - lo === widestW && Math.abs(y - h / 2) > Math.abs(widest - h / 2))) {
      widestW = hi - lo;
      widest = y;
    }
    pts.push([lo, y], [hi, y], [lo, y + 1], [hi, y + 1]);
  }
  return {
    area: filled, x0, y0, x1, y1, cx: sx / pixels.length + 0.5, cy: sy / pixels.length + 0.5,
    solidity: filled / Math.max(filled, hullArea(pts)),
    widestRow: (widest + 0.5) / h,
  };
}

/** Area of the convex hull (Andrew's monotone chain + shoelace). */
function hullArea(points: [number, number][]): number {
  const p = points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const cross = (o: [number, number], a: [number, number], b: [number, number]): number =>
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const half = (pts: [number, number][]): [number, number][] => {
    const h: [number, number][] = [];
    for (const q of pts) {
      while (h.length >= 2 && cross(h[h.length - 2] as [number, number], h[h.length - 1] as [number, number], q) <= 0) h.pop();
      h.push(q);
    }
    h.pop();
    return h;
  };
  const hull = [...half(p), ...half([...p].reverse())];
  let a = 0;
  for (let i = 0; i < hull.length; i++) {
    const [x1, y1] = hull[i] as [number, number];
    const [x2, y2] = hull[(i + 1) % hull.length] as [number, number];
    a += x1 * y2 - x2 * y1;
  }
  return Math.abs(a) / 2;
}

export const blobW = (b: Blob): number => b.x1 - b.x0;
export const blobH = (b: Blob): number => b.y1 - b.y0;

/**
 * Primitive shape class from geometry alone: stars are the non-convex ones; then the share of
 * the bounding box a shape fills (square 1, circle π/4, triangle/diamond ½) and its aspect ratio;
 * triangles are widest at an end, diamonds in the middle.
 */
export function shapeOf(b: Blob): ShapeClass | 'other' {
  const w = blobW(b);
  const h = blobH(b);
  const fill = b.area / (w * h);
  const aspect = w / h;
  const round = aspect > 0.8 && aspect < 1.25;
  if (b.solidity < 0.8) return 'star';
  if (fill >= 0.88) return round ? 'square' : 'rectangle';
  if (fill >= 0.68) return round ? 'circle' : 'ellipse';
  if (fill >= 0.38) return Math.abs(b.widestRow - 0.5) < 0.2 ? 'diamond' : 'triangle';
  return 'other';
}
