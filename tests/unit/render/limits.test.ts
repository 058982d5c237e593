import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { checkLimits, DEFAULT_LIMITS, resolveLimits } from '../../../src/lib/render/limits.ts';
import { createRenderPool } from '../../../src/lib/render/node.ts';
import { HOSTILE_CASES } from '../../fixtures/hostile/manifest.ts';

const benchDir = new URL('../../fixtures/bench-svgs/', import.meta.url);
const svg = (body: string, attrs = 'width="100" height="100"'): string => `<svg xmlns="http://www.w3.org/2000/svg" ${attrs}>${body}</svg>`;
// Codes for a kind of input that is refused outright, rather than a number over a limit.
const QUALITATIVE = new Set(['entities', 'not-svg', 'use-cycle', 'reference-cycle', 'empty', 'nested-svg', 'bad-data-uri', 'bad-dimension']);
const BY_RESVG = new Set(['render', 'resvg-error', 'timeout']);
const codeOf = (s: string, o = {}): string => { const r = checkLimits(s, o); return r.ok ? 'ok' : r.error.code; };

test('the hostile manifest has ≥ 100 cases with unique names', () => {
  assert.ok(HOSTILE_CASES.length >= 100, `${HOSTILE_CASES.length} cases`);
  assert.equal(new Set(HOSTILE_CASES.map((c) => c.name)).size, HOSTILE_CASES.length);
});

for (const c of HOSTILE_CASES.filter((c) => !BY_RESVG.has(c.expect))) {
  test(`limits catch ${c.name} as ${c.expect} (${c.why})`, () => {
    const r = checkLimits(c.make());
    assert.ok(!r.ok, 'passed the limits');
    assert.equal(r.error.code, c.expect, r.error.message);
    assert.ok(r.error.message.length > 40, `unclear message: ${r.error.message}`);
    assert.ok(r.error.message.length < 400, `message too long: ${r.error.message.length} characters`);
    if (!QUALITATIVE.has(r.error.code)) {
      assert.match(r.error.message, /\d/, 'the message should state the limit');
      assert.ok(r.error.limit && r.error.message.includes(`(${r.error.limit})`), `the message should name the limit key: ${r.error.message}`);
    }
  });
}

// Cases without a limit code go to resvg: the limits must let them through, and resvg (the app's
// render path in Node: the worker pool's resvg-wasm build, with its deadline) must then do what the
// manifest says, as the browser's hostile test reads it.
test('cases meant for resvg pass the limits, then render or fail in resvg as expected', async () => {
  const cases = HOSTILE_CASES.filter((c) => BY_RESVG.has(c.expect));
  const inputs = cases.map((c) => c.make());
  inputs.forEach((input, i) => {
    const r = checkLimits(input);
    assert.ok(r.ok, `${cases[i]!.name}: blocked by limits (${r.ok ? '' : r.error.message})`);
  });
  // Outcomes only: "within 1 s" is the browser test's job, and a loaded machine must not turn a
  // slow render into a timeout here (filter-huge-region took 0.5–1.2 s at a load average of 20).
  const pool = createRenderPool({ deadlineMs: 10_000 });
  try {
    const results = await pool.renderAll(inputs, { size: 224 });
    results.forEach((r, i) => assert.equal(r.ok ? 'render' : r.error.code === 'parse' ? 'resvg-error' : r.error.code, cases[i]!.expect, cases[i]!.name));
  } finally {
    await pool.close();
  }
});

test('every bench SVG passes the default limits', () => {
  const files = readdirSync(benchDir).filter((f) => f.endsWith('.svg'));
  assert.ok(files.length >= 50);
  for (const f of files) assert.equal(codeOf(readFileSync(new URL(f, benchDir), 'utf8')), 'ok', f);
});

test('each limit is exactly at its boundary and can be overridden', () => {
  assert.equal(codeOf(svg('<g/>'.repeat(98))), 'ok'); // 98 + root = 99
  assert.equal(codeOf(svg('<g/>'.repeat(99)), { maxElements: 100 }), 'ok');
  assert.equal(codeOf(svg('<g/>'.repeat(100)), { maxElements: 100 }), 'too-many-elements');
  assert.equal(codeOf(svg('<g>'.repeat(9) + '</g>'.repeat(9)), { maxDepth: 10 }), 'ok');
  assert.equal(codeOf(svg('<g>'.repeat(10) + '</g>'.repeat(10)), { maxDepth: 10 }), 'too-deep');
  assert.equal(codeOf(svg('', 'width="8192" height="10"')), 'ok');
  assert.equal(codeOf(svg('', 'width="8193" height="10"')), 'canvas-too-large');
  assert.equal(codeOf(svg('', 'width="100%" height="50%" viewBox="0 0 10 10"')), 'ok');
  assert.equal(codeOf(svg('', 'width="9000" height="10"'), { maxSide: 10_000 }), 'ok');
  const s = svg('<rect/>');
  assert.equal(codeOf(s, { maxBytes: s.length }), 'ok');
  assert.equal(codeOf(s, { maxBytes: s.length - 1 }), 'too-many-bytes');
  assert.equal(codeOf(svg('<rect fill="é"/>'), { maxBytes: svg('<rect fill="é"/>').length }), 'too-many-bytes', 'bytes are UTF-8');
  const blur = (sd: number): string => svg(`<filter id="f"><feGaussianBlur stdDeviation="1 ${sd}"/></filter>`);
  assert.equal(codeOf(blur(500)), 'ok');
  assert.equal(codeOf(blur(501)), 'costly-filter');
  assert.equal(codeOf(blur(501), { maxBlurStdDeviation: 1000 }), 'ok');
});

test('use expansion counts referenced subtrees, memoised, without false alarms', () => {
  const fan = (levels: number, width: number): string =>
    svg(`<defs><rect id="u0"/>${Array.from({ length: levels }, (_, i) => `<g id="u${i + 1}">${`<use href="#u${i}"/>`.repeat(width)}</g>`).join('')}</defs><use href="#u${levels}"/>`);
  assert.equal(codeOf(fan(3, 10)), 'ok'); // u3 = 1 + 10·(1 + u2) = 2221 elements drawn
  assert.equal(codeOf(fan(5, 10)), 'costly-drawing');
  assert.equal(codeOf(fan(5, 10), { maxDrawnNodes: 250_000, maxSegmentsDrawn: 1e7, maxRenderMs: 1e6 }), 'ok'); // u5 = 222221
  assert.equal(codeOf(fan(20, 1)), 'use-bomb', 'a chain of 20 uses exceeds maxUseChain');
  assert.equal(codeOf(svg('<use href="#missing"/><use href="https://x.example/a.svg#b"/>')), 'ok');
});

test('nested SVG data: URIs are checked like the outer document', () => {
  const inner = svg('<filter id="f"><feTurbulence numOctaves="50"/></filter>');
  const b64 = Buffer.from(inner).toString('base64');
  assert.equal(codeOf(svg(`<image href="data:image/svg+xml;base64,${b64}"/>`)), 'costly-filter');
  assert.equal(codeOf(svg(`<image href="data:image/svg+xml;utf8,${encodeURIComponent(svg('<rect/>'))}"/>`)), 'ok');
  assert.equal(codeOf(svg('<image href="data:image/svg+xml;base64,%E0%A4%A@@"/>')), 'bad-data-uri', 'undecodable');
  assert.equal(codeOf(svg(`<filter id="f"><feImage href="data:image/svg+xml;base64,${b64}"/></filter><rect filter="url(#f)"/>`)), 'costly-filter', 'feImage too');
});

test('DEFAULT_LIMITS is frozen; bad overrides are programmer errors with a clear message', () => {
  assert.ok(Object.isFrozen(DEFAULT_LIMITS));
  assert.throws(() => resolveLimits({ maxBytes: -1 }), /maxBytes must be a positive number, got -1/);
  assert.throws(() => resolveLimits({ maxSize: 5 } as never), /unknown render limit 'maxSize'; one of: maxBytes/);
  assert.equal(resolveLimits({ maxDepth: 9 }).maxDepth, 9);
});
