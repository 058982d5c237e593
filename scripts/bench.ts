// `npm run bench`: SVG renders per second through the app's worker pool in headless Chromium
// (1 and 2 workers) against native @resvg/resvg-js in Node on the same fixed set of SVGs.
// Trials alternate between the contenders and each reports its best trial, so load from other
// processes on a shared machine skews the ratio less. Prints JSON lines; the last is a summary.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Resvg } from '@resvg/resvg-js';
import type { Page } from 'playwright-core';
import { DEFAULT_RENDER_SIZE, rasterize, type ResvgLike } from '../src/lib/render/rasterize';
import { openSession, openHeadless } from './lib/browser';
import type { HeadlessApi } from '../src/headless';

type Win = { sgp: HeadlessApi };
const SIZE = DEFAULT_RENDER_SIZE;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8); // passes over the set per trial
const TRIALS = Number(process.env.BENCH_TRIALS ?? 3);
const DIR = 'tests/fixtures/bench-svgs';

const emit = (obj: unknown) => console.log(JSON.stringify(obj));

const svgs = readdirSync(DIR)
  .filter((f) => f.endsWith('.svg'))
  .sort()
  .map((f) => readFileSync(join(DIR, f), 'utf8'));
if (svgs.length < 50) throw new Error(`bench needs ≥ 50 SVGs in ${DIR}, found ${svgs.length}`);
const work = Array.from({ length: ROUNDS }, () => svgs).flat();

// Native: single-threaded resvg-js through the same rasterize() (same limits, sizing, letterboxing).
const font = { fontFiles: ['public/fonts/DejaVuSans.ttf'], loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' };
function native(): { ms: number; failed: number } {
  const t0 = performance.now();
  let failed = 0;
  for (const svg of work) if (!rasterize(Resvg as unknown as ResvgLike, svg, { size: SIZE, font, noFont: { fontFiles: [], loadSystemFonts: false } }).ok) failed++;
  return { ms: performance.now() - t0, failed };
}

if (spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' }).status !== 0) throw new Error('vite build failed');
const session = await openSession();
const best: Record<string, number> = {};
const record = (name: string, r: { ms: number; failed: number }, trial: number) => {
  const perS = work.length / (r.ms / 1000);
  best[name] = Math.max(best[name] ?? 0, perS);
  emit({ bench: name, trial, renders: work.length, failed: r.failed, ms: Math.round(r.ms), per_s: +perS.toFixed(1) });
};
try {
  const pages: Record<number, Page> = {};
  for (const workers of [1, 2]) {
    pages[workers] = await openHeadless(session, { workers });
    await pages[workers]!.evaluate((s) => (window as unknown as Win).sgp.renderAll(s), svgs); // warm-up
  }
  native(); // warm-up
  for (let trial = 1; trial <= TRIALS; trial++) {
    record('svg_native_resvg_js', native(), trial);
    for (const workers of [1, 2]) {
      const r = await pages[workers]!.evaluate((w) => (window as unknown as Win).sgp.renderAll(w), work);
      record(`svg_pool_${workers}w_chromium`, r, trial);
    }
  }
} finally {
  await session.close();
}
const nativeBest = best.svg_native_resvg_js!;
emit({
  summary: true,
  svgs: svgs.length,
  rounds: ROUNDS,
  trials: TRIALS,
  size: SIZE,
  native_per_s: +nativeBest.toFixed(1),
  pool_1w_per_s: +best.svg_pool_1w_chromium!.toFixed(1),
  pool_2w_per_s: +best.svg_pool_2w_chromium!.toFixed(1),
  svg_pool_vs_native: +(best.svg_pool_2w_chromium! / nativeBest).toFixed(3),
  goal_svg_pool_vs_native: 0.5,
});
