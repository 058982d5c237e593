// Thin adapter: resvg-wasm inside a Web Worker, exposed with comlink. All logic is in src/lib/render.
import * as Comlink from 'comlink';
import { initWasm, Resvg } from '@resvg/resvg-wasm';
import wasmUrl from '@resvg/resvg-wasm/index_bg.wasm?url';
import { rasterize, type RenderResult, type ResvgLike } from '../src/lib/render/rasterize';
import type { RenderLimits } from '../src/lib/render/limits';
import { fontOptions, NO_FONT } from '../src/lib/render/font';
import { renderForReward, type RewardRender, type RewardRenderRequest } from '../src/lib/reward/render-terms';

let font: Record<string, unknown> | null = null;

const api = {
  /** Compiles the wasm and loads the bundled font; resvg's initWasm throws if called twice. */
  async init(fontUrl: string): Promise<void> {
    if (font) return;
    const [, fontBytes] = await Promise.all([
      initWasm(fetch(wasmUrl)),
      fetch(fontUrl).then((r) => {
        // A static server may answer a missing file with the app's index.html (SPA fallback).
        const html = (r.headers.get('content-type') ?? '').includes('text/html');
        if (!r.ok || html) throw new Error(`font ${fontUrl} not found (HTTP ${r.status}${html ? ', an HTML page' : ''})`);
        return r.arrayBuffer();
      }),
    ]);
    font = fontOptions(new Uint8Array(fontBytes));
  },

  render(svg: string, size: number, limits?: Partial<RenderLimits>): RenderResult {
    if (!font) throw new Error('svg worker used before init()');
    const result = rasterize(Resvg as unknown as ResvgLike, svg, { size, font, noFont: NO_FONT, ...(limits ? { limits } : {}) });
    return result.ok ? Comlink.transfer(result, [result.pixels.data.buffer as ArrayBuffer]) : result;
  },

  /** Renders one model output for the reward and computes its program and pixel terms here, off the page. */
  scoreRender(output: string, req: RewardRenderRequest, limits?: Partial<RenderLimits>): RewardRender {
    if (!font) throw new Error('svg worker used before init()');
    const f = font;
    const r = renderForReward((svg, size) => rasterize(Resvg as unknown as ResvgLike, svg, { size, font: f, noFont: NO_FONT, ...(limits ? { limits } : {}) }), output, req);
    return Comlink.transfer(r, [...new Set(r.encoderPixels.map((p) => p.data.buffer as ArrayBuffer))]);
  },

  /** Fault injection for tests and the "worker died" drill: the worker ends without a word. */
  exit(): void {
    self.close();
  },
};

export type SvgWorkerApi = typeof api;
Comlink.expose(api);
