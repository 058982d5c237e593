// Test helper: the app's render path in Node (src/lib/render/node.ts — resvg-wasm, limits,
// letterbox, the bundled font), in this thread. Throws when the program does not render.
import { loadRenderer } from '../../../src/lib/render/node.ts';
import type { Pixels } from '../../../src/lib/render/rasterize.ts';

const renderer = await loadRenderer();

export function render(svg: string, size = 128): Pixels {
  const r = renderer(svg, { size });
  if (!r.ok) throw new Error(`render failed (${r.error.code}): ${r.error.message}`);
  return r.pixels;
}
