import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitFatalDump, crashMessage } from '../../../src/lib/render/python/crash';

// What Pyodide's fatal-error handler wrote after a C stack overflow (the runner's frame last).
const DUMP = 'Stack (most recent call first):\n  File "<program>", line 5 in __repr__\n  File "<program>", line 5 in __repr__\n  File "<program>", line 9 in <module>\n  File "<exec>", line 133 in _run\n';

test('the stack dump leaves the program output; the innermost program frame gives the line', () => {
  assert.deepEqual(splitFatalDump(`partial output\n${DUMP}`, '<program>'), { stdout: 'partial output\n', line: 5 });
  assert.deepEqual(splitFatalDump('plain output\n', '<program>'), { stdout: 'plain output\n', line: null });
  assert.deepEqual(splitFatalDump('Stack (most recent call first):\n  File "<exec>", line 1 in _run\n', '<program>'), { stdout: '', line: null });
});

test('crash messages say what happened, where, and that the worker is replaced', () => {
  assert.equal(crashMessage('RangeError: Maximum call stack size exceeded', 3), "the program nested too deeply for the interpreter's stack at line 3 (deep recursion or a huge nested expression); its worker is replaced");
  assert.match(crashMessage('RangeError: Array buffer allocation failed', null), /^the program ran the worker out of memory \(RangeError: Array buffer allocation failed\); its worker is replaced$/);
  assert.match(crashMessage("NameError: name 'tracer' is not defined", null, true), /^the program broke the runner around it \(NameError: .+\); its worker is replaced$/);
  assert.equal(crashMessage('Program terminated with exit(3)', null), 'the program ended the interpreter (exit status 3: os._exit or a signal); its worker is replaced');
  assert.equal(crashMessage('RuntimeError: unreachable', 2), 'the program aborted the interpreter at line 2 (os.abort or a fatal signal); its worker is replaced');
  assert.match(crashMessage('RuntimeError: null function', 7), /^the Python interpreter failed at line 7 \(RuntimeError: null function\)/);
  assert.ok(crashMessage('x'.repeat(5000), 1).length < 300, 'a long error is cut');
});
