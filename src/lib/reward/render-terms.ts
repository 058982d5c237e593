// One sample's render work for the reward, beside the renderer (the svg worker; Node tests pass
// render/node.ts): extract the program, render it once at the term size (rules, defects, verifier)
// and once per encoder input size (renders are made at the encoder's size, never resized), and
// compute every term that needs no encoder. Only the small encoder renders travel on.
import { prepareProgram } from '../program/prepare.ts';
import { DEFAULT_RENDER_SIZE, type Pixels, type RenderResult } from '../render/rasterize.ts';
import type { SceneSpec } from '../world/spec.ts';
import { programTerms, type ProgramTerms } from './terms.ts';

export interface RewardRenderRequest {
  /** Sizes of the loaded encoders' inputs (e.g. [128] for the bundled pair); duplicates render once. */
  encoderSizes: readonly number[];
  spec?: SceneSpec | null;
  /** The size rules, defects and the verifier see (the app's 224). */
  termSize?: number;
}

export interface RewardRender {
  terms: ProgramTerms;
  /** Rendered and every term computed: false for a program without a complete <svg> or one that failed. */
  valid: boolean;
  error?: string;
  /** One render per requested encoder size, in the order asked; empty when the program did not render. */
  encoderPixels: Pixels[];
  ms: number;
  /** resvg trapped (wasm-crash): the worker that rendered it must be replaced before its next render. */
  fatal?: boolean;
}

export function renderForReward(render: (svg: string, size: number) => RenderResult, output: string, req: RewardRenderRequest): RewardRender {
  const t0 = performance.now();
  const { extraction, svg } = prepareProgram(output);
  let pixels: Pixels | null = null;
  let error: string | undefined;
  let fatal = false;
  if (extraction.kind !== 'complete') error = `no complete <svg> program (${extraction.kind})`;
  else {
    const r = render(svg, req.termSize ?? DEFAULT_RENDER_SIZE);
    if (r.ok) pixels = r.pixels;
    else error = `${r.error.code}: ${r.error.message}`;
    if (!r.ok && r.fatal) fatal = true;
  }
  const terms = programTerms({ output, pixels, ...(error ? { renderError: error } : {}), spec: req.spec ?? null });
  const encoderPixels: Pixels[] = [];
  if (pixels) {
    const made = new Map<number, Pixels>([[pixels.width, pixels]]);
    for (const size of req.encoderSizes) {
      let px = made.get(size);
      if (!px) {
        const r = render(svg, size);
        // It rendered at the term size; a failure at another size is a limit on that size.
        if (!r.ok) return { terms, valid: false, error: `${r.error.code} at ${size} px: ${r.error.message}`, encoderPixels: [], ms: performance.now() - t0, ...(r.fatal ? { fatal: true } : {}) };
        made.set(size, (px = r.pixels));
      }
      encoderPixels.push(px);
    }
  }
  return { terms, valid: pixels !== null, ...(error ? { error } : {}), encoderPixels, ms: performance.now() - t0, ...(fatal ? { fatal } : {}) };
}
