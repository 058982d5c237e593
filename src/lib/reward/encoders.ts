// Inputs and scores for the SigLIP-style (text ↔ image) and DINO-style (image ↔ image) encoders,
// from the model folder's own preprocessor_config.json and config.json — the same for bundled
// and hub models. Pure functions: the ml worker runs the graphs.
import type { Pixels } from '../render/rasterize';
import type { PlainTensor } from '../models/backend';

/** The fields of a Hugging Face image processor config that we honour. */
export interface PreprocessorConfig {
  image_mean: [number, number, number];
  image_std: [number, number, number];
  rescale_factor?: number;
  /** SigLIP: {height, width}; DINOv2/BiT: {shortest_edge} plus crop_size. */
  size: { height?: number; width?: number; shortest_edge?: number };
  crop_size?: { height: number; width: number };
}

/**
 * The square input side the encoder expects. We render programs at exactly this size instead of
 * resizing afterwards: the renderer draws vectors, so rendering small is sharper than downsampling.
 */
export function inputSize(pre: PreprocessorConfig): number {
  const side = pre.crop_size?.height ?? pre.size.height ?? pre.size.shortest_edge;
  if (!side) throw new Error('preprocessor_config.json has no size.height, size.shortest_edge or crop_size');
  return side;
}

/** RGBA render (on white) → `pixel_values` [1, 3, H, W]: rescale, then (x − mean) / std per channel. */
export function pixelValues(px: Pixels, pre: PreprocessorConfig): PlainTensor {
  const side = inputSize(pre);
  if (px.width !== side || px.height !== side) {
    throw new Error(`encoder input must be ${side}×${side} px (render at that size), got ${px.width}×${px.height}`);
  }
  const scale = pre.rescale_factor ?? 1 / 255;
  const plane = side * side;
  const out = new Float32Array(3 * plane); // (3, H, W)
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) out[c * plane + i] = ((px.data[i * 4 + c] ?? 0) * scale - pre.image_mean[c]!) / pre.image_std[c]!;
  }
  return { type: 'float32', dims: [1, 3, side, side], data: out };
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`cosine of vectors of different length: ${a.length} vs ${b.length}`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / (Math.sqrt(na * nb) || 1);
}
