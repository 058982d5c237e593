import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CATEGORY_NAMES, CORRUPTIONS, HACKS, corrupt, hackProgram, makeItem, makeRng, sceneSvg, type SceneSpec, type WorldItem,
} from '../../../src/lib/world/index.ts';
import { verify } from '../../../src/lib/reward/verify/verify.ts';
import { render } from '../world/render.ts';

// A mix of every category and of held-out items (they use the same constructions).
const items: WorldItem[] = Array.from({ length: 560 }, (_, i) =>
  makeItem({ seed: 77, stream: 'verify', index: i, category: CATEGORY_NAMES[i % CATEGORY_NAMES.length] as string, ...(i % 4 === 3 ? { split: 'heldout' as const } : {}) }),
);

test('every reference scores 1.0 at 128 px', () => {
  const failed = items.filter((it) => verify(it.spec, { pixels: render(it.svg, 128), svg: it.svg }).score !== 1);
  assert.deepEqual(failed.map((it) => `${it.id}: ${it.prompt}`), []);
});

test('every reference scores 1.0 at 224 px (the render stage default)', () => {
  const failed = items.slice(0, 200).filter((it) => verify(it.spec, render(it.svg, 224)).score !== 1);
  assert.deepEqual(failed.map((it) => `${it.id}: ${it.prompt}`), []);
});

test('systematically corrupted references score < 0.5 in ≥ 95 % of cases, per corruption', () => {
  for (const kind of CORRUPTIONS) {
    const rng = makeRng(1);
    let n = 0;
    let below = 0;
    for (const it of items.slice(0, 280)) {
      const bad = corrupt(it.spec, kind, rng);
      if (!bad) continue;
      n++;
      if (verify(it.spec, render(sceneSvg(bad))).score < 0.5) below++;
    }
    assert.ok(n >= 60, `${kind}: only ${n} applicable items`);
    assert.ok(below / n >= 0.95, `${kind}: ${below}/${n} below 0.5`);
  }
});

test('cheap hacks score < 0.3: empty canvas, every colour, tiny blobs, the prompt as text', () => {
  const rng = makeRng(2);
  for (const hack of HACKS) {
    for (const it of items.slice(0, 140)) {
      const svg = hackProgram(hack, it.prompt, rng);
      const v = verify(it.spec, { pixels: render(svg), svg });
      assert.ok(v.score < 0.3, `${hack} on '${it.prompt}' scored ${v.score}: ${JSON.stringify(v.checks.filter((c) => c.pass).map((c) => c.name))}`);
    }
  }
});

test('a partly right render ranks between a wrong one and the reference', () => {
  // "a red circle to the left of a blue square": colour and shapes right, relation wrong.
  const spec = {
    background: 'none' as const,
    groups: [{ kind: 'circle', color: 'red' as const, count: 1 }, { kind: 'square', color: 'blue' as const, count: 1 }],
    relations: [{ a: 0, rel: 'left_of' as const, b: 1 }],
    objects: [],
  };
  const svg = (cx: number, sx: number): string =>
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 256 256"><circle cx="${cx}" cy="128" r="40" fill="red"/><rect x="${sx}" y="88" width="80" height="80" fill="blue"/></svg>`;
  const right = verify(spec, render(svg(60, 150))).score;
  const mirrored = verify(spec, render(svg(196, 20))).score;
  const empty = verify(spec, render('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 256 256"/>')).score;
  assert.equal(right, 1);
  assert.ok(mirrored < 0.5 && mirrored > empty, `mirrored ${mirrored}, empty ${empty}`);
  // Other programs' colours: Material red and a hex blue are still red and blue.
  const material = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><circle cx="25" cy="50" r="15" fill="#f44336"/><rect x="60" y="35" width="30" height="30" fill="#0000cd"/></svg>`;
  assert.equal(verify(spec, render(material, 160)).score, 1);
});

test('programs written in other styles are judged by what they draw', () => {
  const spec = (groups: SceneSpec['groups'], relations: SceneSpec['relations'] = [], background: SceneSpec['background'] = 'none'): SceneSpec =>
    ({ background, groups, relations, objects: [] });
  const S = (body: string): string => `<svg xmlns="http://www.w3.org/2000/svg" width="512" height="512" viewBox="0 0 512 512">${body}</svg>`;
  const tree = spec([{ kind: 'tree', color: 'green', count: 1 }]);
  const triangles = spec([{ kind: 'triangle', color: 'blue', count: 3 }]);
  const tri = (x: number): string => `<path d="M${x} 200 L${x + 60} 320 L${x - 60} 320 Z" fill="blue"/>`;
  const sunOverHouse = spec([{ kind: 'house', color: 'yellow', count: 1 }, { kind: 'sun', color: 'orange', count: 1 }], [{ a: 1, rel: 'above', b: 0 }], 'land');
  const house = (sunY: number): string =>
    S(`<rect width="512" height="512" fill="#87CEEB"/><rect y="360" width="512" height="152" fill="#90EE90"/><circle cx="400" cy="${sunY}" r="50" fill="orange"/>` +
      '<rect x="150" y="250" width="200" height="150" fill="yellow"/><polygon points="130,250 250,150 370,250" fill="#8B4513"/><rect x="225" y="320" width="50" height="80" fill="#5a3a1a"/>');
  const cases: [string, SceneSpec, string, 'right' | 'wrong'][] = [
    ['outlined hex-coloured star in a transformed group', spec([{ kind: 'star', color: 'yellow', count: 1 }]),
      S('<g transform="translate(256 256) scale(2)"><polygon points="0,-100 22,-31 95,-31 36,12 59,81 0,38 -59,81 -36,12 -95,-31 -22,-31" fill="gold" stroke="orange" stroke-width="3"/></g>'), 'right'],
    ['tree: brown trunk, green crown', tree, S('<rect x="230" y="300" width="52" height="160" fill="#8B4513"/><circle cx="256" cy="220" r="130" fill="#228B22"/>'), 'right'],
    ['tree without a trunk is a green circle', tree, S('<circle cx="256" cy="220" r="130" fill="#228B22"/>'), 'wrong'],
    ['three path triangles', triangles, S(tri(80) + tri(256) + tri(430)), 'right'],
    ['two triangles for three', triangles, S(tri(80) + tri(430)), 'wrong'],
    ['sun above a house on grass', sunOverHouse, house(90), 'right'],
    ['sun below the house', sunOverHouse, house(440), 'wrong'],
  ];
  for (const [name, sp, svg, expected] of cases) {
    const v = verify(sp, { pixels: render(svg, 224), svg });
    if (expected === 'right') assert.equal(v.score, 1, `${name}: ${JSON.stringify(v.checks.filter((c) => !c.pass))}`);
    else assert.ok(v.score < 0.5, `${name} scored ${v.score}`);
  }
});
