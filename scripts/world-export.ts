// Training corpora from the SGP world, for the Python side (which has no Node and no network).
//
//   npm run world:export -- --n 60000 --seed 1 --out training/data/world [--images --image-size 128 --text-frac 0.15]
//   npm run world:export -- --bench --out public/bench      (rebuilds the committed SGP-MiniBench)
//   npm run world:export -- --check [--image-size 128]     (verifier on the MiniBench references,
//                                                            their corruptions and cheap hacks)
//
// Writes corpus.{train,val,heldout}.jsonl.gz (one item per line: id, split, category, prompt,
// prompts, svg) and with --images: images.bin (concatenated PNGs) + images.jsonl.gz (id, split,
// offset, length, captions, text_overlay), rendered through the app's render path
// (src/lib/render/node.ts) and packed as training/encoders/render.ts packs them. Prints a
// one-line JSON summary at the end.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import { buildMiniBench, benchmarkSummary } from '../src/lib/world/bench.ts';
import { CORRUPTIONS, corrupt } from '../src/lib/world/corrupt.ts';
import { HACKS, hackProgram } from '../src/lib/world/hacks.ts';
import { sceneSvg } from '../src/lib/world/svg.ts';
import { verify } from '../src/lib/reward/verify/verify.ts';
import { makeItem } from '../src/lib/world/generate.ts';
import { captionOverlay } from '../src/lib/world/overlay.ts';
import { loadRenderer } from '../src/lib/render/node.ts';
import { ImagePack } from './lib/image-pack.ts';
import { makeRng } from '../src/lib/world/rng.ts';
import type { WorldItem } from '../src/lib/world/spec.ts';

// ---- config -----------------------------------------------------------------------------------
const { values: opt } = parseArgs({
  options: {
    n: { type: 'string', default: '10000' }, // training items
    seed: { type: 'string', default: '1' },
    out: { type: 'string', default: 'training/data/world' }, // git-ignored
    val: { type: 'string' }, // default max(200, n/20)
    heldout: { type: 'string' }, // default max(200, n/20)
    images: { type: 'boolean', default: false }, // also render every item to PNG
    'image-size': { type: 'string', default: '128' },
    'text-frac': { type: 'string', default: '0.15' }, // share of images with caption words drawn on top
    bench: { type: 'boolean', default: false }, // write sgp-minibench.json instead of corpora
    check: { type: 'boolean', default: false }, // measure the verifier on the MiniBench instead
  },
});

if (opt.bench) {
  // One item per line: readable diffs when the world changes.
  const bench = buildMiniBench();
  const { items, ...head } = bench;
  const text = `${JSON.stringify(head).slice(0, -1)},"items":[\n${items.map((it) => JSON.stringify(it)).join(',\n')}\n]}\n`;
  mkdirSync(opt.out, { recursive: true });
  writeFileSync(join(opt.out, 'sgp-minibench.json'), text);
  const s = benchmarkSummary(bench);
  console.log(JSON.stringify({ out: join(opt.out, 'sgp-minibench.json'), bytes: text.length, total: s.total, splits: Object.fromEntries(Object.entries(s.splits).map(([k, v]) => [k, v.total])) }));
  process.exit(0);
}
const int = (name: string, v: string | undefined): number => {
  const x = Number(v);
  if (!Number.isInteger(x) || x < 0) throw new Error(`--${name} must be a non-negative integer, got '${v}'`);
  return x;
};
const N = int('n', opt.n);
const SEED = int('seed', opt.seed);
const side = Math.max(200, Math.floor(N / 20));
const N_VAL = opt.val === undefined ? side : int('val', opt.val);
const N_HELD = opt.heldout === undefined ? side : int('heldout', opt.heldout);
const IMAGE_SIZE = int('image-size', opt['image-size']);
const TEXT_FRAC = Number(opt['text-frac']);
if (!(TEXT_FRAC >= 0 && TEXT_FRAC <= 1)) throw new Error(`--text-frac must be in [0, 1], got '${opt['text-frac']}'`);

if (opt.check) {
  // References must score 1; corruptions < 0.5; hacks < 0.3. Counts how often each holds.
  // The world's own programs: rendered in this thread (limits, no deadline).
  const size = int('image-size', opt['image-size']);
  const renderer = await loadRenderer();
  const render = (svg: string) => {
    const r = renderer(svg, { size });
    if (!r.ok) throw new Error(`a world program failed to render (${r.error.code}: ${r.error.message}): ${svg.slice(0, 100)}`);
    return r.pixels;
  };
  const tally: Record<string, { n: number; ok: number; max: number }> = {};
  const count = (key: string, score: number, ok: boolean): void => {
    const t = (tally[key] ??= { n: 0, ok: 0, max: 0 });
    t.n++;
    t.ok += ok ? 1 : 0;
    t.max = Math.max(t.max, score);
  };
  const t0 = performance.now();
  const items = buildMiniBench().items;
  items.forEach((it, i) => {
    const spec = it.spec!;
    const ref = verify(spec, { pixels: render(it.svg!), svg: it.svg! }).score;
    count('reference=1', ref, ref === 1);
    const rng = makeRng(SEED + i);
    for (const c of CORRUPTIONS) {
      const bad = corrupt(spec, c, rng);
      if (!bad) continue;
      const v = verify(spec, render(sceneSvg(bad))).score;
      count(`${c}<0.5`, v, v < 0.5);
    }
    for (const h of HACKS) {
      const svg = hackProgram(h, it.prompt, rng);
      const v = verify(spec, { pixels: render(svg), svg }).score;
      count(`hack:${h}<0.3`, v, v < 0.3);
    }
  });
  const rates = Object.fromEntries(Object.entries(tally).map(([k, t]) => [k, `${t.ok}/${t.n} (max ${t.max.toFixed(3)})`]));
  console.log(JSON.stringify({ image_size: size, items: items.length, seconds: Number(((performance.now() - t0) / 1000).toFixed(1)), ...rates }));
  process.exit(0);
}

// ---- corpora ----------------------------------------------------------------------------------
const t0 = performance.now();
mkdirSync(opt.out, { recursive: true });
const parts: { name: string; stream: string; n: number; heldout: boolean }[] = [
  { name: 'train', stream: 'train', n: N, heldout: false },
  { name: 'val', stream: 'val', n: N_VAL, heldout: false },
  { name: 'heldout', stream: 'heldout', n: N_HELD, heldout: true },
];
const summary: Record<string, number> = { seed: SEED };
const corpora: { name: string; items: WorldItem[] }[] = [];
for (const p of parts) {
  const items: WorldItem[] = [];
  for (let i = 0; i < p.n; i++) {
    items.push(makeItem({ seed: SEED, stream: p.stream, index: i, ...(p.heldout ? { split: 'heldout' as const } : {}) }));
  }
  const lines = items.map(({ id, split, category, prompt, prompts, svg }) => JSON.stringify({ id, split, category, prompt, prompts, svg }));
  const gz = gzipSync(lines.join('\n') + '\n');
  writeFileSync(join(opt.out, `corpus.${p.name}.jsonl.gz`), gz);
  summary[`${p.name}_items`] = items.length;
  summary[`${p.name}_bytes`] = gz.length;
  corpora.push({ name: p.name, items });
}
summary.corpus_seconds = Number(((performance.now() - t0) / 1000).toFixed(2));

// ---- images -----------------------------------------------------------------------------------
if (opt.images) {
  const pack = new ImagePack(IMAGE_SIZE);
  let withText = 0;
  let n = 0;
  for (const { items } of corpora) {
    for (const item of items) {
      const rng = makeRng(SEED ^ Math.imul(++n, 0x9e3779b1));
      const overlay = rng.chance(TEXT_FRAC);
      const svg = overlay ? captionOverlay(item.svg, rng.pick(item.prompts), rng) : item.svg;
      pack.add(svg, { id: item.id, split: item.split, captions: item.prompts, text_overlay: overlay });
      withText += overlay ? 1 : 0;
    }
  }
  const packed = await pack.write(opt.out, 'images');
  Object.assign(summary, {
    images: packed.images, images_with_text: withText, image_size: IMAGE_SIZE,
    images_bytes: packed.bytes, images_index_bytes: packed.index_bytes, image_seconds: packed.seconds,
  });
}
console.log(JSON.stringify({ out: opt.out, ...summary }));
