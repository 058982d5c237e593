import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import { repairSvg, ensureNamespaces } from '../../../src/lib/program/repair.ts';
import { checkWellFormed } from '../../../src/lib/program/svg-tree.ts';

const bench = (name: string): string => readFileSync(new URL(`../../fixtures/bench-svgs/${name}`, import.meta.url), 'utf8');

// Constructs the bench set lacks: prolog, DOCTYPE, comments, CDATA CSS, entities, xlink, nesting.
const HANDMADE = [
  `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<!-- exported by an editor -->
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="120" height="80" viewBox="0 0 120 80">
  <style><![CDATA[ .a { fill: #e63946; stroke: #1d3557; } .b { fill: url(#g); } ]]></style>
  <style>.c { opacity: 0.5 } .d { stroke-width: 3 }</style>
  <defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/><stop offset="1" stop-color="#000"/></linearGradient>
  <rect id="r" width="10" height="10"/></defs>
  <rect class="a" x="5" y="5" width="50" height="30" data-note="a &amp; b &lt; c &#x41; &#65;"/>
  <use xlink:href="#r" x="70" y="10" class="c d"/>
  <text x="10" y="70" font-size="12">Tom &amp; Jerry &gt; 3 &#x263A;</text>
  <svg x="60" y="40" width="50" height="30" viewBox="0 0 10 6"><circle cx="5" cy="3" r="2" class="b"/></svg>
</svg>`,
  `<svg viewBox='0 0 10 10'><g transform = 'translate(1 1)' ><path d='M0 0h5v5z'/><!--x--><g><g><ellipse rx='2' ry='1'/></g></g></g></svg>`,
];
const FIXTURES = [
  ...['48-star.svg', '38-heart.svg', '17-house.svg', '11-effects.svg', '49-gear.svg', '30-chart.svg', '20-rings.svg', '04-landscape.svg'].map(bench),
  ...HANDMADE,
];

test('every prefix of every fixture repairs to well-formed XML (or to nothing before the root starts)', () => {
  let prefixes = 0;
  for (const [k, full] of FIXTURES.entries()) {
    const rootAt = full.search(/<svg[\s>]/);
    const rootTagEnd = full.indexOf('>', rootAt);
    for (const partialTags of ['drop', 'keep-attributes'] as const) {
      for (let n = 0; n <= full.length; n++) {
        const r = repairSvg(full.slice(0, n), { partialTags });
        prefixes++;
        if (!r.hasRoot) {
          assert.equal(r.svg, '');
          assert.ok(n <= rootTagEnd, `fixture ${k}: no root at prefix ${n} (root tag ends at ${rootTagEnd})`);
          continue;
        }
        const problem = checkWellFormed(r.svg);
        assert.equal(problem, null, `fixture ${k}, prefix ${n} (${partialTags}): ${problem?.message}\n${r.svg.slice(-200)}`);
        assert.match(r.svg, /<svg[^>]*\sxmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      }
    }
  }
  assert.ok(prefixes > 15_000, `checked ${prefixes} prefixes`);
});

test('a whole program comes back unchanged and marked complete', () => {
  for (const full of FIXTURES.slice(0, 8)) {
    const r = repairSvg(full.trimEnd());
    assert.ok(r.complete);
    assert.equal(r.svg, full.trimEnd());
    assert.deepEqual(r.closed, []);
  }
});

test('open elements are closed innermost first, the partial tag is dropped', () => {
  const r = repairSvg('<svg xmlns="http://www.w3.org/2000/svg"><g fill="red"><g><rect x="1" y="2" wid');
  assert.deepEqual(r.closed, ['g', 'g', 'svg']);
  assert.equal(r.svg, '<svg xmlns="http://www.w3.org/2000/svg"><g fill="red"><g></g></g></svg>');
  assert.ok(!r.complete);
});

test("partialTags 'keep-attributes' keeps the complete attributes of the tag being written", () => {
  const r = repairSvg('<svg xmlns="http://www.w3.org/2000/svg"><rect x="1" y="2" width="3" fill="#ab', { partialTags: 'keep-attributes' });
  assert.equal(r.svg, '<svg xmlns="http://www.w3.org/2000/svg"><rect x="1" y="2" width="3"></rect></svg>');
});

test('half an entity and half a CSS rule are cut; chatter after the root is dropped', () => {
  assert.equal(repairSvg('<svg xmlns="http://www.w3.org/2000/svg"><text>Tom &am').svg, '<svg xmlns="http://www.w3.org/2000/svg"><text>Tom </text></svg>');
  assert.equal(
    repairSvg('<svg xmlns="http://www.w3.org/2000/svg"><style>.a{fill:red} .b{fill:bl').svg,
    '<svg xmlns="http://www.w3.org/2000/svg"><style>.a{fill:red}</style></svg>',
  );
  const after = repairSvg('<svg xmlns="http://www.w3.org/2000/svg"/>\nHope this helps!');
  assert.equal(after.svg, '<svg xmlns="http://www.w3.org/2000/svg"/>');
  assert.ok(after.droppedChars > 10);
});

test('namespaces: xmlns added to the root, xmlns:xlink when xlink: is used', () => {
  assert.equal(ensureNamespaces('<svg><rect/></svg>'), '<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>');
  assert.equal(
    ensureNamespaces('<svg xmlns="http://www.w3.org/2000/svg"><use xlink:href="#a"/></svg>'),
    '<svg xmlns:xlink="http://www.w3.org/1999/xlink" xmlns="http://www.w3.org/2000/svg"><use xlink:href="#a"/></svg>',
  );
  const done = '<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>';
  assert.equal(ensureNamespaces(done), done);
});

test('resvg renders repaired prefixes, and the picture grows as the program streams in', () => {
  const full = bench('05-house.svg');
  let lastInk = -1;
  let rendered = 0;
  for (let n = 0; n <= full.length; n += 37) {
    const r = repairSvg(full.slice(0, n));
    if (!r.hasRoot) continue;
    const img = new Resvg(r.svg, { fitTo: { mode: 'width', value: 64 }, font: { loadSystemFonts: false } }).render();
    let ink = 0;
    for (let i = 3; i < img.pixels.length; i += 4) ink += img.pixels[i] ?? 0;
    assert.ok(ink >= lastInk, `prefix ${n}: coverage dropped from ${lastInk} to ${ink}`);
    lastInk = ink;
    rendered++;
  }
  assert.ok(rendered > 10 && lastInk > 0);
});

test('a mismatched close tag keeps the well-formed part only', () => {
  const r = repairSvg('<svg xmlns="http://www.w3.org/2000/svg"><g><rect/></circle><path d="M0 0"/>');
  assert.equal(r.svg, '<svg xmlns="http://www.w3.org/2000/svg"><g><rect/></g></svg>');
  assert.equal(checkWellFormed(r.svg), null);
});
