// Python programs that use only the standard library, on the real Pyodide worker: output, errors
// with the program's line numbers, caps, fresh namespaces, figures, and the warm spare.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useHeadlessPage, type Win } from './setup';
import type { PythonRunOptions } from '../../src/lib/workers/python-client';

const ctx = useHeadlessPage({ workers: 1 });
const py = (code: string, opts: PythonRunOptions = {}) =>
  ctx.page.evaluate(([c, o]) => (window as unknown as Win).sgp.python(c, o), [code, opts] as const);

test('a standard-library program runs and its stdout and stderr are captured separately', async () => {
  await ctx.page.evaluate(() => (window as unknown as Win).sgp.pythonWarm());
  const r = await py(`
import json, math, sys
from collections import Counter
from dataclasses import dataclass

@dataclass
class Point:
    x: float
    y: float

p = Point(3, 4)
print(json.dumps({"norm": math.hypot(p.x, p.y), "letters": Counter("abca").most_common(1)}))
print("warning: nothing", file=sys.stderr)
`);
  assert.equal(r.ok, true, JSON.stringify(r.error));
  assert.equal(r.stdout, '{"norm": 5.0, "letters": [["a", 2]]}\n');
  assert.equal(r.stderr, 'warning: nothing\n');
  assert.deepEqual(r.truncated, { stdout: false, stderr: false });
});

test('an exception reports its type, message and the program line it was raised on, with output so far', async () => {
  const r = await py(['print("before")', 'def ratio(a, b):', '    return a / b', '', 'ratio(1, 0)'].join('\n'));
  assert.equal(r.ok, false);
  assert.equal(r.error?.code, 'python');
  assert.equal(r.error?.line, 3, 'the innermost frame in the program: the division');
  assert.match(r.error?.message ?? '', /^ZeroDivisionError: division by zero \(line 3\)$/);
  assert.match(r.error?.traceback ?? '', /File "<program>", line 5, in <module>[\s\S]*File "<program>", line 3, in ratio\n\s+return a \/ b/);
  assert.doesNotMatch(r.error?.traceback ?? '', /_run|exec\(/, 'the runner\'s own frames are not shown');
  assert.equal(r.stdout, 'before\n');
});

test('a syntax error reports the line it is on', async () => {
  const r = await py('x = 1\ny = (2 +\nprint(x)\n');
  assert.equal(r.error?.code, 'syntax');
  assert.ok(r.error?.line === 2 || r.error?.line === 3, JSON.stringify(r.error));
  assert.match(r.error?.message ?? '', /^SyntaxError: .+ \(line \d\)$/);
});

test('output without a final newline is reported, also when the program fails afterwards', async () => {
  assert.equal((await py('print("no newline", end="")')).stdout, 'no newline');
  const r = await py('import sys\nsys.stdout.write("partial")\nraise KeyError("k")');
  assert.equal(r.stdout, 'partial');
  assert.match(r.error?.message ?? '', /KeyError: 'k' \(line 3\)/);
});

test('SystemExit(0) is success; a non-zero exit is an error', async () => {
  assert.equal((await py('import sys\nprint("bye")\nsys.exit(0)')).ok, true);
  const r = await py('raise SystemExit("bad input")');
  assert.equal(r.error?.code, 'python');
  assert.match(r.error?.message ?? '', /SystemExit: bad input/);
});

test('stdout past its cap is cut, marked, and stops the program', async () => {
  const r = await py('for i in range(10**6):\n    print(i)', { stdoutCap: 100 });
  assert.equal(r.ok, false);
  assert.equal(r.error?.code, 'output-cap');
  assert.equal(r.truncated.stdout, true);
  assert.ok(r.stdout.startsWith('0\n1\n2\n'), r.stdout.slice(0, 50));
  assert.match(r.stdout, /\[… \d+ more characters cut: the output cap is 100\]$/);
  assert.ok(r.stdout.length < 200, `${r.stdout.length} characters came back`);
});

test('each program gets a fresh namespace: nothing defined by one is visible to the next', async () => {
  assert.equal((await py('secret = 42\nimport math\nmath.tau = 0')).ok, true);
  const r = await py('import math\nprint(math.tau > 6)\nprint(secret)');
  assert.equal(r.stdout, 'True\n');
  assert.equal(r.error?.code, 'python');
  assert.match(r.error?.message ?? '', /NameError: name 'secret' is not defined \(line 3\)/);
});

test('__sgp_figure__ returns encoded bytes or raw RGBA; a wrong shape is a figure error', async () => {
  const png = await py('__sgp_figure__ = bytes([0x89, 0x50, 0x4e, 0x47, 1, 2, 3])');
  assert.deepEqual(png.figure?.bytes, [0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
  const rgba = await py('w, h = 2, 3\n__sgp_figure__ = (w, h, bytes(range(w * h * 4)))');
  assert.equal(rgba.figure?.width, 2);
  assert.equal(rgba.figure?.height, 3);
  assert.equal(rgba.figure?.bytes.length, 24);
  const bad = await py('__sgp_figure__ = (2, 2, b"short")');
  assert.equal(bad.error?.code, 'figure');
  assert.match(bad.error?.message ?? '', /width\*height\*4/);
});

test('the epilogue runs in the program\'s namespace after it, and its failures are labelled', async () => {
  const epilogue = '__sgp_figure__ = ("%d points" % len(points)).encode()';
  const r = await py('points = [(0, 0), (1, 1)]', { epilogue });
  assert.equal(Buffer.from(r.figure?.bytes ?? []).toString(), '2 points');
  const missing = await py('x = 1', { epilogue });
  assert.equal(missing.error?.code, 'python');
  assert.match(missing.error?.message ?? '', /^epilogue: NameError: name 'points' is not defined/);
});

test('after a program is killed, the warm spare runs the next one without waiting for Pyodide to start', async () => {
  await ctx.page.evaluate(() => (window as unknown as Win).sgp.pythonWarm());
  const before = await ctx.page.evaluate(() => (window as unknown as Win).sgp.pythonStats());
  const killed = await py('while True:\n    try:\n        while True: pass\n    except BaseException: pass', { timeoutMs: 500, graceMs: 500 });
  assert.equal(killed.error?.stop, 'kill', JSON.stringify(killed.error));
  const t0 = Date.now();
  const next = await py('print("next")');
  const waited = Date.now() - t0;
  assert.equal(next.stdout, 'next\n');
  const after = await ctx.page.evaluate(() => (window as unknown as Win).sgp.pythonStats());
  assert.equal(after.respawns, before.respawns + 1);
  // A fresh Pyodide takes seconds to start (≥ 3 s here); the spare answers in a fraction of that.
  assert.ok(waited < 2000, `the next program waited ${waited} ms`);
});

test('packages that cannot be loaded fail the start with the package named, not the program later', async () => {
  // The Pyodide core's lockfile lists matplotlib, but its wheel is not in the core folder (nor anywhere offline).
  await ctx.page.evaluate(() => (window as unknown as Win).sgp.pythonConfigure({ packages: ['matplotlib'], spare: false }));
  const r = await py('print(1)');
  assert.equal(r.error?.code, 'init-failed', JSON.stringify(r.error));
  assert.match(r.error?.message ?? '', /python worker failed to start: could not load the Python package\(s\) matplotlib/);
  await ctx.page.evaluate(() => (window as unknown as Win).sgp.pythonConfigure({}));
  assert.equal((await py('print(2)')).stdout, '2\n');
});
