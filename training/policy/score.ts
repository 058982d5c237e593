// Score sampled programs with the world verifier: the second half of the policy evaluation (sample.py
// writes the samples). Regenerates each item's spec from its id (world export: stream-index, same seed),
// renders through the app's render path (src/lib/render/node.ts: resvg-wasm, limits, letterbox, font,
// the 2 s deadline; 128 px) and prints one JSON line of metrics. A refused or timed-out program
// scores 0, as in the app.
//
//   node --import tsx training/policy/score.ts --seed 1 samples.val.t1.jsonl [more.jsonl …]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createRenderPool, type PoolRenderResult } from '../../src/lib/render/node.ts';
import { makeItem, type WorldItem } from '../../src/lib/world/index.ts';
import { verify } from '../../src/lib/reward/verify/verify.ts';

const { values: opt, positionals: files } = parseArgs({
  options: { seed: { type: 'string', default: '1' }, size: { type: 'string', default: '128' } },
  allowPositionals: true,
});
const SEED = Number(opt.seed);
const SIZE = Number(opt.size);

interface Sample { id: string; split: string; category: string; prompt: string; temperature: number; svg: string; finished: boolean; tokens: number }

/** The world item a corpus id names ("val-17" → stream val, index 17; heldout items come from the heldout split). */
function itemOf(id: string): WorldItem {
  const m = /^(train|val|heldout)-(\d+)$/.exec(id);
  if (!m) throw new Error(`cannot regenerate '${id}': expected an id like val-17 or heldout-3 from world:export`);
  const stream = m[1] as string;
  return makeItem({ seed: SEED, stream, index: Number(m[2]), ...(stream === 'heldout' ? { split: 'heldout' as const } : {}) });
}

/** A program counts as valid when it is finished, closed and renders; the verifier scores its pixels. */
const isProgram = (s: Sample): boolean => s.finished && /^<svg[\s>]/.test(s.svg) && s.svg.endsWith('</svg>');

function score(s: Sample, render: PoolRenderResult | null): { valid: boolean; score: number } {
  if (!render?.ok) return { valid: false, score: 0 };
  const item = itemOf(s.id);
  if (item.prompt !== s.prompt) throw new Error(`world drift: ${s.id} prompt is '${item.prompt}', sample has '${s.prompt}'`);
  return { valid: true, score: verify(item.spec, { pixels: render.pixels, svg: s.svg }).score };
}

const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const round = (x: number): number => Math.round(x * 1e4) / 1e4;
const report: Record<string, unknown> = {};
const pool = createRenderPool();
for (const file of files) {
  const rows = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Sample);
  const renders = await Promise.all(rows.map((r) => (isProgram(r) ? pool.render(r.svg, { size: SIZE }) : null)));
  const scored = rows.map((r, i) => ({ ...r, ...score(r, renders[i]!) }));
  const byCat: Record<string, number[]> = {};
  const bySplit: Record<string, number[]> = {};
  for (const r of scored) {
    (byCat[r.category] ??= []).push(r.score);
    (bySplit[r.split] ??= []).push(r.score);
  }
  report[file] = {
    n: rows.length,
    valid: round(mean(scored.map((r) => (r.valid ? 1 : 0)))),
    score: round(mean(scored.map((r) => r.score))), // failed programs count 0
    pass: round(mean(scored.map((r) => (r.score === 1 ? 1 : 0)))),
    chars: round(mean(scored.map((r) => r.svg.length))),
    tokens: round(mean(scored.map((r) => r.tokens))),
    by_split: Object.fromEntries(Object.entries(bySplit).map(([k, v]) => [k, { n: v.length, score: round(mean(v)) }])),
    by_category: Object.fromEntries(Object.entries(byCat).sort().map(([k, v]) => [k, { n: v.length, score: round(mean(v)) }])),
  };
}
await pool.close();
console.log(JSON.stringify(report));
