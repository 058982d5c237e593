// Every reward term on constructed cases, rendered through the app's render path (render/node.ts):
// blank, outside the canvas, stacked shapes, contrast, tiny viewBox, format, text, length, verifier.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadRenderer } from '../../../src/lib/render/node.ts';
import { renderForReward } from '../../../src/lib/reward/render-terms.ts';
import { embeddingTerms, programTerms, sampleTerms, TERM_IDS, TERMS, type ProgramTerms } from '../../../src/lib/reward/terms.ts';
import { buildMiniBench, corrupt, makeRng, sceneSvg } from '../../../src/lib/world/index.ts';

const render = await loadRenderer();
const svg = (body: string, attrs = 'viewBox="0 0 256 256"'): string => `<svg xmlns="http://www.w3.org/2000/svg" ${attrs}>${body}</svg>`;
const terms = (output: string, spec = null as Parameters<typeof programTerms>[0]['spec']): ProgramTerms =>
  renderForReward((s, size) => render(s, { size }), output, { encoderSizes: [128], spec }).terms;
const CIRCLE = '<circle cx="128" cy="128" r="60" fill="black"/>';

test('registry: frozen, one entry per term id, each with a label and a description', () => {
  assert.ok(Object.isFrozen(TERMS));
  assert.deepEqual(Object.keys(TERMS), [...TERM_IDS]);
  for (const d of Object.values(TERMS)) assert.ok(d.label.length > 2 && d.description.length > 30, d.id);
});

test('format: a complete program that renders is 1; partial, missing, malformed or failing programs are 0', () => {
  assert.equal(terms(svg(CIRCLE)).format.value, 1);
  assert.equal(terms(`here it is: ${svg(CIRCLE)} done`).format.value, 1);
  for (const bad of ['<svg xmlns="http://www.w3.org/2000/svg"><circle r="3"', 'no program', svg('<circle r="3"></rect>'), svg(CIRCLE, 'width="100000" height="100000"')]) {
    const t = terms(bad);
    assert.equal(t.format.value, 0, bad);
    assert.equal(t['not-blank'].value, 0, `${bad}: pixel terms are 0 when nothing rendered`);
  }
});

test('no-text and length follow SGP-RL', () => {
  assert.equal(terms(svg(CIRCLE))['no-text'].value, 1);
  assert.equal(terms(svg('<text x="10" y="50">a red car</text>'))['no-text'].value, 0);
  assert.equal(terms(svg('<text x="10" y="50"><tspan>a</tspan></text>'))['no-text'].value, 0);
  const long = svg(`<!--${'x'.repeat(3000 - svg('').length - 7)}-->`);
  assert.equal(long.length, 3000);
  assert.ok(Math.abs(terms(long).length.value! - 0.5) < 1e-9);
  assert.equal(terms(svg(`<!--${'x'.repeat(7000)}-->`)).length.value, 0);
});

test('blank: an empty or white-on-white canvas is 0, a drawing 1', () => {
  assert.equal(terms(svg(''))['not-blank'].value, 0);
  assert.equal(terms(svg('<rect width="256" height="256" fill="white"/>'))['not-blank'].value, 0);
  assert.equal(terms(svg(CIRCLE))['not-blank'].value, 1);
});

test('outside the canvas: the share of shapes on the canvas', () => {
  assert.equal(terms(svg(CIRCLE))['inside-canvas'].value, 1);
  assert.equal(terms(svg(`${CIRCLE}<circle cx="900" cy="900" r="20"/>`))['inside-canvas'].value, 0.5);
  assert.equal(terms(svg('<g transform="translate(1000 0)"><rect width="20" height="20"/></g>'))['inside-canvas'].value, 0);
});

test('overlap: stacked near-duplicates count, details on a body and backgrounds do not', () => {
  const fish = '<ellipse cx="128" cy="128" rx="70" ry="40" fill="orange"/><circle cx="170" cy="120" r="6" fill="black"/>';
  assert.equal(terms(svg(`<rect width="256" height="256" fill="skyblue"/>${fish}`))['no-overlap'].value, 1);
  const stacked = terms(svg(`${CIRCLE}${CIRCLE}${CIRCLE}<rect x="10" y="10" width="20" height="20"/>`))['no-overlap'];
  assert.equal(stacked.value, 0.25);
  assert.match(stacked.why, /3 of 4 shapes stacked/);
});

test('contrast: WCAG ratio of the drawing against its background', () => {
  assert.equal(terms(svg(CIRCLE)).contrast.value, 1); // 21:1
  const yellow = terms(svg('<circle cx="128" cy="128" r="60" fill="yellow"/>')).contrast; // 1.07:1 on white
  assert.ok(yellow.value! < 0.1, yellow.why);
  assert.match(yellow.why, /1\.07:1/);
  const onNavy = terms(svg('<rect width="256" height="256" fill="navy"/><circle cx="128" cy="128" r="60" fill="yellow"/>')).contrast;
  assert.equal(onNavy.value, 1, onNavy.why);
  const mid = terms(svg('<circle cx="128" cy="128" r="60" fill="#949494"/>')).contrast; // ≈ 3.0:1 on white
  assert.ok(mid.value! > 0.9 && mid.value! <= 1, mid.why);
  assert.equal(terms(svg('')).contrast.value, null, 'nothing drawn: contrast does not apply');
});

test('tiny viewBox: a speck blown up, or a zoom into a detail, is caught; icon and world canvases pass', () => {
  assert.equal(terms(svg('<circle cx="0.5" cy="0.5" r="0.4"/>', 'viewBox="0 0 1 1"')).viewbox.value, 0.25);
  const zoom = terms(svg('<rect width="256" height="256" fill="skyblue"/><circle cx="128" cy="128" r="100"/>', 'viewBox="120 120 16 16"')).viewbox;
  assert.ok(zoom.value! < 0.1, zoom.why);
  assert.equal(terms(svg('<path d="M12 2 L22 22 L2 22 Z"/>', 'viewBox="0 0 24 24"')).viewbox.value, 1);
  assert.equal(terms(svg(CIRCLE)).viewbox.value, 1);
});

test('verifier: 1 for the world reference, lower for a corrupted scene, n/a without a spec', () => {
  const it = buildMiniBench({ object: 0, scene: 0, compositional: 3, heldout: 0 }).items[0]!;
  assert.equal(terms(it.svg!, it.spec).verifier.value, 1);
  const wrong = corrupt(it.spec!, 'color-swap', makeRng(3))!;
  const t = terms(sceneSvg(wrong), it.spec);
  assert.ok(t.verifier.value! < 0.5, t.verifier.why);
  assert.match(t.verifier.why, /failed/);
  assert.equal(terms(it.svg!).verifier.value, null);
  assert.equal(terms('no program', it.spec).verifier.value, 0, 'a failed render fails the verifier');
});

test('world references are clean on every defect but contrast (the world draws yellow on white)', () => {
  const items = buildMiniBench({ object: 10, scene: 10, compositional: 10, heldout: 10 }).items;
  for (const it of items) {
    const t = terms(it.svg!, it.spec);
    for (const id of ['format', 'no-text', 'not-blank', 'inside-canvas', 'no-overlap', 'viewbox', 'verifier'] as const) assert.equal(t[id].value, 1, `${it.id} ${id}: ${t[id].why}`);
  }
});

test('embedding terms: (1 + cos)/2; n/a without an encoder or a reference; 0 when nothing rendered', () => {
  const e = embeddingTerms({ textImage: 0.2, imageReference: -0.5 }, true);
  assert.ok(Math.abs(e.siglip.value! - 0.6) < 1e-12);
  assert.ok(Math.abs(e.dino.value! - 0.25) < 1e-12);
  assert.equal(embeddingTerms({ textImage: null, imageReference: null }, true).dino.value, null);
  assert.equal(embeddingTerms({ textImage: null, imageReference: null }, true).siglip.value, null);
  const failed = embeddingTerms({ textImage: null, imageReference: 0.9 }, false);
  assert.equal(failed.siglip.value, 0);
  assert.equal(failed.dino.value, 0);
  const all = sampleTerms(programTerms({ output: svg(CIRCLE), pixels: null, renderError: 'timeout' }), e);
  assert.deepEqual(Object.keys(all).sort(), [...TERM_IDS].sort());
  assert.match(all['not-blank'].why, /did not render: timeout/);
});

test('length counts the program as written: the xmlns the renderer needs is not charged', () => {
  const bare = '<svg viewBox="0 0 256 256"><circle cx="128" cy="128" r="60"/></svg>';
  assert.equal(terms(bare).format.value, 1);
  assert.ok(Math.abs(terms(bare).length.value! - (1 - bare.length / 6000)) < 1e-12);
});

test('renderForReward: terms at 224 px, one render per encoder size (shared when sizes repeat), none for a failure', () => {
  const r = renderForReward((s, size) => render(s, { size }), svg(CIRCLE), { encoderSizes: [128, 224, 128] });
  assert.equal(r.valid, true);
  assert.deepEqual(r.encoderPixels.map((p) => p.width), [128, 224, 128]);
  assert.equal(r.encoderPixels[0], r.encoderPixels[2], 'one 128-px render for both encoders');
  const failed = renderForReward((s, size) => render(s, { size }), 'no program', { encoderSizes: [128] });
  assert.deepEqual([failed.valid, failed.encoderPixels.length], [false, 0]);
  assert.match(failed.error!, /no complete <svg> program \(none\)/);
});
