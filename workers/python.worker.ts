// Thin adapter: Pyodide in a module worker, exposed with comlink. Packages and the caller's setup
// load first; then the realm is locked down (src/lib/render/python/lockdown.ts) and only then does
// untrusted code run. The logic lives in src/lib/render/python.
import * as Comlink from 'comlink';
import { loadPyodide, type PyodideAPI } from 'pyodide';
import { lockDown } from '../src/lib/render/python/lockdown';
import { DRIVER_SOURCE, PROGRAM_FILENAME } from '../src/lib/render/python/driver';
import { splitFatalDump, crashMessage } from '../src/lib/render/python/crash';
import { afterRun, type AfterRunDeps } from '../src/lib/render/python/after-run';
import { guardFileSystem, type EmscriptenFs, type FsGuard } from '../src/lib/render/python/fs-guard';
import { OutputSink } from '../src/lib/render/python/output';
import type { PythonInit, WorkerRunOptions, WorkerRunReport } from '../src/lib/render/python/protocol';

// Captured before lock-down removes postMessage and message listeners from the global scope.
const endpoint: Comlink.Endpoint = {
  postMessage: self.postMessage.bind(self),
  addEventListener: self.addEventListener.bind(self),
  removeEventListener: self.removeEventListener.bind(self),
};

interface PyProxyLike {
  toJs(opts: { dict_converter: (entries: Iterable<[string, unknown]>) => unknown; create_pyproxies: boolean }): unknown;
  destroy(): void;
}
interface BufferProxy {
  getBuffer(type: string): { data: Uint8Array; release(): void };
  destroy(): void;
}

let py: PyodideAPI | null = null;
let run: ((code: string, epilogue: string) => PyProxyLike) | null = null;
let afterDeps: AfterRunDeps | null = null;
let files: FsGuard | null = null;
let interrupt: Int32Array | null = null;
let out: OutputSink | null = null;
let err: OutputSink | null = null;
let overflow = false;
let heap: { HEAPU8: Uint8Array } | null = null;

const SIGINT = 2;

const api = {
  async init(opts: PythonInit): Promise<{ heapBytes: number; removed: string[] }> {
    if (py) throw new Error('python worker initialised twice');
    // Python's `import js` sees only this object, not the worker's global scope.
    const jsglobals = { setTimeout: (f: () => void, ms: number) => setTimeout(f, ms), clearTimeout: (id: number) => clearTimeout(id) };
    const pyodide = await loadPyodide({
      indexURL: opts.indexURL,
      ...(opts.lockFileURL ? { lockFileURL: opts.lockFileURL } : {}),
      ...(opts.packageBaseUrl ? { packageBaseUrl: opts.packageBaseUrl } : {}),
      jsglobals,
      env: { MPLBACKEND: 'Agg', HOME: '/home/pyodide' },
      stdout: () => {},
      stderr: () => {},
    });
    if (opts.packages.length) {
      // loadPackage reports a missing or corrupt wheel through errorCallback and resolves anyway.
      const errors: string[] = [];
      await pyodide.loadPackage(opts.packages, { messageCallback: () => {}, errorCallback: (m: string) => errors.push(m) });
      const missing = opts.packages.filter((name) => !(name in pyodide.loadedPackages));
      if (errors.length || missing.length)
        throw new Error(`could not load the Python package(s) ${missing.join(', ') || opts.packages.join(', ')}: ${errors.join('; ').slice(0, 300) || 'not loaded'}`);
    }
    interrupt = new Int32Array(opts.interruptBuffer);
    Atomics.store(interrupt, 0, 0);
    pyodide.setInterruptBuffer(interrupt);
    pyodide.setStdin({ stdin: () => null }); // input() raises EOFError: programs get no input
    pyodide.setStdout({ write: (b: Uint8Array) => out?.writeBytes(b) ?? b.length, isatty: false });
    pyodide.setStderr({ write: (b: Uint8Array) => err?.writeBytes(b) ?? b.length, isatty: false });
    pyodide.runPython(DRIVER_SOURCE);
    if (opts.setup) pyodide.runPython(opts.setup);
    const globals = pyodide.globals;
    run = globals.get('_run');
    const sys = pyodide.pyimport('sys') as unknown as Record<string, (...a: unknown[]) => unknown> & { monitoring: Record<string, (...a: unknown[]) => unknown> };
    const mon = sys.monitoring;
    afterDeps = {
      settrace: sys.settrace!, setprofile: sys.setprofile!, gettrace: sys.gettrace!, getprofile: sys.getprofile!,
      getTool: mon.get_tool!, clearTool: mon.clear_tool_id!, freeTool: mon.free_tool_id!,
      tools: [0, 1, 2, 3, 4, 5].filter((t) => mon.get_tool!(t) == null),
      restore: globals.get('_restore'),
    };
    // Emscripten swaps HEAPU8 for a new view whenever the heap grows: keep the module, not the view.
    heap = (pyodide as unknown as { _module: { HEAPU8: Uint8Array } })._module;
    for (const name of ['js', 'pyodide_js']) pyodide.unregisterJsModule(name);
    globals.get('_lock')(pyodide.toPy(['js', 'pyodide_js']));
    const report = lockDown(self, { memoryCapBytes: opts.memoryCapBytes });
    if (report.leftover.length) throw new Error(`lock-down left ${report.leftover.join(', ')} reachable`);
    files = guardFileSystem((pyodide as unknown as { _module: EmscriptenFs })._module, opts.fileSystemCapBytes);
    py = pyodide;
    return { heapBytes: heapBytes(), removed: report.removed };
  },

  run(code: string, opts: WorkerRunOptions): WorkerRunReport {
    if (!py || !run || !afterDeps || !files || !interrupt) throw new Error('python worker used before init()');
    overflow = false;
    const stop = () => {
      overflow = true;
      Atomics.store(interrupt!, 0, SIGINT); // checked between bytecodes: the flood ends within a few prints
    };
    out = new OutputSink(opts.stdoutCap, stop);
    err = new OutputSink(opts.stderrCap, stop);
    Atomics.store(interrupt, 0, 0);
    const t0 = performance.now();
    let report: WorkerRunReport;
    try {
      const proxy = run(code, opts.epilogue);
      const res = proxy.toJs({ dict_converter: Object.fromEntries, create_pyproxies: true }) as {
        error: { kind: string; message: string; line: number | null; traceback: string } | null;
        figure: { bytes: Uint8Array | BufferProxy; width?: number; height?: number } | null;
        recycle: boolean;
      };
      proxy.destroy();
      const reachedPast = afterRun(afterDeps!);
      const changedFiles = files!.reset();
      report = { ms: performance.now() - t0, stdout: out.result(), stderr: err.result(), outputOverflow: overflow, heapBytes: heapBytes(), fatal: false, recycle: res.recycle || reachedPast || changedFiles };
      if (res.error) report.error = { kind: res.error.kind, message: res.error.message, ...(res.error.line != null ? { line: res.error.line } : {}), traceback: res.error.traceback };
      if (res.figure) {
        const bytes = figureBytes(res.figure.bytes);
        if (bytes.length > opts.figureCap) report.error = { kind: 'figure', message: `the figure is ${bytes.length} bytes; at most ${opts.figureCap} are accepted`, traceback: '' };
        else report.figure = { bytes, ...(res.figure.width ? { width: res.figure.width, height: res.figure.height } : {}) };
      }
    } catch (e) {
      // The driver itself failed: an interrupt landed in its own bookkeeping, or the interpreter
      // died (stack overflow, fatal error). Either way the interpreter's state is suspect.
      const message = e instanceof Error ? e.message : String(e);
      const last = message.split('\n').filter(Boolean).slice(-1)[0] ?? 'unknown error';
      const stdout = out.result();
      const dump = splitFatalDump(stdout.text, PROGRAM_FILENAME);
      const error = /KeyboardInterrupt/.test(message)
        ? { kind: 'interrupted', message: last.slice(0, 200), traceback: '' }
        : { kind: 'crashed', message: crashMessage(last, dump.line, e instanceof Error && e.constructor.name === 'PythonError'), ...(dump.line != null ? { line: dump.line } : {}), traceback: '' };
      report = { ms: performance.now() - t0, stdout: { ...stdout, text: dump.stdout }, stderr: err.result(), outputOverflow: overflow, heapBytes: heapBytes(), fatal: true, recycle: true, error };
    }
    out = err = null;
    return report.figure ? Comlink.transfer(report, [report.figure.bytes.buffer as ArrayBuffer]) : report;
  },
};

/** toJs() copies `bytes` into a Uint8Array; other buffers stay proxies to read once and release. */
function figureBytes(value: Uint8Array | BufferProxy): Uint8Array {
  if (value instanceof Uint8Array) return value;
  const buf = value.getBuffer('u8');
  const bytes = buf.data.slice();
  buf.release();
  value.destroy();
  return bytes;
}

function heapBytes(): number {
  return heap?.HEAPU8.byteLength ?? 0;
}

export type PythonWorkerApi = typeof api;
Comlink.expose(api, endpoint);
