import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { extractProgram } from '../../../src/lib/program/extract.ts';
import { checkWellFormed } from '../../../src/lib/program/svg-tree.ts';

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/model-output/${name}`, import.meta.url), 'utf8');

test('the offsets frame the program: the text around them is what surrounds it in the output', () => {
  // [fixture, the output's text just before the program, just after it]
  const cases: [string, string, string][] = [
    ['answer-block.txt', '</think>\n<answer>\n', '\n</answer>\n'],
    ['markdown-fence.txt', '```svg\n', '\n```\n'],
    ['chatter-two-programs.txt', 'a roof and a door:\n', '\nHope this helps.'],
    ['truncated-mid-program.txt', '<answer>\n', ''],
    ['fence-unclosed-svg.txt', '```xml\n', '```\n\nOops'],
  ];
  for (const [name, before, after] of cases) {
    const out = fixture(name);
    const x = extractProgram(out);
    assert.ok(out.slice(0, x.start).endsWith(before), `${name}: program starts at ${x.start}, after ${JSON.stringify(out.slice(x.start - 20, x.start))}`);
    assert.ok(out.slice(x.end).startsWith(after), `${name}: program ends at ${x.end}, before ${JSON.stringify(out.slice(x.end, x.end + 20))}`);
    assert.equal(x.svg, out.slice(x.start, x.end), name);
    assert.match(x.svg, /^<svg[\s>]/i, name);
  }
});

test('<answer> block: the program inside it wins over a complete one in the reasoning before it', () => {
  const x = extractProgram(fixture('answer-block.txt'));
  assert.equal(x.kind, 'complete');
  assert.ok(x.inAnswer);
  assert.match(x.svg, /<rect x="30" y="55"/);
  assert.match(x.svg, /<\/svg>$/);
  assert.equal(checkWellFormed(x.svg), null);
});

test('markdown fence with chatter: the fenced program, without the fence', () => {
  const x = extractProgram(fixture('markdown-fence.txt'));
  assert.equal(x.kind, 'complete');
  assert.ok(x.inFence);
  assert.ok(!x.svg.includes('```'));
  assert.equal(checkWellFormed(x.svg), null);
});

test('last complete program wins; tags match case-insensitively', () => {
  const x = extractProgram(fixture('chatter-two-programs.txt'));
  assert.equal(x.kind, 'complete');
  assert.match(x.svg, /polygon/);
  assert.ok(!x.svg.includes('Hope'));
  const upper = extractProgram('a <SVG viewBox="0 0 1 1"><rect/></SVG> b');
  assert.equal(upper.svg, '<SVG viewBox="0 0 1 1"><rect/></SVG>');
});

test('truncated output: the partial program runs to the end of the text', () => {
  const out = fixture('truncated-mid-program.txt');
  const x = extractProgram(out);
  assert.equal(x.kind, 'partial');
  assert.ok(x.inAnswer);
  assert.equal(x.end, out.length);
  assert.notEqual(checkWellFormed(x.svg), null);
});

test('an unclosed program inside a closed fence stops at the fence', () => {
  const x = extractProgram(fixture('fence-unclosed-svg.txt'));
  assert.equal(x.kind, 'partial');
  assert.ok(x.inFence);
  assert.ok(!x.svg.includes('```') && !x.svg.includes('Oops'));
  assert.match(x.svg, /<circle cx="25" cy="25" r="10" fill="#f1faee"\/>\s*$/);
});

test('no program: kind none with empty svg and -1 offsets', () => {
  const x = extractProgram(fixture('no-program.txt'));
  assert.deepEqual(x, { kind: 'none', svg: '', start: -1, end: -1, inAnswer: false, inFence: false });
  assert.equal(extractProgram('').kind, 'none');
  assert.equal(extractProgram('<svgfoo></svgfoo>').kind, 'none', '<svgfoo> is not <svg>');
});

test('nested <svg> elements are balanced: the outer program is returned whole', () => {
  const prog = '<svg viewBox="0 0 10 10"><svg x="1"><rect/></svg><circle r="2"/></svg>';
  const x = extractProgram(`text ${prog} text`);
  assert.equal(x.kind, 'complete');
  assert.equal(x.svg, prog);
});

test('a self-closing <svg/> is a complete (empty) program', () => {
  const x = extractProgram('draw: <svg viewBox="0 0 1 1"/> done');
  assert.equal(x.kind, 'complete');
  assert.equal(x.svg, '<svg viewBox="0 0 1 1"/>');
});

test("a complete program beats a later partial one, unless prefer: 'latest'", () => {
  const out = 'v1 <svg><rect/></svg> v2 <svg><circle r="3"/><g>';
  assert.equal(extractProgram(out).svg, '<svg><rect/></svg>');
  const latest = extractProgram(out, { prefer: 'latest' });
  assert.equal(latest.kind, 'partial');
  assert.equal(latest.svg, '<svg><circle r="3"/><g>');
  assert.equal(extractProgram('<svg><rect/></svg>', { prefer: 'latest' }).kind, 'complete');
});

test('an <answer> block still being written bounds the search from its start', () => {
  const out = '<svg><rect/></svg> reasoning <answer>\n<svg viewBox="0 0 9 9"><circle';
  const x = extractProgram(out);
  assert.equal(x.kind, 'partial');
  assert.ok(x.inAnswer);
  assert.equal(x.svg, '<svg viewBox="0 0 9 9"><circle');
  assert.equal(extractProgram('<answer>no program here</answer> <svg/>').kind, 'none', 'outside the answer block is ignored');
});
