import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeReferences, normaliseXml, SVG_NS, XLINK_NS } from '../../../src/lib/program/normalise.ts';
import { parseDeclarations, parseStyleSheet, StyleIndex } from '../../../src/lib/program/css.ts';

test('character and predefined entity references are decoded; undeclared names stay', () => {
  assert.equal(decodeReferences('&#35;u0 &#x66;ilter 1&#48;0 &lt;&amp;&gt;&quot;&apos;'), '#u0 filter 100 <&>"\'');
  assert.equal(decodeReferences('&nbsp;&#0;&#x110000;'), '&nbsp;&#0;&#x110000;');
  const doc = normaliseXml('<svg xmlns="http://www.w3.org/2000/svg"><use href="&#35;a" filter="&#117;rl(#f)"/><text>a&amp;b<![CDATA[<c>]]></text></svg>');
  assert.equal(doc.elements[1]?.attrs.get('href'), '#a');
  assert.equal(doc.elements[1]?.attrs.get('filter'), 'url(#f)');
  assert.equal(doc.elements[2]?.text, 'a&b<c>');
});

test('namespace prefixes resolve to URIs: any prefix for SVG and XLink, foreign attributes dropped', () => {
  const doc = normaliseXml(`<s:svg xmlns:s="${SVG_NS}" xmlns:q="${XLINK_NS}" xmlns:x="urn:x"><s:use q:href="#a" x:filter="url(#f)" s:filter="url(#g)"/><g xmlns="urn:y"/></s:svg>`);
  const [root, use, g] = doc.elements;
  assert.deepEqual([root?.name, root?.ns, root?.qname], ['svg', SVG_NS, 's:svg']);
  assert.equal(use?.attrs.get('href'), '#a');
  assert.equal(use?.attrs.get('filter'), 'url(#g)', 'x:filter is in another namespace; s:filter is SVG');
  assert.equal(g?.ns, 'urn:y');
});

test('href: the unprefixed one wins over xlink:href, in either order; other prefixes are not XLink', () => {
  const h = (attrs: string): string | undefined => normaliseXml(`<svg xmlns:xlink="${XLINK_NS}" xmlns:z="urn:z"><use ${attrs}/></svg>`).elements[1]?.attrs.get('href');
  assert.equal(h('xlink:href="#x" href="#y"'), '#y');
  assert.equal(h('href="#y" xlink:href="#x"'), '#y');
  assert.equal(h('xlink:href="#x"'), '#x');
  assert.equal(h('z:href="#x"'), undefined);
});

test('attribute values: tabs and newlines read as spaces; element names keep their case', () => {
  const doc = normaliseXml('<svg><feGaussianBlur stdDeviation="1\t2\n3"/><RECT/></svg>');
  assert.equal(doc.elements[1]?.attrs.get('stdDeviation'), '1 2 3');
  assert.equal(doc.elements[2]?.name, 'RECT');
});

test('maxElements stops building the tree', () => {
  assert.equal(normaliseXml(`<svg>${'<g/>'.repeat(100)}</svg>`, 10).elements.length, 10);
});

test('CSS: escapes and comments decoded, !important stripped, at-rules read as if they held', () => {
  assert.deepEqual(parseDeclarations('fil\\74 er: url(#f) !important; /* x */ Mask:url(#m)'), [['filter', 'url(#f)'], ['mask', 'url(#m)']]);
  const rules = parseStyleSheet('@import url(a.css); @media screen { g > rect.a:hover { filter: blur(2px) } } #i, circle { fill: red }');
  assert.deepEqual(rules.map((r) => [r.type, r.ids, r.classes]), [['rect', [], ['a']], ['', ['i'], []], ['circle', [], []]]);
});

test('CSS: a rule applies to every element its last compound selector could match', () => {
  const doc = normaliseXml('<svg><rect class="a b"/><rect class="b"/><circle id="i"/><path/></svg>');
  const index = new StyleIndex(parseStyleSheet('g .a.b { filter: x } #i { mask: y } * { fill: z } [foo] path:first-child { stroke: w }'));
  assert.deepEqual(doc.elements.slice(1).map((e) => index.declarationsFor(e).map(([p]) => p).sort()), [
    ['fill', 'filter'], ['fill'], ['fill', 'mask'], ['fill', 'stroke'],
  ]);
});
