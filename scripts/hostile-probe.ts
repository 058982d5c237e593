// What each hostile case does with and without the render limits: checkLimits' verdict and time, then
// the raw resvg-wasm render (no limits, the worker's build, 224 px) in a child process of its own, with
// its time, peak memory, and whether it ended at all. How the `why` of each case in
// tests/fixtures/hostile/ was measured; a new attack goes through here before it goes into the corpus.
//   node --import tsx scripts/hostile-probe.ts [NAME-SUBSTRING…] [--timeout-ms 8000]
// One JSON line per case. Timings are noisy on a shared machine: compare, do not read them as absolutes.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HOSTILE_CASES } from '../tests/fixtures/hostile/manifest.ts';
import { checkLimits } from '../src/lib/render/limits.ts';

const args = process.argv.slice(2);
const child = args[0] === '--raw';

if (child) {
  // The child: render one case with resvg-wasm alone and report time and peak memory.
  const { initWasm, Resvg } = await import('@resvg/resvg-wasm');
  await initWasm(readFileSync('node_modules/@resvg/resvg-wasm/index_bg.wasm'));
  const svg = HOSTILE_CASES.find((c) => c.name === args[1])!.make();
  const font = { fontBuffers: [new Uint8Array(readFileSync('public/fonts/DejaVuSans.ttf'))] };
  const t0 = performance.now();
  let raw: string;
  try {
    const doc = new Resvg(svg, { fitTo: { mode: 'width', value: 224 }, font, background: 'white', shapeRendering: 2 });
    doc.render().free();
    doc.free();
    raw = 'rendered';
  } catch (e) {
    raw = `error: ${String(e).slice(0, 100)}`;
  }
  console.log(JSON.stringify({ raw, raw_ms: Math.round(performance.now() - t0), rss_mb: Math.round(process.resourceUsage().maxRSS / 1024) }));
} else {
  const at = args.indexOf('--timeout-ms');
  const timeout = at >= 0 ? Number(args[at + 1]) : 8000;
  const names = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--timeout-ms');
  for (const c of HOSTILE_CASES.filter((c) => names.length === 0 || names.some((n) => c.name.includes(n)))) {
    const svg = c.make();
    const t0 = performance.now();
    const check = checkLimits(svg);
    const line: Record<string, unknown> = {
      name: c.name, expect: c.expect, bytes: svg.length, check_ms: Math.round(performance.now() - t0),
      limits: check.ok ? `pass, estimated ${Math.round(check.estimatedMs)} ms` : `${check.error.code}: ${check.error.message.slice(0, 120)}`,
    };
    const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--raw', c.name], { encoding: 'utf8', timeout });
    if (r.error || r.signal) line.raw = `no answer within ${timeout} ms`;
    else Object.assign(line, JSON.parse(r.stdout.trim().split('\n').pop() || '{}'));
    console.log(JSON.stringify(line));
  }
}
