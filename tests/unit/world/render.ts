// Test helper: the app's renderer engine in Node (resvg; same pixels as the wasm build), white
// background, forced output width, the bundled font.
import { Resvg } from '@resvg/resvg-js';
import type { Pixels } from '../../../src/lib/render/rasterize.ts';

const FONT = { fontFiles: ['public/fonts/DejaVuSans.ttf'], loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' };

export function render(svg: string, size = 128): Pixels {
  const img = new Resvg(svg, { fitTo: { mode: 'width', value: size }, background: 'white', font: FONT }).render();
  return { width: img.width, height: img.height, data: img.pixels };
}
