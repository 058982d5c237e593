// A stack overflow inside resvg-wasm (what a reference loop resvg does not break does) can poison the
// instance: after a 3-clipPath loop overflowed, the next render in it read out of bounds. rasterize()
// must call it a fatal wasm-crash, so the pool replaces the worker instead of blaming the next program.
// The overflow is real: the render is called with the JS stack nearly used up, so resvg's own
// recursion overflows it (the hostile corpus's loops are refused before they reach resvg).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { initWasm, Resvg } from '@resvg/resvg-wasm';
import { rasterize, type RenderResult, type ResvgLike } from '../../../src/lib/render/rasterize.ts';
import { NO_FONT } from '../../../src/lib/render/font.ts';

await initWasm(readFileSync(createRequire(import.meta.url).resolve('@resvg/resvg-wasm/index_bg.wasm')));
// 60 nested groups: resvg recurses deeper on them than the limits' checks do, so there is a stack depth
// at which the checks pass and resvg overflows.
const NESTED = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4">${'<g opacity="0.9">'.repeat(60)}<rect width="4" height="4" fill="#f0f"/>${'</g>'.repeat(60)}</svg>`;
const render = (): RenderResult => rasterize(Resvg as unknown as ResvgLike, NESTED, { size: 16, font: NO_FONT, noFont: NO_FONT });

/** Calls fn `depth` frames deeper than here. */
function atDepth<T>(depth: number, fn: () => T): T {
  return depth === 0 ? fn() : atDepth(depth - 1, fn);
}
/** How many atDepth frames fit on the stack from here. */
function stackDepth(): number {
  let lo = 0, hi = 1 << 20;
  while (lo + 1 < hi) {
    const mid = (lo + hi) >>> 1;
    try { atDepth(mid, () => 0); lo = mid; } catch { hi = mid; }
  }
  return lo;
}

test('a stack overflow inside resvg is a fatal wasm-crash (the worker is replaced, not reused)', () => {
  assert.equal(render().ok, true, 'renders with the whole stack');
  // Optimised frames are smaller than the first ones measured: start well above the measured end and
  // go deeper until the overflow happens inside resvg rather than in JS around it.
  const start = stackDepth() - 4000;
  let crash: RenderResult | undefined;
  for (let depth = start; depth < 4 * start && !crash; depth += 5) {
    let r: RenderResult;
    try { r = atDepth(depth, render); } catch { continue; } // overflowed before or after resvg ran
    if (!r.ok) crash = r;
  }
  assert.ok(crash && !crash.ok, 'no depth made resvg itself overflow');
  assert.equal(crash.error.code, 'wasm-crash', crash.error.message);
  assert.match(crash.error.message, /Maximum call stack size exceeded/);
  assert.equal(crash.fatal, true, 'the worker must be replaced');
});
