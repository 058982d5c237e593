// Python programs in the app: the Playground and `npm run render` on the Pyodide core (always), and
// Matplotlib figures rendered to pixels (only with the distribution's wheels, which are not on npm:
// set PYODIDE_PACKAGES to an unpacked Pyodide 314.0.7 release; otherwise those tests are skipped).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { openSession, openHeadless, type Session } from '../../scripts/lib/browser';
import { vendorPyodide } from '../../scripts/pyodide-vendor';
import type { Win } from './setup';

const PACKAGES = process.env.PYODIDE_PACKAGES;
const noWheels = PACKAGES
  ? false
  : 'PYODIDE_PACKAGES is not set: Matplotlib wheels come only from a Pyodide 314.0.7 release (not on npm, not reachable here); set it to the unpacked release folder';

let session: Session;
let headless: Page;

before(async () => {
  // The vendored folder goes into the built site only for this file, so other tests keep the core alone.
  if (PACKAGES) vendorPyodide(PACKAGES, 'dist/pyodide');
  session = await openSession();
  headless = await openHeadless(session, { workers: 1 });
});
after(async () => {
  await session?.close();
  if (PACKAGES) rmSync('dist/pyodide', { recursive: true, force: true });
});

const render = (code: string, o: { size?: number; sample?: [number, number][] } = {}) =>
  headless.evaluate(([c, opts]) => (window as unknown as Win).sgp.renderPython(c, opts), [code, o] as const);

test('Playground: Python is detected; stdout, stderr and the error with its editor line are shown', async () => {
  const page = await session.newPage('index.html');
  const program = 'Here you go:\n```python\nimport sys\nprint("hello from python")\nprint("a warning", file=sys.stderr)\nraise ValueError("no figure today")\n```';
  await page.fill('[data-testid=editor]', program);
  await page.waitForSelector('[data-testid=render-error]', { timeout: 60_000 });
  assert.match(await page.textContent('[data-testid=extraction]') ?? '', /Python program \(inside a code fence\), 4 lines/);
  assert.equal((await page.textContent('[data-testid=stdout] pre'))?.trim(), 'hello from python');
  assert.equal((await page.textContent('[data-testid=stderr] pre'))?.trim(), 'a warning');
  const error = (await page.textContent('[data-testid=render-error]')) ?? '';
  assert.match(error, /Run failed \(python\): ValueError: no figure today \(line 4\)/);
  assert.match(error, /editor line 6/, 'line 4 of the program is line 6 of the editor text');
  await page.close();
});

test('Playground: a Matplotlib program without packages says why it cannot run and offers the download', { skip: PACKAGES ? 'PYODIDE_PACKAGES is set: Matplotlib is available' : false }, async () => {
  const page = await session.newPage('index.html');
  await page.fill('[data-testid=editor]', "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])");
  await page.waitForSelector('[data-testid=matplotlib-note]', { timeout: 60_000 });
  const note = (await page.textContent('[data-testid=matplotlib-note]')) ?? '';
  assert.match(note, /no self-hosted Pyodide packages.*npm run pyodide:vendor/);
  assert.match(note, /cdn\.jsdelivr\.net\/pyodide\/v314\.0\.7\/full\/\) is off/);
  assert.equal(await page.isChecked('[data-testid=matplotlib-note] input[type=checkbox]'), false);
  assert.match((await page.textContent('[data-testid=render-error]')) ?? '', /unavailable/);
  assert.equal(session.offsiteRequests.join(', '), '', 'nothing was fetched from the distribution');

  // Opting in makes the worker ask the distribution for the wheels (this test's browser refuses every
  // request off the site, as being offline would); the note then says Matplotlib could not be loaded.
  await page.check('[data-testid=matplotlib-note] input[type=checkbox]');
  await page.waitForFunction(() => /could not be loaded/.test(document.querySelector('[data-testid=matplotlib-note]')?.textContent ?? ''), null, { timeout: 90_000 });
  assert.match((await page.textContent('[data-testid=matplotlib-note]')) ?? '', /Matplotlib did not load from https:\/\/cdn\.jsdelivr\.net\/pyodide\/v314\.0\.7\/full\//);
  assert.ok(session.offsiteRequests.length > 0 && session.offsiteRequests.every((u) => u.startsWith('https://cdn.jsdelivr.net/pyodide/v314.0.7/full/')), session.offsiteRequests.join(', '));
  session.offsiteRequests.length = 0;
  await page.close();
});

test('the figure-size check reads plotting programs only: a figure size in a string of a plain program is just text', async () => {
  const r = await render('label = "figsize=(100, 100), dpi=5000"\nprint(label)');
  assert.equal(r.error, undefined, JSON.stringify(r.error));
  assert.deepEqual([r.ok, r.stdout, r.width], [true, 'figsize=(100, 100), dpi=5000\n', 0]);
});

test('a figure buffer crosses the worker as raw RGBA and becomes Pixels on white (the transport, no Matplotlib)', async () => {
  // The epilogue hands Agg's buffer back as __sgp_figure__ = (width, height, rgba); a program may set it
  // itself, which exercises the same path without the wheels: a 2×1 figure, red then half-transparent
  // blue, centred (not enlarged: the epilogue draws at the render size, so only such buffers are smaller).
  const r = await render('__sgp_figure__ = (2, 1, bytes([255, 0, 0, 255, 0, 0, 255, 128]))', { size: 8, sample: [[3, 3], [4, 3], [4, 0]] });
  assert.equal(r.error, undefined, JSON.stringify(r.error));
  assert.deepEqual([r.width, r.height], [8, 8]);
  assert.deepEqual(r.samples, [[255, 0, 0, 255], [127, 127, 255, 255], [255, 255, 255, 255]]);
});

test('npm run render: .py files and Python model output, one JSON line each with stdout, stderr and the line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'render-py-'));
  try {
    writeFileSync(join(dir, 'ok.py'), 'for i in range(3):\n    print(i)\n');
    writeFileSync(join(dir, 'output.txt'), 'Sure:\n\n```python\nimport sys\nprint("oops", file=sys.stderr)\n1 / 0\n```\n');
    writeFileSync(join(dir, 'flood.py'), 'while True:\n    print("x" * 1000)\n');
    const r = spawnSync('node', ['--import', 'tsx', 'scripts/cli.ts', 'render', ...['ok.py', 'output.txt', 'flood.py'].map((f) => join(dir, f))], { encoding: 'utf8', timeout: 120_000 });
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const [ok, failed, flood, summary] = lines;
    assert.deepEqual([ok!.language, ok!.ok, ok!.stdout, ok!.stderr], ['python', true, '0\n1\n2\n', '']);
    assert.deepEqual([failed!.ok, failed!.line, failed!.fileLine, failed!.stderr], [false, 3, 6, 'oops\n']);
    assert.match(String(failed!.error), /ZeroDivisionError/);
    assert.equal(flood!.ok, false);
    assert.match(String(flood!.error), /^output-cap/);
    assert.ok(String(flood!.stdout).length < 2100, 'a JSON line carries at most ~2,000 characters of output');
    assert.deepEqual([summary!.summary, summary!.files, summary!.ok], [true, 3, 1]);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('a vendored folder whose wheels are missing: Matplotlib programs hear where it was looked for; plain Python still runs', { skip: PACKAGES ? 'PYODIDE_PACKAGES is set: the folder holds real wheels' : false }, async () => {
  // The lockfile alone makes the site look vendored; loadPackage then finds no wheels (and returns
  // fewer packages rather than throwing), so the worker's setup is what reports it.
  mkdirSync('dist/pyodide', { recursive: true });
  copyFileSync('node_modules/pyodide/pyodide-lock.json', 'dist/pyodide/pyodide-lock.json');
  try {
    const page = await openHeadless(session, { workers: 1 });
    const run = (code: string) => page.evaluate((c) => (window as unknown as Win).sgp.renderPython(c), code);
    const mpl = await run('import matplotlib.pyplot as plt\nplt.plot([1])');
    assert.equal(mpl.error?.code, 'unavailable', JSON.stringify(mpl.error));
    assert.match(mpl.error?.message ?? '', /Matplotlib did not load from http:\/\/127\.0\.0\.1:\d+\/pyodide\/ \(offline, a wheel missing there/);
    const plain = await run('print(6 * 7)');
    assert.deepEqual([plain.ok, plain.stdout], [true, '42\n'], JSON.stringify(plain.error));
    await page.close();
  } finally {
    rmSync('dist/pyodide', { recursive: true, force: true });
  }
});

test('Matplotlib: a red bar chart renders red where the bar is and white elsewhere', { skip: noWheels }, async () => {
  // The bar fills the left half of axes that fill a square figure.
  const code = "import matplotlib.pyplot as plt\nfig, ax = plt.subplots(figsize=(4, 4))\nfig.subplots_adjust(0, 0, 1, 1)\nax.bar([0], [1], width=1, align='edge', color='red')\nax.set_xlim(0, 2); ax.set_ylim(0, 1); ax.axis('off')\nprint('drawn')";
  const r = await render(code, { size: 224, sample: [[50, 112], [170, 112]] });
  assert.equal(r.error, undefined, JSON.stringify(r.error));
  assert.deepEqual([r.width, r.height, r.stdout], [224, 224, 'drawn\n']);
  assert.deepEqual(r.samples, [[255, 0, 0, 255], [255, 255, 255, 255]]);
});

test('Matplotlib: figures over the pixel budget are refused, literal sizes before running and computed ones before drawing', { skip: noWheels }, async () => {
  const literal = await render('import matplotlib.pyplot as plt\nplt.figure(figsize=(100, 100))');
  assert.equal(literal.error?.code, 'limit');
  assert.match(literal.error?.message ?? '', /10000 × 10000 px; at most 8,388,608 px/);
  assert.equal(literal.ms, 0, 'refused without running');
  const computed = await render('import matplotlib.pyplot as plt\nn = 10\nplt.figure(figsize=(n, n)).savefig("big.png", dpi=1000)');
  assert.equal(computed.error?.code, 'limit');
  assert.match(computed.error?.message ?? '', /10 × 10 in figure at 1000 dpi is 10000 × 10000 px/);
  assert.equal(computed.error?.line, 3);
  const next = await render('print("still serving")');
  assert.deepEqual([next.ok, next.stdout], [true, 'still serving\n']);
});

test('Matplotlib: the figure passed to savefig is the one rendered, not a later open one', { skip: noWheels }, async () => {
  const code = "import matplotlib.pyplot as plt\nf = plt.figure(); f.patch.set_facecolor('green'); f.savefig('out.png')\nplt.figure().patch.set_facecolor('black')";
  const r = await render(code, { sample: [[112, 112]] });
  assert.equal(r.error, undefined, JSON.stringify(r.error));
  assert.deepEqual(r.samples, [[0, 128, 0, 255]]);
  assert.deepEqual(session.offsiteRequests, [], 'packages came from the site itself');
});
