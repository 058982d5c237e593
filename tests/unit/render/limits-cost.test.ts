// The cost model and data: URI readers behind checkLimits, at their boundaries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { checkLimits, DEFAULT_LIMITS } from '../../../src/lib/render/limits.ts';
import { documentCost } from '../../../src/lib/render/cost.ts';
import { zeroCost, type Cost } from '../../../src/lib/render/prices.ts';
import { gunzipCapped, parseDataUri, readImageHeader } from '../../../src/lib/render/data-uri.ts';
import { normaliseXml } from '../../../src/lib/program/normalise.ts';

const svg = (body: string, attrs = 'width="100" height="100"'): string => `<svg xmlns="http://www.w3.org/2000/svg" ${attrs}>${body}</svg>`;
const cost = (s: string): Cost => documentCost(normaliseXml(s), DEFAULT_LIMITS, { w: 100, h: 100, px: 2.24 }, { image: zeroCost, budget: () => {} });
const codeOf = (s: string, o = {}, size?: number): string => { const r = checkLimits(s, o, size); return r.ok ? 'ok' : r.error.code; };

test('a target is counted once per use, through uses of uses', () => {
  const c = cost(svg(`<defs><g id="a"><rect/><rect/></g><g id="b"><use href="#a"/><use href="#a"/><use href="#a"/></g></defs><use href="#b"/><use href="#b"/>`));
  // root + 2·(use + b + 3·(use + a + 2 rects))
  assert.equal(c.nodes, 1 + 2 * (1 + 1 + 3 * (1 + 1 + 2)));
  assert.equal(c.useDepth, 2);
});

test('markers are drawn per vertex, text per use, gradient stops per shape painted', () => {
  const m = cost(svg('<marker id="m"><circle/><circle/></marker><path marker-mid="url(#m)" d="M0 0 L1 1 L2 2 L3 3 L4 4"/>'));
  assert.equal(m.nodes, 1 + 1 + 3 * 3, 'root, path, 3 mid vertices × (marker + 2 circles)');
  assert.equal(cost(svg(`<defs><text id="t">${'x'.repeat(50)}</text></defs>${'<use href="#t"/>'.repeat(7)}`)).textChars, 350);
  assert.equal(cost(svg(`<linearGradient id="g"><stop/><stop/><stop/></linearGradient><g fill="url(#g)"><rect/><circle/></g>`)).stopFills, 6, 'fill is inherited');
});

test('filters: url() and CSS functions, through every use; the region and radius set the price', () => {
  const blur = cost(svg('<filter id="f"><feGaussianBlur stdDeviation="5"/></filter><defs><rect id="r" width="100" height="100" filter="url(#f)"/></defs><use href="#r"/><use href="#r"/>'));
  assert.ok(blur.filterMs > 2 * 1.44 * 17 - 1 && blur.filterMs < 2 * 1.44 * 17 + 1, `${blur.filterMs}`);
  assert.ok(cost(svg('<rect filter="blur(3)"/>')).filterMs > 0);
  const morph = (r: number): number => cost(svg(`<filter id="f"><feMorphology radius="${r}"/></filter><g filter="url(#f)"/>`)).filterMs;
  assert.ok(morph(10) > 10 * morph(1), 'morphology grows with the radius squared');
  assert.equal(codeOf(svg('<filter id="f"><feMorphology radius="30"/></filter><g filter="url(#f)"/>')), 'costly-filter');
});

test('cycles: <use> cycles are refused; through markers, patterns and masks resvg breaks them', () => {
  assert.equal(codeOf(svg('<g id="a"><use href="#a"/></g>')), 'use-cycle');
  assert.equal(codeOf(svg('<marker id="m"><use href="#p"/></marker><path id="p" d="M0 0 L9 9" marker-end="url(#m)"/>')), 'ok');
  assert.equal(codeOf(svg('<pattern id="p"><rect fill="url(#p)"/></pattern><rect fill="url(#p)"/>')), 'ok');
});

test('a scaling transform above a pattern fill enlarges its tile', () => {
  const pattern = (transform: string, where: 'pattern' | 'group'): string => svg(`<pattern id="p" width="10" height="10" patternUnits="userSpaceOnUse"${where === 'pattern' ? ` patternTransform="${transform}"` : ''}><circle r="4"/></pattern><g${where === 'group' ? ` transform="${transform}"` : ''}><rect width="100" height="100" fill="url(#p)"/></g>`);
  // A 10-unit tile is 1 % of the 100-unit canvas: a layer of its own until scaled past the canvas.
  assert.equal(cost(pattern('rotate(45)', 'pattern')).layers, 1);
  assert.equal(Math.round(cost(pattern('scale(5)', 'pattern')).layers), 1);
  assert.equal(Math.round(cost(pattern('scale(100)', 'pattern')).layers), 100);
  assert.equal(Math.round(cost(pattern('scale(100)', 'group')).layers), 100);
  assert.equal(codeOf(pattern('scale(1000)', 'group')), 'costly-paint');
});

test('budgets are exact at their boundary, and a larger output size scales pixel work', () => {
  const rects = (n: number): string => svg('<rect width="1" height="1"/>'.repeat(n));
  assert.equal(codeOf(rects(99), { maxDrawnNodes: 100 }), 'ok'); // 99 + root
  assert.equal(codeOf(rects(100), { maxDrawnNodes: 100 }), 'costly-drawing');
  const filtered = svg('<filter id="f"><feGaussianBlur stdDeviation="5"/></filter>' + '<rect width="100" height="100" filter="url(#f)"/>'.repeat(10));
  assert.equal(codeOf(filtered), 'ok');
  assert.equal(codeOf(filtered, {}, 1024), 'costly-filter');
  const r = checkLimits(filtered);
  assert.ok(r.ok && r.estimatedMs > 200 && r.estimatedMs < 400, JSON.stringify(r));
});

test('refusals name the limit key and the construct, quoting little of the input', () => {
  const r = checkLimits(svg(`<filter id="${'x'.repeat(500)}"><feGaussianBlur stdDeviation="9999"/></filter>`));
  assert.ok(!r.ok);
  assert.equal(r.error.limit, 'maxBlurStdDeviation');
  assert.equal(r.error.at, '<feGaussianBlur>');
  const big = checkLimits(svg(`<g id="${'y'.repeat(500)}">${'<rect width="1" height="1"/>'.repeat(7000)}</g>`));
  assert.ok(!big.ok && big.error.code === 'costly-drawing' && big.error.message.length < 250, !big.ok ? big.error.message : '');
  assert.match(big.error.at ?? '', /^<g id="y{30}…">$/);
});

test('raster headers: PNG, JPEG, GIF, WebP sizes without decoding pixels', () => {
  const png = Buffer.alloc(24); png.set([0x89, 0x50, 0x4e, 0x47]); png.writeUInt32BE(640, 16); png.writeUInt32BE(480, 20);
  assert.deepEqual(readImageHeader(png), { format: 'png', width: 640, height: 480 });
  const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0, 4, 0, 0, 0xff, 0xc2, 0, 11, 8, 0x01, 0x00, 0x02, 0x00, 3, 0, 0, 0]);
  assert.deepEqual(readImageHeader(jpeg), { format: 'jpeg', width: 512, height: 256 });
  assert.deepEqual(readImageHeader(Buffer.from([...Buffer.from('GIF89a'), 10, 0, 20, 0, 0, 0, 0])), { format: 'gif', width: 10, height: 20 });
  const webp = Buffer.alloc(30); webp.write('RIFF', 0); webp.write('WEBPVP8X', 8); webp.writeUIntLE(99, 24, 3); webp.writeUIntLE(49, 27, 3);
  assert.deepEqual(readImageHeader(webp), { format: 'webp', width: 100, height: 50 });
  assert.equal(readImageHeader(Buffer.from('<svg/>')), null);
});

test('data: URIs decode base64 and percent-encoding; gzip inflates under a cap', () => {
  assert.deepEqual([...parseDataUri('data:text/plain;base64,aGk=')!.bytes], [104, 105]);
  assert.equal(new TextDecoder().decode(parseDataUri('data:image/svg+xml,%3Csvg%2F%3E')!.bytes), '<svg/>');
  assert.equal(new TextDecoder().decode(parseDataUri('data:image/svg+xml;utf8,<svg width="100%">')!.bytes), '<svg width="100%">', 'a stray % stays');
  assert.equal(parseDataUri('https://x/a.png'), null);
  assert.throws(() => parseDataUri('data:image/png;base64,!!'));
  const gz = gzipSync(Buffer.alloc(100_000, 32));
  assert.equal(gunzipCapped(gz, 100_000).length, 100_000);
  assert.throws(() => gunzipCapped(gz, 99_999), /inflates to more than 99999 bytes/);
  assert.equal(codeOf(svg(`<image href="data:image/svg+xml;base64,${gzipSync(svg('<rect/>')).toString('base64')}"/>`)), 'ok', 'svgz is legal');
});
