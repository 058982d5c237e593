import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boxOfPoints, canvasOf, parseLength, parseTransform, pathPoints, shapeBox } from '../../../src/lib/program/geometry.ts';
import { checkWellFormed, parseSvg } from '../../../src/lib/program/svg-tree.ts';

const close = (a: number, b: number, tol = 1e-9): void => assert.ok(Math.abs(a - b) <= tol, `${a} ≠ ${b}`);

test('lengths: units convert to px, percentages and junk are unknown', () => {
  assert.equal(parseLength('12'), 12);
  assert.equal(parseLength(' 1in '), 96);
  close(parseLength('25.4mm'), 96);
  assert.equal(parseLength('3pt'), 4);
  assert.ok(Number.isNaN(parseLength('50%')));
  assert.ok(Number.isNaN(parseLength('NaN')));
  assert.ok(Number.isNaN(parseLength('12furlongs')));
});

test('canvas: viewBox first, else width/height, else unknown', () => {
  assert.deepEqual(canvasOf({ viewBox: '-5 0 10,20', width: '99' }), { x0: -5, y0: 0, x1: 5, y1: 20 });
  assert.deepEqual(canvasOf({ width: '30', height: '1in' }), { x0: 0, y0: 0, x1: 30, y1: 96 });
  assert.equal(canvasOf({ width: '100%' }), null);
});

test('transforms compose left to right; rotate about a point', () => {
  const m = parseTransform('translate(10 20) scale(2)');
  assert.deepEqual(boxOfPoints([1, 1], m), { x0: 12, y0: 22, x1: 12, y1: 22 });
  const r = parseTransform('rotate(90 5 5)');
  const p = boxOfPoints([10, 5], r);
  assert.ok(p);
  close(p.x0, 5, 1e-9);
  close(p.y0, 10, 1e-9);
  assert.deepEqual(parseTransform('bogus(1) translate(3)'), [1, 0, 0, 1, 3, 0]);
});

test('path points: absolute, relative, H/V, implicit line-tos, close path', () => {
  assert.deepEqual(pathPoints('M10 10 h5 v5 H0 z l1 1'), [10, 10, 15, 10, 15, 15, 0, 15, 11, 11]);
  assert.deepEqual(pathPoints('m1 1 2 2 3 3'), [1, 1, 3, 3, 6, 6]);
  assert.deepEqual(pathPoints('M0 0c1 1 2 2 3 3s1 1 2 2'), [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
  assert.deepEqual(pathPoints('M-1-2L.5.5'), [-1, -2, 0.5, 0.5]);
});

test('arc flags written without separators are split correctly', () => {
  assert.deepEqual(pathPoints('M0 0a5 5 0 011 1'), [0, 0, 1, 1]);
  assert.deepEqual(pathPoints('M0 0 A5 5 0 1 0 10 0 a5 5 0 1110 10'), [0, 0, 10, 0, 20, 10]);
  assert.deepEqual(pathPoints('M0 0a1e1 1e1 0 0 1 2e1 0'), [0, 0, 20, 0]);
});

test('shape boxes from geometry attributes', () => {
  assert.deepEqual(shapeBox('rect', { x: '1', y: '2', width: '3', height: '4' }), { x0: 1, y0: 2, x1: 4, y1: 6 });
  assert.deepEqual(shapeBox('circle', { cx: '5', cy: '5', r: '2' }), { x0: 3, y0: 3, x1: 7, y1: 7 });
  assert.deepEqual(shapeBox('ellipse', { cx: '0', cy: '0', rx: '4', ry: '1' }), { x0: -4, y0: -1, x1: 4, y1: 1 });
  assert.deepEqual(shapeBox('polygon', { points: '0,0 10,-5 3 7' }), { x0: 0, y0: -5, x1: 10, y1: 7 });
  assert.deepEqual(shapeBox('line', { x1: '1', y1: '9', x2: '4', y2: '2' }), { x0: 1, y0: 2, x1: 4, y1: 9 });
  assert.equal(shapeBox('circle', { cx: 'NaN', cy: '1', r: '1' }), null);
  assert.equal(shapeBox('g', {}), null);
});

test('svg-tree: one parse with document order, attributes, text and decoded entities', () => {
  const r = parseSvg('<?xml version="1.0"?><!-- c --><svg viewBox="0 0 9 9"><g id="a"><rect fill="&quot;x&quot;"/></g><text>a &amp; b</text></svg>');
  assert.ok(r.ok);
  assert.deepEqual(r.tree.elements.map((e) => e.name), ['svg', 'g', 'rect', 'text']);
  assert.equal(r.tree.elements[2]?.attrs.fill, '"x"');
  assert.equal(r.tree.elements[2]?.parent?.attrs.id, 'a');
  assert.equal(r.tree.elements[3]?.text, 'a & b');
});

test('well-formedness also refuses what the validator lets through', () => {
  assert.equal(checkWellFormed('<svg/>'), null);
  assert.equal(checkWellFormed('<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd"><svg/>'), null);
  assert.match(checkWellFormed('<svg/><svg/>')?.message ?? '', /exactly one root element, found 2/);
  assert.match(checkWellFormed('<svg/>thanks!')?.message ?? '', /text outside the root/);
  assert.match(checkWellFormed('<!DOCTYPE x [<!ENTITY a "b">]><svg/>')?.message ?? '', /ENTITY/);
  assert.match(checkWellFormed('<svg><g></svg>')?.message ?? '', /closing tag/);
  assert.match(checkWellFormed('')?.message ?? '', /empty/);
});
