// The reward engine in the browser, on the bundled encoders through the page's own path
// (window.sgp.scoreGroup → svg pool + ml worker): the checks of issue 10.
// - The text hack and its defence: the prompt written as <text> beats a blank canvas under clip-only,
//   scores exactly 0 under sgp-rl, and below a faithful drawing there.
// - SigLIP ranks a val reference's own prompt above its hard negatives (colour, count, relation).
// - DINO: a reference is nearer its perturbed render than a different scene.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useHeadlessPage, type Win } from './setup';
import { cosine } from '../../src/lib/reward/encoders';
import { hardNegatives } from '../../src/lib/reward/negatives';
import { compose } from '../../src/lib/reward/compose';
import { getPreset } from '../../src/lib/reward/presets';
import { buildMiniBench, hackProgram, makeItem, makeRng, itemRng, textOnlySvg } from '../../src/lib/world';
import { perturb } from '../../src/lib/world/perturb';

const ctx = useHeadlessPage();
type ScoreArgs = Parameters<Win['sgp']['scoreGroup']>[0];
const score = (req: ScoreArgs) => ctx.page.evaluate((r) => (window as unknown as Win).sgp.scoreGroup(r), req);
/** The encoders' own val stream (training/encoders/render.ts): scenes like training's, not trained on. */
const SEED = 20261122;
const val = (n: number) => Array.from({ length: n }, (_, i) => makeItem({ seed: SEED, stream: 'enc-val', index: i }));

test('the text hack and its defence: clip-only rewards the prompt as <text> over blank; sgp-rl gives it 0, below a faithful drawing', async () => {
  await ctx.page.evaluate(() => (window as unknown as Win).sgp.encodersLoad({ device: 'wasm' }));
  const items = buildMiniBench({ object: 6, scene: 6, compositional: 8, heldout: 4 }).items;
  let textBeatsBlank = 0;
  for (const it of items) {
    const programs = [it.svg!, textOnlySvg(it.prompt), hackProgram('empty', '', makeRng(0))];
    // Scored once in the page; the same terms composed under the other preset here (compose is pure).
    const clip = await score({ item: it.id, programs, preset: 'clip-only' });
    const rl = compose(clip.samples.map((s) => s.terms), getPreset('sgp-rl'));
    const [faithful, text, blank] = clip.samples;
    assert.equal(text!.terms['no-text'].value, 0, `${it.id}: the text program is seen as text`);
    assert.ok(text!.reward > 0 && blank!.reward > 0, `${it.id}: clip-only gates neither (${text!.reward}, ${blank!.reward})`);
    if (text!.reward > blank!.reward) textBeatsBlank++;
    assert.equal(rl[1]!.reward, 0, `${it.id}: sgp-rl zeroes the text program`);
    assert.equal(rl[1]!.gatedBy, 'no-text');
    assert.ok(rl[0]!.reward > rl[1]!.reward, `${it.id}: faithful ${rl[0]!.reward} > text under sgp-rl`);
    assert.equal(rl[0]!.rank, 1);
    assert.ok(faithful!.terms.verifier.value === 1, `${it.id}: the reference passes the verifier`);
  }
  console.log(`text-only beats blank under clip-only for ${textBeatsBlank}/${items.length} MiniBench prompts`);
  assert.ok(textBeatsBlank / items.length >= 0.8, `text beats blank for ${textBeatsBlank}/${items.length}`);
});

test('SigLIP ranks a val reference’s own prompt above its hard negatives in ≥ 80 % of cases', async () => {
  await ctx.page.evaluate(() => (window as unknown as Win).sgp.encodersLoad({ device: 'wasm', dino: null }));
  const items = val(60);
  const images = await ctx.page.evaluate((s) => (window as unknown as Win).sgp.encoderEmbedSvgs('siglip', s), items.map((it) => it.svg));
  let cases = 0, wins = 0, pairs = 0, pairWins = 0;
  const byKind: Record<string, [number, number]> = {};
  for (const [i, it] of items.entries()) {
    const negs = hardNegatives(it.prompt, itemRng(SEED, 'reward-negatives', i));
    if (!negs.length) continue;
    const texts = await ctx.page.evaluate((t) => (window as unknown as Win).sgp.encoderEmbedTexts(t), [it.prompt, ...negs.map((n) => n.text)]);
    const own = cosine(images[i]!, texts[0]!);
    const beats = negs.map((n, k) => own > cosine(images[i]!, texts[k + 1]!));
    negs.forEach((n, k) => { const s = (byKind[n.kind] ??= [0, 0]); s[0] += beats[k] ? 1 : 0; s[1]++; });
    cases++;
    wins += beats.every(Boolean) ? 1 : 0;
    pairs += beats.length;
    pairWins += beats.filter(Boolean).length;
  }
  console.log(`SigLIP own prompt above all its hard negatives: ${wins}/${cases}; pairwise ${pairWins}/${pairs}; by kind ${JSON.stringify(byKind)}`);
  assert.ok(cases >= 50, `${cases} val cases with negatives`);
  assert.ok(wins / cases >= 0.8, `own prompt ranked first in ${wins}/${cases}`);
});

test('DINO: a val reference is nearer its perturbed render than a different scene in ≥ 90 % of cases', async () => {
  await ctx.page.evaluate(() => (window as unknown as Win).sgp.encodersLoad({ device: 'wasm', siglip: null }));
  const items = val(40);
  const refs = items.map((it) => it.svg);
  const perturbed = items.map((it, i) => perturb(it.svg, itemRng(SEED, 'enc-perturb-val', i)));
  const [a, b] = [
    await ctx.page.evaluate((s) => (window as unknown as Win).sgp.encoderEmbedSvgs('dino', s), refs),
    await ctx.page.evaluate((s) => (window as unknown as Win).sgp.encoderEmbedSvgs('dino', s), perturbed),
  ];
  let wins = 0;
  for (let i = 0; i < items.length; i++) if (cosine(a[i]!, b[i]!) > cosine(a[i]!, a[(i + 1) % items.length]!)) wins++;
  console.log(`DINO perturbed beats another scene: ${wins}/${items.length}`);
  assert.ok(wins / items.length >= 0.9, `perturbed nearer in ${wins}/${items.length}`);
});

test('scoreGroup: failed, partial and hostile programs score 0 without stopping the group; n/a terms are null', async () => {
  await ctx.page.evaluate(() => (window as unknown as Win).sgp.encodersLoad({ device: 'wasm' }));
  const good = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 256 256"><circle cx="128" cy="128" r="60" fill="red"/></svg>';
  const huge = '<svg xmlns="http://www.w3.org/2000/svg" width="100000" height="100000"><rect width="10" height="10"/></svg>';
  const r = await score({ prompt: 'a red circle', programs: [good, '<svg xmlns="http://www.w3.org/2000/svg"><circle r="3"', 'no program here', huge], preset: 'sgp-rl' });
  const [ok, partial, none, big] = r.samples;
  assert.equal(ok!.valid, true);
  assert.ok(ok!.reward > 0.5, `a red circle for "a red circle": ${ok!.reward}`);
  assert.equal(ok!.terms.dino.value, null, 'no reference: DINO is n/a');
  assert.equal(ok!.terms.verifier.value, null, 'a free prompt: the verifier is n/a');
  for (const s of [partial, none, big]) {
    assert.equal(s!.valid, false);
    assert.equal(s!.reward, 0);
    assert.equal(s!.breakdown.gatedBy, 'format');
  }
  assert.match(big!.error ?? '', /limit|too-large|bad-size/);
  // RL under `verifiable` reads no encoder: they are skipped and their terms say so.
  const it = await score({ item: 'compositional-0001', programs: [good], preset: 'verifiable', onlyPresetTerms: true });
  assert.equal(it.samples[0]!.terms.siglip.value, null);
  assert.match(it.samples[0]!.terms.siglip.why, /not computed/);
  assert.equal(typeof it.samples[0]!.terms.verifier.value, 'number');
});
