// Writes the web app manifest's icons (public/icons/*.png) from the favicon's drawing:
// `node --import tsx scripts/pwa-icons.ts`. The PNGs are committed; rerun after changing the drawing.
// Maskable icons are cropped to a circle or squircle by the launcher, so that one is full-bleed with the
// drawing inside the central 80 % safe zone.
import { mkdirSync, writeFileSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';

const DRAWING = '<circle cx="11" cy="12" r="5" fill="#ffc107"/><polygon points="6,26 16,14 26,26" fill="#fff"/>';
const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#3157d5"/>${DRAWING}</svg>`;
const MASKABLE = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" fill="#3157d5"/><g transform="translate(16 16) scale(0.72) translate(-16 -17)">${DRAWING}</g></svg>`;

mkdirSync('public/icons', { recursive: true });
for (const [name, svg, size] of [['icon-192', ICON, 192], ['icon-512', ICON, 512], ['icon-maskable-512', MASKABLE, 512]] as const) {
  const png = new Resvg(svg, { fitTo: { mode: 'width', value: size } }).render().asPng();
  writeFileSync(`public/icons/${name}.png`, png);
  console.log(`public/icons/${name}.png ${png.byteLength} bytes`);
}
