// The worker's Matplotlib prelude and epilogue, run by native CPython's Matplotlib (Pyodide's wheels
// are not reachable here; tests/browser/matplotlib.test.ts runs them in the real worker when they are).
// Needs a Python with Matplotlib: MATPLOTLIB_PYTHON, else python3 if it has one; skipped otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { matplotlibSetup, PROGRAM_FILENAME, figureEpilogue } from '../../../src/lib/render/matplotlib-prelude.ts';
import { figureToPixels } from '../../../src/lib/render/python-figure.ts';
import { pixelAt } from '../../../src/lib/render/canvas.ts';

const python = process.env.MATPLOTLIB_PYTHON ?? 'python3';
const probe = spawnSync(python, ['-c', 'import matplotlib; print(matplotlib.__version__)'], { encoding: 'utf8' });
const skip = probe.status === 0 ? false : `no Python with Matplotlib (${python}: ${(probe.stderr || String(probe.error ?? '')).trim().split('\n').at(-1)}); set MATPLOTLIB_PYTHON`;

// What the worker's driver does with a program: compile it under the program's file name, exec it in
// a fresh namespace, then the epilogue in the same namespace (only when the program ran through).
const HARNESS = String.raw`
import json, sys, base64
exec(open(sys.argv[1]).read(), {})
epilogue = open(sys.argv[2]).read()
results = []
for code in json.load(open(sys.argv[3])):
    ns = {'__name__': '__main__'}
    try:
        exec(compile(code, ${JSON.stringify(PROGRAM_FILENAME)}, 'exec'), ns)
        exec(epilogue, ns)
        fig = ns.get('__sgp_figure__')
        results.append({'figure': None if fig is None else [fig[0], fig[1], base64.b64encode(fig[2]).decode()]})
    except Exception as e:
        results.append({'error': f'{type(e).__name__}: {e}'})
print(json.dumps(results))
`;

type Outcome = { figure?: [number, number, string] | null; error?: string };

function runPrograms(programs: string[], size = 64): Outcome[] {
  const dir = mkdtempSync(join(tmpdir(), 'mpl-prelude-'));
  try {
    writeFileSync(join(dir, 'setup.py'), matplotlibSetup('https://example.org/pyodide/'));
    writeFileSync(join(dir, 'epilogue.py'), figureEpilogue(size));
    writeFileSync(join(dir, 'programs.json'), JSON.stringify(programs));
    writeFileSync(join(dir, 'harness.py'), HARNESS);
    const r = spawnSync(python, [join(dir, 'harness.py'), join(dir, 'setup.py'), join(dir, 'epilogue.py'), join(dir, 'programs.json')], { encoding: 'utf8', cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Outcome[];
  } finally {
    rmSync(dir, { recursive: true });
  }
}

const pixels = (o: Outcome, size: number) => {
  assert.ok(o.figure, `expected a figure, got ${JSON.stringify(o).slice(0, 200)}`);
  const [width, height, b64] = o.figure;
  return figureToPixels({ width, height, bytes: new Uint8Array(Buffer.from(b64, 'base64')) }, size);
};

test('the prelude and epilogue under CPython Matplotlib: figures, refusals, fresh figures per program', { skip }, () => {
  const [bar, landscape, saved, tooBig, savedTooBig, none, afterFailure, next] = runPrograms([
    // A red bar filling the left half of a square axes that fills the figure.
    "import matplotlib.pyplot as plt\nfig, ax = plt.subplots(figsize=(4, 4))\nfig.subplots_adjust(0, 0, 1, 1)\nax.bar([0], [1], width=1, align='edge', color='red')\nax.set_xlim(0, 2); ax.set_ylim(0, 1); ax.axis('off')",
    "import matplotlib.pyplot as plt\nplt.figure(figsize=(8, 4)).patch.set_facecolor('blue')",
    "import matplotlib.pyplot as plt\nf = plt.figure(); f.patch.set_facecolor('green'); f.savefig('out.png')\nplt.figure().patch.set_facecolor('black')",
    'import matplotlib.pyplot as plt\nn = 50\nplt.figure(figsize=(n, n))',
    "import matplotlib.pyplot as plt\nplt.figure(figsize=(10, 10)); plt.savefig('out.png', dpi=1000)",
    "print('no figure')",
    "import matplotlib.pyplot as plt\nplt.figure().patch.set_facecolor('red')\nraise RuntimeError('after drawing')",
    'import matplotlib.pyplot as plt\nplt.plot([0, 1])',
  ]);
  const p = pixels(bar!, 64);
  assert.deepEqual(pixelAt(p, 10, 32), [255, 0, 0, 255], 'red where the bar is');
  assert.deepEqual(pixelAt(p, 54, 32), [255, 255, 255, 255], 'white beside it');
  const l = pixels(landscape!, 64);
  assert.deepEqual(pixelAt(l, 32, 32), [0, 0, 255, 255]);
  assert.deepEqual(pixelAt(l, 32, 4), [255, 255, 255, 255], 'a 2:1 figure is letterboxed');
  assert.deepEqual(pixelAt(pixels(saved!, 64), 32, 32), [0, 128, 0, 255], 'the saved figure, not the later one');
  assert.match(tooBig!.error ?? '', /50 × 50 in at 100 dpi = 5000 × 5000 px; at most 8,388,608 px/);
  assert.match(savedTooBig!.error ?? '', /10 × 10 in figure at 1000 dpi is 10000 × 10000 px/);
  assert.deepEqual(none, { figure: null });
  assert.match(afterFailure!.error ?? '', /after drawing/);
  const n = pixels(next!, 64);
  assert.deepEqual(pixelAt(n, 1, 10), [255, 255, 255, 255], 'a white figure margin: the failed program’s red figure did not carry over');
});
