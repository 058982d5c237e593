// Reproduces the prices behind the render limits (src/lib/render/cost.ts UNIT_MS, FILTER_MS) with
// the resvg-wasm build the workers use, and compares the cost of checkLimits with the render it
// guards on the bench SVGs. Prints one JSON object per line. Timings are noisy on a shared machine.
//   node --import tsx scripts/limits-cost.ts
import { readdirSync, readFileSync } from 'node:fs';
import { initWasm, Resvg } from '@resvg/resvg-wasm';
import { checkLimits } from '../src/lib/render/limits';

await initWasm(readFileSync('node_modules/@resvg/resvg-wasm/index_bg.wasm'));
const font = { fontBuffers: [new Uint8Array(readFileSync('public/fonts/DejaVuSans.ttf'))] };
const svg = (body: string): string => `<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">${body}</svg>`;
const FULL = 'width="100" height="100"';

function renderMs(doc: string, text = false): number {
  const t0 = performance.now();
  const d = new Resvg(doc, { fitTo: { mode: 'width', value: 224 }, font: text ? font : { fontBuffers: [] } });
  d.render().free();
  d.free();
  return performance.now() - t0;
}

/** [what, document, units of work it holds]: ms per unit is the price. */
const PRICES: [string, string, number][] = [
  ['node: full-canvas rect', svg(`<rect ${FULL}/>`.repeat(5000)), 5000],
  ['segment: stroked path segment', svg(`<path stroke="black" fill="none" d="M0 0${' L99 99 L0 99'.repeat(30_000)}"/>`), 60_000],
  ['textChar: through <use>', svg(`<defs><text id="t" y="50">${'ab'.repeat(1000)}</text></defs>${'<use href="#t"/>'.repeat(20)}`), 40_000],
  ['stopFill: gradient stop on a full-canvas rect', svg(`<linearGradient id="g">${Array.from({ length: 2000 }, (_, i) => `<stop offset="${i / 2000}" stop-color="${i % 2 ? 'red' : 'blue'}"/>`).join('')}</linearGradient>${`<rect ${FULL} fill="url(#g)"/>`.repeat(20)}`), 40_000],
  ['layer: group opacity', svg(`<g opacity="0.5"><rect ${FULL}/></g>`.repeat(200)), 200],
  ['layer: mask', svg(`<mask id="m"><rect ${FULL} fill="white"/></mask>${`<rect ${FULL} mask="url(#m)"/>`.repeat(100)}`), 100],
  ['filter: blur per element (1.44 canvases)', svg(`<filter id="f"><feGaussianBlur stdDeviation="20"/></filter>${`<rect ${FULL} filter="url(#f)"/>`.repeat(20)}`), 20],
  ['filter: flood per element (base)', svg(`<filter id="f"><feFlood/></filter>${`<rect ${FULL} filter="url(#f)"/>`.repeat(20)}`), 20],
  ['filter: morphology radius 3 (6.7 px) per element', svg(`<filter id="f"><feMorphology radius="3"/></filter>${`<rect ${FULL} filter="url(#f)"/>`.repeat(5)}`), 5],
  ['filter: convolve order 9 per element', svg(`<filter id="f"><feConvolveMatrix order="9" kernelMatrix="${'1 '.repeat(81)}"/></filter>${`<rect ${FULL} filter="url(#f)"/>`.repeat(10)}`), 10],
];

for (const [what, doc, units] of PRICES) {
  const ms = renderMs(doc, what.startsWith('text'));
  const check = checkLimits(doc, { maxDrawnNodes: 1e9, maxSegmentsDrawn: 1e9, maxTextCharsDrawn: 1e9, maxGradientStopFills: 1e9, maxLayers: 1e9, maxFilterMs: 1e9, maxRenderMs: 1e9 });
  console.log(JSON.stringify({ price: what, ms_per_unit: +(ms / units).toPrecision(3), render_ms: Math.round(ms), estimated_ms: check.ok ? Math.round(check.estimatedMs) : check.error.message }));
}

// The check must cost far less than the render it guards.
const dir = 'tests/fixtures/bench-svgs/';
let checkTotal = 0, renderTotal = 0, worst = 0, n = 0;
for (const f of readdirSync(dir).filter((f) => f.endsWith('.svg'))) {
  const doc = readFileSync(dir + f, 'utf8');
  checkLimits(doc); // warm the JIT on this shape
  const t0 = performance.now();
  for (let k = 0; k < 20; k++) checkLimits(doc);
  const check = (performance.now() - t0) / 20;
  const render = renderMs(doc);
  checkTotal += check; renderTotal += render; worst = Math.max(worst, check / render); n++;
}
console.log(JSON.stringify({ summary: true, bench_svgs: n, check_ms_mean: +(checkTotal / n).toFixed(3), render_ms_mean: +(renderTotal / n).toFixed(2), check_over_render: +(checkTotal / renderTotal).toFixed(3), worst_ratio: +worst.toFixed(3) }));
