// Render defects (Visual-SDPO, GeoSVG-RL): stacked shapes, low contrast and the tiny-viewBox hack.
// Blank renders and content outside the canvas are rules (rules.ts); these are the other defects.
// Each returns a value in [0, 1] (1 = no defect) or null when it cannot judge, with a short why.
import { canvasOf, type Box } from '../program/geometry.ts';
import type { ParseResult } from '../program/svg-tree.ts';
import type { Pixels } from '../render/rasterize.ts';
import { placedShapes } from './rules.ts';

export interface Judged {
  value: number | null;
  why: string;
}

export interface DefectConfig {
  /** Two shapes whose boxes overlap with IoU ≥ this are stacked (near-duplicates), not a detail on a body. */
  stackedIoU: number;
  /** A shape covering this share of the canvas is a background: it overlaps everything by design. */
  backgroundShare: number;
  /** WCAG 2.x asks 3:1 for graphical objects (SC 1.4.11); at or above it the term is 1. */
  contrastTarget: number;
  /** A pixel differing from the background by more than this (any channel, 0–255) is drawn. */
  inkTolerance: number;
  /** A viewBox side under this many user units is a zoom hack (icons use 24; the world 256). */
  minViewBoxSide: number;
  /** A viewBox that shows less than this share of the drawn shapes' extent is zoomed into a detail. */
  minShownShare: number;
}

export const DEFAULT_DEFECT_CONFIG: Readonly<DefectConfig> = Object.freeze({
  stackedIoU: 0.5,
  backgroundShare: 0.9,
  contrastTarget: 3,
  inkTolerance: 24,
  minViewBoxSide: 4,
  minShownShare: 0.25,
});

const area = (b: Box): number => Math.max(0, b.x1 - b.x0) * Math.max(0, b.y1 - b.y0);
function iou(a: Box, b: Box): number {
  const i = area({ x0: Math.max(a.x0, b.x0), y0: Math.max(a.y0, b.y0), x1: Math.min(a.x1, b.x1), y1: Math.min(a.y1, b.y1) });
  const u = area(a) + area(b) - i;
  return u > 0 ? i / u : 0;
}

/**
 * Pairwise overlap: the share of shapes (backgrounds aside) not stacked on another of about the same
 * box. Details drawn on a body (an eye on a fish) have a small IoU and do not count; copies piled up
 * to darken a region, or a shape drawn twice, do.
 */
export function overlap(parsed: ParseResult, config: DefectConfig = DEFAULT_DEFECT_CONFIG): Judged {
  if (!parsed.ok) return { value: 0, why: 'not well-formed XML: no shapes to place' };
  const canvas = canvasOf(parsed.tree.root.attrs);
  const full = canvas ? area(canvas) : Infinity;
  const boxes = placedShapes(parsed.tree).map((s) => s.box).filter((b) => area(b) < config.backgroundShare * full);
  if (boxes.length < 2) return { value: 1, why: `${boxes.length} shape(s) besides backgrounds: nothing to overlap` };
  const stacked = new Set<number>();
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      if (iou(boxes[i]!, boxes[j]!) >= config.stackedIoU) stacked.add(i).add(j);
    }
  }
  const value = 1 - stacked.size / boxes.length;
  return { value, why: `${stacked.size} of ${boxes.length} shapes stacked on another (box IoU ≥ ${config.stackedIoU})` };
}

/** WCAG relative luminance of an sRGB colour (0–255 channels). */
export function luminance(r: number, g: number, b: number): number {
  const lin = (c: number): number => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

export const contrastRatio = (l1: number, l2: number): number => (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);

/**
 * Low contrast: the median WCAG ratio between drawn pixels and the background (the commonest colour
 * on the canvas border), scaled so the target ratio scores 1 and 1:1 scores 0. The median, not the
 * minimum: anti-aliased edges blend into the background by construction.
 */
export function contrast(px: Pixels, config: DefectConfig = DEFAULT_DEFECT_CONFIG): Judged {
  const { width: w, height: h, data } = px;
  const counts = new Map<number, number>();
  const at = (x: number, y: number): number => {
    const i = (y * w + x) * 4;
    return (data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!;
  };
  for (let x = 0; x < w; x++) for (const y of [0, h - 1]) counts.set(at(x, y), (counts.get(at(x, y)) ?? 0) + 1);
  for (let y = 0; y < h; y++) for (const x of [0, w - 1]) counts.set(at(x, y), (counts.get(at(x, y)) ?? 0) + 1);
  let bg = 0xffffff;
  let best = -1;
  for (const [c, n] of counts) if (n > best) [bg, best] = [c, n];
  const [br, bgG, bb] = [bg >> 16, (bg >> 8) & 255, bg & 255];
  const lb = luminance(br, bgG, bb);
  const ratios: number[] = [];
  for (let i = 0; i < data.length; i += 4) {
    const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
    if (Math.max(Math.abs(r - br), Math.abs(g - bgG), Math.abs(b - bb)) <= config.inkTolerance) continue;
    ratios.push(contrastRatio(luminance(r, g, b), lb));
  }
  const hex = `#${bg.toString(16).padStart(6, '0')}`;
  if (ratios.length === 0) return { value: null, why: `nothing drawn on the ${hex} background` };
  ratios.sort((a, b) => a - b);
  const ratio = ratios[ratios.length >> 1]!;
  const value = Math.min(1, Math.max(0, (ratio - 1) / (config.contrastTarget - 1)));
  return { value, why: `median contrast ${ratio.toFixed(2)}:1 against the ${hex} background (WCAG asks ≥ ${config.contrastTarget}:1 for graphics)` };
}

/**
 * The tiny-viewBox hack: a viewBox a few units wide (a speck blown up to fill the image), or one
 * that shows only a small part of what the program draws (zoomed into one detail).
 */
export function tinyViewBox(parsed: ParseResult, config: DefectConfig = DEFAULT_DEFECT_CONFIG): Judged {
  if (!parsed.ok) return { value: 0, why: 'not well-formed XML: no canvas' };
  const canvas = canvasOf(parsed.tree.root.attrs);
  if (!canvas) return { value: null, why: 'no viewBox and no numeric width/height' };
  const side = Math.min(canvas.x1 - canvas.x0, canvas.y1 - canvas.y0);
  const sizeScore = Math.min(1, Math.max(0, side / config.minViewBoxSide));
  const shapes = placedShapes(parsed.tree).map((s) => s.box);
  let shownScore = 1;
  let shown = 1;
  if (shapes.length) {
    const extent = shapes.reduce((u, b) => ({ x0: Math.min(u.x0, b.x0), y0: Math.min(u.y0, b.y0), x1: Math.max(u.x1, b.x1), y1: Math.max(u.y1, b.y1) }));
    const inter = area({ x0: Math.max(extent.x0, canvas.x0), y0: Math.max(extent.y0, canvas.y0), x1: Math.min(extent.x1, canvas.x1), y1: Math.min(extent.y1, canvas.y1) });
    shown = area(extent) > 0 ? inter / area(extent) : 1;
    shownScore = Math.min(1, shown / config.minShownShare);
  }
  const value = sizeScore * shownScore;
  const vb = `${canvas.x1 - canvas.x0}×${canvas.y1 - canvas.y0}`;
  if (value === 1) return { value, why: `canvas ${vb} shows ${(shown * 100).toFixed(0)}% of the drawing's extent` };
  return {
    value,
    why: sizeScore < 1
      ? `canvas ${vb}: a side under ${config.minViewBoxSide} units blows a speck up to fill the image`
      : `canvas ${vb} shows only ${(shown * 100).toFixed(0)}% of the drawing's extent (needs ≥ ${config.minShownShare * 100}%)`,
  };
}
