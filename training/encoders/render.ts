// Renders the world for the encoders through the app's render path (src/lib/render/node.ts: the
// app's resvg-wasm, limits, letterbox and font), packed as images.bin (concatenated PNGs) +
// images.jsonl.gz by scripts/lib/image-pack.ts — the format of `npm run world:export -- --images`.
//
//   node --import tsx training/encoders/render.ts images --out training/data/world-enc --train 21000 --val 1000 --heldout 1000
//   node --import tsx training/encoders/render.ts probes --out training/data/probes --n 200
//   node --import tsx training/encoders/render.ts goldens --out training/data/goldens
//
// `images`: a fraction of renders carry words of their caption drawn as <text> (as web photos carry
// signs and captions), so the SigLIP learns to read — and the text reward hack is reproducible offline.
// `probes`: what the metrics need and Python cannot draw: perturbed renders for DINO retrieval,
// reward-hacking canvases (the world's hacks: prompt as text, blank, every colour), single objects
// for zero-shot classes. Overlays and hacks come from the world (world/overlay.ts, world/hacks.ts).
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ImagePack } from '../../scripts/lib/image-pack.ts';
import { makeItem } from '../../src/lib/world/generate.ts';
import { hackProgram } from '../../src/lib/world/hacks.ts';
import { KIND_NAMES, getKind } from '../../src/lib/world/kinds.ts';
import { captionOverlay, textOnlySvg } from '../../src/lib/world/overlay.ts';
import { COLORS } from '../../src/lib/world/palette.ts';
import { itemRng, makeRng } from '../../src/lib/world/rng.ts';
import { perturb } from '../../src/lib/world/perturb.ts';
import type { Split } from '../../src/lib/world/spec.ts';

const SEED = 20261122;

const { positionals, values: args } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: 'string' }, size: { type: 'string', default: '128' }, train: { type: 'string', default: '21000' },
    val: { type: 'string', default: '1000' }, heldout: { type: 'string', default: '1000' },
    'text-frac': { type: 'string', default: '0.3' }, 'poster-frac': { type: 'string', default: '0.05' },
    n: { type: 'string', default: '200' },
  },
});
const SIZE = Number(args.size); // 128: the models' input; the app renders straight at it

/** The hacks' canvases need no prompt or randomness except prompt-as-text. */
const hack = (name: 'empty' | 'all-colours'): string => hackProgram(name, '', makeRng(0));

async function write(pack: ImagePack, dir: string, stem: string): Promise<void> {
  console.log(JSON.stringify({ dir, stem, ...(await pack.write(dir, stem)) }));
}

const STREAMS: readonly [string, number, Split | undefined][] = [
  ['train', Number(args.train), undefined], ['val', Number(args.val), undefined], ['heldout', Number(args.heldout), 'heldout'],
];

async function images(out: string): Promise<void> {
  const pack = new ImagePack(SIZE);
  const textFrac = Number(args['text-frac']);
  const posterFrac = Number(args['poster-frac']);
  for (const [split, count, worldSplit] of STREAMS) {
    for (let i = 0; i < count; i++) {
      const item = makeItem({ seed: SEED, stream: `enc-${split}`, index: i, ...(worldSplit ? { split: worldSplit } : {}) });
      const rng = itemRng(SEED, `enc-overlay-${split}`, i);
      const u = rng.next();
      const poster = u < posterFrac;
      const text = poster || u < textFrac;
      const caption = item.prompts[Math.floor(rng.next() * item.prompts.length)] as string;
      const svg = text ? captionOverlay(item.svg, caption, rng, poster) : item.svg;
      pack.add(svg, { id: item.id, split, category: item.category, captions: item.prompts, text_overlay: text,
        poster, overlay_caption: text ? caption : null });
    }
  }
  await write(pack, out, 'images');
  // the words hard negatives may change (prompts.ts spells counts 2–5 as words, one object as "a")
  writeFileSync(`${out}/vocab.json`, JSON.stringify({
    colors: COLORS, numbers: ['two', 'three', 'four', 'five'],
    kinds: KIND_NAMES.map((k) => ({ name: k, plural: getKind(k).plural })),
  }));
}


async function probes(out: string): Promise<void> {
  const n = Number(args.n);
  const pack = new ImagePack(SIZE);
  pack.add(hack('empty'), { probe: 'blank' });
  pack.add(hack('all-colours'), { probe: 'all-colours' });
  for (const [split, , worldSplit] of STREAMS.slice(1)) {
    for (let i = 0; i < n; i++) {
      // the val/held-out streams' own items: the same scenes the metrics' captions describe
      const item = makeItem({ seed: SEED, stream: `enc-${split}`, index: i, ...(worldSplit ? { split: worldSplit } : {}) });
      const rng = itemRng(SEED, `enc-perturb-${split}`, i);
      const row = { id: item.id, split, prompt: item.prompt, category: item.category };
      pack.add(item.svg, { ...row, probe: 'reference', svg: item.svg });
      pack.add(perturb(item.svg, rng), { ...row, probe: 'perturbed' });
      pack.add(textOnlySvg(item.prompt), { ...row, probe: 'text-only', svg: textOnlySvg(item.prompt) });
    }
  }
  for (let i = 0; i < n; i++) { // single objects for zero-shot classification over every kind
    const item = makeItem({ seed: SEED, stream: 'enc-objects', index: i, split: 'object' });
    const g = item.spec.groups[0];
    if (!g || item.spec.groups.length !== 1 || g.count !== 1) continue;
    pack.add(item.svg, { id: item.id, probe: 'object', kind: g.kind, color: g.color });
  }
  await write(pack, out, 'probes');
}

/** Fixed inputs for browser-parity goldens, rendered at the model's input size (no resize in between). */
async function goldens(out: string): Promise<void> {
  const pack = new ImagePack(SIZE);
  const world = [0, 1, 2].map((i) => makeItem({ seed: SEED, stream: 'goldens', index: i }));
  const svgs: [string, string][] = [
    ['blank', hack('empty')],
    ['all-colours', hack('all-colours')],
    ...world.map((it, i): [string, string] => [`world-${i}`, it.svg]),
    ['text-only', textOnlySvg(world[0]?.prompt ?? 'a red circle')],
  ];
  for (const [name, svg] of svgs) pack.add(svg, { name, svg, prompt: name.startsWith('world') ? world[Number(name.slice(6))]?.prompt : null });
  await write(pack, out, 'goldens');
}

const out = args.out;
const modes: Readonly<Record<string, (dir: string) => Promise<void>>> = Object.freeze({ images, probes, goldens });
const mode = modes[positionals[0] ?? ''];
if (!out || !mode) {
  throw new Error(`usage: render.ts ${Object.keys(modes).join('|')} --out DIR (got ${JSON.stringify(positionals)}, out=${out})`);
}
await mode(out);
