import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import { extractProgram } from '../../../src/lib/program/extract.ts';
import { repairSvg } from '../../../src/lib/program/repair.ts';
import { HOSTILE_CASES } from '../../fixtures/hostile/manifest.ts';
import { inkFraction } from '../../../src/lib/render/canvas.ts';
import { evaluateRules, RULES, type RuleId, type RuleResult } from '../../../src/lib/reward/rules.ts';
import type { Pixels } from '../../../src/lib/render/rasterize.ts';

const svg = (body: string, attrs = 'viewBox="0 0 100 100"'): string => `<svg xmlns="http://www.w3.org/2000/svg" ${attrs}>${body}</svg>`;
const RULE_IDS: RuleId[] = ['well-formed', 'no-text', 'element-count', 'length', 'blank-render', 'inside-canvas'];
const one = (id: RuleId, program: string, pixels?: Pixels): RuleResult => {
  const r = evaluateRules(program, pixels, {}, [id])[0];
  assert.ok(r);
  return r;
};
/** Real render with the native build of the worker pool's renderer (premultiplied RGBA). */
const render = (program: string, background?: string): Pixels => {
  const img = new Resvg(program, { fitTo: { mode: 'width', value: 100 }, font: { loadSystemFonts: false }, ...(background ? { background } : {}) }).render();
  return { data: img.pixels, width: img.width, height: img.height, premultiplied: true };
};

test('registry: frozen, every rule has a label and description, evaluateRules runs them all in order', () => {
  assert.ok(Object.isFrozen(RULES));
  for (const [id, def] of Object.entries(RULES)) {
    assert.equal(def.id, id);
    assert.ok(def.label.length > 3 && def.description.length > 20, id);
  }
  assert.deepEqual(Object.keys(RULES), RULE_IDS);
  const results = evaluateRules(svg('<circle cx="50" cy="50" r="20"/>'));
  assert.deepEqual(results.map((r) => r.id), RULE_IDS);
  assert.throws(() => evaluateRules('<svg/>', undefined, {}, ['clip' as RuleId]), /unknown rule 'clip'; one of: well-formed, no-text/);
});

test('well-formed: passes a program, explains where a broken one breaks', () => {
  assert.equal(one('well-formed', svg('<rect/>')).status, 'pass');
  const bad = one('well-formed', svg('<g><rect></g>'));
  assert.equal(bad.status, 'fail');
  assert.equal(bad.score, 0);
  assert.match(bad.explanation, /line 1, col \d+/);
  assert.equal(one('well-formed', svg('') + svg('')).status, 'fail');
});

test('no-text: <text>, <tspan>, <textPath> fail (also in a broken program), shapes pass', () => {
  assert.equal(one('no-text', svg('<rect/><path d="M0 0"/>')).status, 'pass');
  const t = one('no-text', svg('<text>a red <tspan>circle</tspan></text>'));
  assert.deepEqual([t.status, t.value, t.score], ['fail', 2, 0]);
  assert.equal(one('no-text', svg('<textPath href="#p">x</textPath>')).status, 'fail');
  assert.equal(one('no-text', '<svg><text>unclosed').status, 'fail');
  assert.equal(one('no-text', svg('<rect class="textual"/><!-- context -->')).status, 'pass');
});

test('element count: nothing drawn fails, bloat fails, skipped when not XML', () => {
  assert.equal(one('element-count', svg('')).status, 'fail');
  const ok = one('element-count', svg('<rect/><circle/>'));
  assert.deepEqual([ok.status, ok.value], ['pass', 3]);
  assert.equal(one('element-count', svg('<g/>'.repeat(1000))).status, 'fail');
  assert.equal(evaluateRules(svg('<g/>'.repeat(1000)), undefined, { maxElements: 2000 }, ['element-count'])[0]?.status, 'pass');
  assert.equal(one('element-count', '<svg><g>').status, 'skip');
});

test('length: SGP-RL clamp(1 − len/6000)', () => {
  const p = svg(`<path d="M0 0${' L1 1'.repeat(580)}"/>`);
  const r = one('length', p);
  assert.equal(r.value, p.length);
  assert.ok(Math.abs(r.score - (1 - p.length / 6000)) < 1e-12);
  assert.equal(r.status, 'pass');
  const long = one('length', 'x'.repeat(7000));
  assert.deepEqual([long.status, long.score], ['fail', 0]);
});

test('blank render (real resvg): white and transparent renders are blank, a drawn circle is not', () => {
  assert.equal(one('blank-render', svg('<rect/>')).status, 'skip');
  const white = one('blank-render', svg('<rect width="100" height="100" fill="#fff"/>'), render(svg('<rect width="100" height="100" fill="#fff"/>')));
  assert.equal(white.status, 'fail');
  assert.match(white.explanation, /blank render/);
  assert.equal(one('blank-render', svg('<circle r="0"/>'), render(svg('<circle r="0"/>'))).status, 'fail', 'transparent composites to white');
  const circle = svg('<circle cx="50" cy="50" r="25" fill="#1d3557"/>');
  for (const bg of [undefined, 'white']) {
    const r = one('blank-render', circle, render(circle, bg));
    assert.equal(r.status, 'pass');
    assert.ok(Math.abs(r.value - Math.PI / 16) < 0.01, `ink ${r.value} vs disc area ${Math.PI / 16}`);
  }
  const faint = svg('<rect width="100" height="100" fill="#fdfdfd"/>');
  assert.equal(one('blank-render', faint, render(faint)).status, 'fail', 'off-white within tolerance is blank');
  // Premultiplied 50 % #f8f8f8 is (124, 124, 124, 128): on white 251, blank. Read as straight alpha it would be 189.
  const veil = svg('<rect width="100" height="100" fill="#f8f8f8" fill-opacity="0.5"/>');
  assert.equal(one('blank-render', veil, render(veil)).status, 'fail');
  assert.equal(one('blank-render', veil, { ...render(veil), premultiplied: false }).status, 'pass');
});

test('inkFraction rejects pixels whose size does not match', () => {
  assert.throws(() => inkFraction({ data: new Uint8Array(10), width: 2, height: 2 }, 8), /expected 2×2×4 = 16 bytes, got 10/);
});

test('inside-canvas: shapes outside, overflowing, moved by transforms; defs ignored', () => {
  const inside = one('inside-canvas', svg('<rect x="10" y="10" width="20" height="20"/><path d="M50 50 l10 10 h-5z"/>'));
  assert.deepEqual([inside.status, inside.value], ['pass', 1]);
  const out = one('inside-canvas', svg('<circle cx="500" cy="50" r="10"/><rect width="10" height="10"/>'));
  assert.deepEqual([out.status, out.value], ['fail', 0.5]);
  assert.match(out.explanation, /1 of 2 shapes inside .* 1 entirely outside/);
  assert.equal(one('inside-canvas', svg('<g transform="translate(200 0)"><rect width="10" height="10"/></g>')).status, 'fail');
  assert.equal(one('inside-canvas', svg('<g transform="translate(200 0) scale(0.1)"><g transform="translate(-1900 100)"><rect width="10" height="10"/></g></g>')).status, 'pass');
  assert.equal(one('inside-canvas', svg('<defs><rect x="900" width="10" height="10"/></defs><rect width="5" height="5"/>')).value, 1);
  const spill = one('inside-canvas', svg('<rect x="-50" y="-50" width="300" height="300"/>'));
  assert.deepEqual([spill.status, spill.value], ['pass', 0]);
  assert.match(spill.explanation, /1 overflowing/);
  assert.equal(one('inside-canvas', svg('<path d="M0 0" transform="translate(5)"/>', 'width="10" height="10"')).status, 'pass');
  assert.equal(one('inside-canvas', svg('<rect/>', 'width="100%"')).status, 'skip');
});

test('bench SVGs: well-formed, nothing estimated outside the canvas, text rule matches the text they hold', () => {
  const dir = new URL('../../fixtures/bench-svgs/', import.meta.url);
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.svg'))) {
    const program = readFileSync(new URL(f, dir), 'utf8');
    const r = Object.fromEntries(evaluateRules(program).map((x) => [x.id, x]));
    assert.equal(r['well-formed']?.status, 'pass', f);
    assert.equal(r['inside-canvas']?.status, 'pass', `${f}: ${r['inside-canvas']?.explanation}`);
    assert.equal(r['no-text']?.status, program.includes('<text') ? 'fail' : 'pass', f);
    assert.equal(r['element-count']?.status, 'pass', f);
  }
});

test('hostile inputs: rules, extraction and repair never throw, and oversized input is not parsed on the UI thread', () => {
  for (const c of HOSTILE_CASES) {
    const input = c.make();
    const results = evaluateRules(input);
    extractProgram(input);
    repairSvg(input);
    // every rule gives a verdict: a status, a score in [0, 1] and a reason (no rule silently dropped)
    assert.deepEqual(results.map((r) => r.id), RULE_IDS, c.name);
    for (const r of results) {
      assert.ok(['pass', 'fail', 'skip'].includes(r.status), `${c.name} ${r.id}: status ${r.status}`);
      assert.ok(r.score >= 0 && r.score <= 1, `${c.name} ${r.id}: score ${r.score}`);
      assert.ok(r.explanation.length > 0, `${c.name} ${r.id}: no explanation`);
    }
    assert.equal(results.find((r) => r.id === 'blank-render')?.status, 'skip', `${c.name}: no pixels, so no blank verdict`);
    if (input.length > 512 * 1024) assert.match(results[0]?.explanation ?? '', /too long to analyse/, c.name);
    // Text that renders must be seen by the reward (text fools CLIP): e.g. text-only, zalgo-text, font-size-1e6.
    else if (c.expect === 'render' && /<text[\s>]/.test(input)) assert.equal(results.find((r) => r.id === 'no-text')?.status, 'fail', `${c.name}: its <text> was not flagged`);
  }
  const deep = evaluateRules(svg('<g>'.repeat(300) + '</g>'.repeat(300)), undefined, {}, ['well-formed'])[0];
  assert.equal(deep?.status, 'fail');
  assert.match(deep?.explanation ?? '', /nested/i);
});
