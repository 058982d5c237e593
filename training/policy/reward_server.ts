// The app's reward for the PyTorch GRPO mirror (grpo_mirror.py), as a persistent Node process: the same
// prompts as `npm run rl` (src/lib/rl/prompts.ts: the seed's training pool and the fixed held-out set), the
// same render path (render/node.ts: resvg-wasm, limits, font, 224 px), the same terms (reward/render-terms.ts)
// and the same composer and preset (reward/compose.ts, presets.ts). One JSON request a line on stdin, one
// JSON reply a line on stdout:
//   {"op":"prompts","split":"compositional","seed":1,"pool":256,"heldout":16}
//     → {"train":[{id,prompt,category}], "heldout":[…]}
//   {"op":"score","set":"train"|"heldout","i":3,"programs":["<svg…", …]}
//     → {"rewards":[…], "valid":[…], "failed":[["count:0", …], …]}   (failed: the verifier checks that failed)
//
//   node --import tsx training/policy/reward_server.ts [--preset verifiable]
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { loadRenderer } from '../../src/lib/render/node.ts';
import { renderForReward } from '../../src/lib/reward/render-terms.ts';
import { embeddingTerms, sampleTerms } from '../../src/lib/reward/terms.ts';
import { compose } from '../../src/lib/reward/compose.ts';
import { presetFromUrl } from '../../src/lib/reward/presets.ts';
import { verify } from '../../src/lib/reward/verify/verify.ts';
import { heldOutPrompts, isSplit, worldPrompts, TRAIN_STREAM } from '../../src/lib/rl/prompts.ts';
import { prepareProgram } from '../../src/lib/program/prepare.ts';
import { CATEGORIES, CATEGORY_NAMES, type SceneSpec, type Split } from '../../src/lib/world/index.ts';
import type { RlPrompt } from '../../src/lib/rl/grpo.ts';

const { values: opt } = parseArgs({ options: { preset: { type: 'string', default: 'verifiable' } } });
const preset = presetFromUrl(opt.preset!);
const render = await loadRenderer();
const sets: Record<string, RlPrompt[]> = {};

/** The category worldPrompts drew prompt i of `split` for (categories round-robin, as there). */
const categoryOf = (split: Split, i: number): string => {
  const cats = CATEGORY_NAMES.filter((c) => split === 'heldout' || CATEGORIES[c]?.split === split);
  return cats[i % cats.length]!;
};

function score(set: string, i: number, programs: string[]) {
  const prompt = sets[set]?.[i];
  if (!prompt) throw new Error(`no prompt ${i} in set '${set}'; ask op "prompts" first`);
  const spec = (prompt.spec as SceneSpec | undefined) ?? null;
  const rendered = programs.map((p) => renderForReward((svg, size) => render(svg, { size }), p, { encoderSizes: [], spec }));
  const terms = rendered.map((r) => sampleTerms(r.terms, embeddingTerms({ textImage: null, imageReference: null }, r.valid)));
  const composed = compose(terms, preset);
  // Which verifier checks failed (for the analysis of held-out failures); rendered again, only when asked.
  const failed = programs.map((p, k) => {
    if (!spec || !rendered[k]!.valid) return ['invalid'];
    const { svg } = prepareProgram(p);
    const r = render(svg, { size: 224 });
    if (!r.ok) return ['invalid'];
    return verify(spec, { pixels: r.pixels, svg }).checks.filter((c) => !c.pass).map((c) => c.name);
  });
  return { rewards: composed.map((c) => c.reward), valid: rendered.map((r) => r.valid), gated: composed.map((c) => c.gatedBy), failed };
}

const rl = createInterface({ input: process.stdin });
for await (const line of rl) {
  if (!line.trim()) continue;
  let reply: unknown;
  try {
    const req = JSON.parse(line);
    if (req.op === 'prompts') {
      if (!isSplit(req.split)) throw new Error(`unknown split ${String(req.split).slice(0, 100)}`);
      sets.train = worldPrompts(req.split, req.pool ?? 256, req.seed, TRAIN_STREAM);
      sets.heldout = heldOutPrompts(req.split, req.heldout ?? 16);
      const view = (ps: RlPrompt[]) => ps.map((p, i) => ({ id: p.id, prompt: p.prompt, category: categoryOf(req.split, i) }));
      reply = { train: view(sets.train), heldout: view(sets.heldout) };
    } else if (req.op === 'score') reply = score(req.set, req.i, req.programs);
    else throw new Error(`unknown op ${String(req.op).slice(0, 100)}; one of: prompts, score`);
  } catch (err) {
    reply = { error: String((err as Error).message ?? err) };
  }
  process.stdout.write(JSON.stringify(reply) + '\n');
}

