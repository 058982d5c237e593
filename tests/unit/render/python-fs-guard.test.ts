// The file-system guard on Pyodide's real MEMFS (Pyodide runs in Node too): what a program creates
// is deleted after it, changing what existed before is reported, and writes share one budget.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadPyodide, type PyodideAPI } from 'pyodide';
import { guardFileSystem, type EmscriptenFs, type FsGuard } from '../../../src/lib/render/python/fs-guard';

let py: PyodideAPI;
let guard: FsGuard;
const MiB = 2 ** 20;

before(async () => {
  py = await loadPyodide({ stdout: () => {}, stderr: () => {} });
  py.runPython("import os\nos.makedirs('/home/pyodide', exist_ok=True)\nos.chdir('/home/pyodide')\nfor i in range(5):\n    open(f'/home/pyodide/kept{i}.txt', 'w').write('before')");
  guard = guardFileSystem((py as unknown as { _module: EmscriptenFs })._module, 4 * MiB);
});

const run = (code: string): { toString(): string } => py.runPython(code) as { toString(): string };

test('files, folders and links a program creates are deleted after it, and the working directory is reset', () => {
  run(`
import os
os.makedirs('/tmp/a/b')
os.chdir('/tmp/a/b')
open('note.txt', 'w').write('left behind')
open('/home/pyodide/csv.py', 'w').write('planted')
os.symlink('/tmp/a/b/note.txt', '/tmp/link')
`);
  assert.equal(guard.reset(), false, 'only new files were written');
  assert.equal(run("import os\n(os.getcwd(), sorted(os.listdir('/tmp')), sorted(os.listdir('/home/pyodide')))").toString(), "('/home/pyodide', [], ['kept0.txt', 'kept1.txt', 'kept2.txt', 'kept3.txt', 'kept4.txt'])");
});

test('writing, truncating, renaming or deleting a file that existed before is reported', () => {
  const cases = [
    "open('/home/pyodide/kept1.txt', 'a').write('!')",
    "open('/home/pyodide/kept2.txt', 'w').close()",
    "import os\nos.rename('/home/pyodide/kept3.txt', '/tmp/moved.txt')",
    "import os\nos.remove('/home/pyodide/kept4.txt')",
  ];
  for (const code of cases) {
    run(code);
    assert.equal(guard.reset(), true, code);
  }
  run("open('/home/pyodide/kept0.txt').read()");
  assert.equal(guard.reset(), false, 'reading changes nothing');
});

test('past the budget a write or a truncate fails with ENOSPC; the budget starts again after reset', () => {
  const fill = `
import errno
try:
    for i in range(8):
        with open(f'/tmp/f{i}', 'wb') as f:
            f.write(b'x' * (1024 * 1024))
    r = 'no error'
except OSError as e:
    r = (i, errno.errorcode[e.errno])
r`;
  assert.equal(String(run(fill)), "(4, 'ENOSPC')", 'four 1 MiB files fit in 4 MiB, the fifth does not');
  assert.ok(guard.usedBytes <= 4 * MiB, `${guard.usedBytes} bytes charged`);
  guard.reset();
  assert.equal(guard.usedBytes, 0);
  assert.equal(String(run("import errno\ntry:\n    open('/tmp/big', 'wb').truncate(2 ** 31 - 1)\n    r = 'no error'\nexcept OSError as e:\n    r = errno.errorcode[e.errno]\nr")), 'ENOSPC');
  guard.reset();
  assert.equal(String(run(fill)), "(4, 'ENOSPC')");
  guard.reset();
});
