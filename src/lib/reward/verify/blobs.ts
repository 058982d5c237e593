// Connected regions of one colour and their geometry. Anti-aliasing paints 1-px lines of mixed
// colour: between two colours (which may read as a third colour — they would count as objects)
// and where two shapes of one colour abut (which would cut an object in two). So a colour mask
// gets its 1-px gaps bridged and is then thinned (a pixel survives if ≥ 3 of its 4 neighbours
// do) before labelling; 2-px parts of small objects survive.
import type { ShapeClass } from '../../world/kinds.ts';
import { describe, type Shape } from './shape.ts';

export interface Blob extends Shape {
  /** Pixels that survived thinning: what size thresholds judge, so specks cannot grow into objects. */
  readonly core: number;
  /** Pixel indices of the region (as drawn, before holes are filled). */
  readonly pixels: readonly number[];
}

/** A mask of class `cls` in a label image with 1-px seams bridged. */
export function classMask(labels: Uint8Array, width: number, height: number, cls: number): Uint8Array {
  const n = width * height;
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) mask[i] = labels[i] === cls ? 1 : 0;
  return bridge(mask, width, height);
}

/** Regions smaller than this (anti-aliased fringe, mostly) get only a box and a centroid: a render has hundreds. */
const SPECK = 24;

function speck(pixels: readonly number[], width: number): Shape {
  let x0 = Infinity, y0 = Infinity, x1 = 0, y1 = 0, sx = 0, sy = 0;
  for (const i of pixels) {
    const x = i % width, y = (i - x) / width;
    x0 = Math.min(x0, x); x1 = Math.max(x1, x + 1); y0 = Math.min(y0, y); y1 = Math.max(y1, y + 1);
    sx += x; sy += y;
  }
  const n = pixels.length;
  return {
    area: n, x0, y0, x1, y1, cx: sx / n + 0.5, cy: sy / n + 0.5, solidity: 1, widestRow: 0.5, topWidth: 1, bottomWidth: 1,
    elongation: 1, lopsided: 0, topNotch: 0, widthStep: 0, splitRows: 0, gapX: 0.5, holes: 0, holeX: 0.5, holeY: 0.5,
  };
}

/** Regions of class `cls` in a label image, largest first. */
export function blobsOf(labels: Uint8Array, width: number, height: number, cls: number): Blob[] {
  const bridged = classMask(labels, width, height, cls);
  const keep = thin(bridged, width, height);
  const blobs: Blob[] = [];
  for (let start = 0; start < keep.length; start++) {
    if (keep[start] !== 1) continue;
    keep[start] = 2;
    const pixels = [start];
    // Kept pixels never touch the image border (thin() leaves it empty), so ±1 and ±width stay inside.
    const visit = (j: number): void => {
      if (keep[j] === 1) {
        keep[j] = 2;
        pixels.push(j);
      }
    };
    for (let k = 0; k < pixels.length; k++) {
      const i = pixels[k] as number;
      visit(i - 1); visit(i + 1); visit(i - width); visit(i + width);
    }
    // Grow back the edge pixels thinning removed, so geometry is measured on the drawn shape.
    const core = pixels.length;
    const regrow = (j: number): void => {
      if (bridged[j] === 1 && keep[j] === 0) {
        keep[j] = 3;
        pixels.push(j);
      }
    };
    for (let k = 0; k < core; k++) {
      const i = pixels[k] as number;
      regrow(i - 1); regrow(i + 1); regrow(i - width); regrow(i + width);
    }
    blobs.push({ ...(pixels.length >= SPECK ? describe(pixels, width) : speck(pixels, width)), core, pixels });
  }
  return blobs.sort((a, b) => b.area - a.area);
}

/** Sets every pixel whose two opposite neighbours (left-right or up-down) are set: fills 1-px seams. */
export function bridge(m: Uint8Array, width: number, height: number): Uint8Array {
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
export function thin(m: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(m.length);
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      if (m[i] && (m[i - 1] as number) + (m[i + 1] as number) + (m[i - width] as number) + (m[i + width] as number) >= 3) out[i] = 1;
    }
  }
  return out;
}

export const blobW = (b: Shape): number => b.x1 - b.x0;
export const blobH = (b: Shape): number => b.y1 - b.y0;

/**
 * Primitive shape class from geometry alone: stars are the non-convex ones; then the share of
 * the bounding box a shape fills (square 1, circle π/4, triangle/diamond ½) and its aspect ratio;
 * triangles are widest at an end, diamonds in the middle.
 */
export function shapeOf(b: Shape): ShapeClass | 'other' {
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
