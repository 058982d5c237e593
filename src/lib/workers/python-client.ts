// The main thread's handle on Python: supervised Pyodide workers, one program at a time.
// A program past its deadline is first interrupted (KeyboardInterrupt through the shared interrupt
// buffer); one that ignores or outlives the interrupt (a native loop, `except BaseException: pass`)
// is killed with its worker. A second, already started worker (the spare) takes the next program at
// once, so a kill costs no Pyodide start-up (≈ 4 s); the killed slot restarts in the background.
// Wasm memory never shrinks, so a worker whose heap grew large is recycled after its run.
import { SupervisedWorker, WorkerError, type SupervisorEvent } from './supervisor';
import type { PythonWorkerApi } from '../../../workers/python.worker';
import type { WorkerRunReport } from '../render/python/protocol';
import { resultFromReport, resultFromWorkerError, type PythonResult } from '../render/python/result';

export type { PythonResult, PythonErrorCode } from '../render/python/result';

export interface PythonRunnerOptions {
  /** Folder holding the Pyodide core (pyodide.asm.mjs/.wasm, python_stdlib.zip, pyodide-lock.json). */
  indexURL?: string;
  lockFileURL?: string;
  packageBaseUrl?: string;
  /** Loaded in every fresh worker before lock-down (the network is gone afterwards). */
  packages?: string[];
  /** Trusted Python run once per fresh worker, after the packages and before lock-down. */
  setup?: string;
  /** Trusted Python run after each program in its namespace (e.g. to save the figure into __sgp_figure__). */
  epilogue?: string;
  memoryCapMb?: number;
  /** What a program may write to the in-memory file system (deleted after it). */
  fileSystemCapMb?: number;
  recycleAboveMb?: number;
  /** Bounds what a program can leave behind that the driver cannot put back (see driver.ts). */
  recycleAfterRuns?: number;
  /** Keep a second, started worker so that a killed program's successor does not wait for start-up. */
  spare?: boolean;
  initTimeoutMs?: number;
  onEvent?: (slot: number, event: SupervisorEvent) => void;
}

export interface PythonRunOptions {
  /** Interrupt after this long; kill the worker `graceMs` later if the program is still running. */
  timeoutMs?: number;
  graceMs?: number;
  stdoutCap?: number;
  stderrCap?: number;
  /** Overrides the runner's epilogue for this run ('' for none). */
  epilogue?: string;
  figureCap?: number;
}

export const PYTHON_DEFAULTS = {
  timeoutMs: 3000,
  graceMs: 1000,
  stdoutCap: 16_384,
  stderrCap: 16_384,
  figureCap: 64 * 2 ** 20,
  memoryCapMb: 1024,
  fileSystemCapMb: 64,
  recycleAboveMb: 512,
  recycleAfterRuns: 50,
  initTimeoutMs: 60_000,
} as const;

const SIGINT = 2;

interface Slot {
  worker: SupervisedWorker<PythonWorkerApi>;
  interrupt: Int32Array;
  ready: boolean;
  runs: number;
}

export class PythonRunner {
  private readonly slots: Slot[];
  private queue: Promise<unknown> = Promise.resolve();
  private readonly opts: PythonRunnerOptions;

  constructor(opts: PythonRunnerOptions = {}) {
    if (typeof SharedArrayBuffer === 'undefined' || !globalThis.crossOriginIsolated)
      throw new Error('Python needs a cross-origin isolated page (SharedArrayBuffer) to interrupt runaway programs; the page is not isolated');
    this.opts = opts;
    const indexURL = opts.indexURL ?? new URL('pyodide-core/', document.baseURI).href;
    this.slots = Array.from({ length: opts.spare === false ? 1 : 2 }, (_, i) => {
      const buffer = new SharedArrayBuffer(4);
      const slot: Slot = {
        interrupt: new Int32Array(buffer),
        ready: false,
        runs: 0,
        worker: new SupervisedWorker<PythonWorkerApi>({
          name: 'python',
          spawn: () => new Worker(new URL('../../../workers/python.worker.ts', import.meta.url), { type: 'module', name: 'python' }),
          init: async (api) => {
            Atomics.store(slot.interrupt, 0, 0); // a killed program's interrupt must not hit the fresh worker's start-up
            await api.init({
              indexURL,
              ...(opts.lockFileURL ? { lockFileURL: opts.lockFileURL } : {}),
              ...(opts.packageBaseUrl ? { packageBaseUrl: opts.packageBaseUrl } : {}),
              packages: opts.packages ?? [],
              ...(opts.setup ? { setup: opts.setup } : {}),
              interruptBuffer: buffer,
              memoryCapBytes: (opts.memoryCapMb ?? PYTHON_DEFAULTS.memoryCapMb) * 2 ** 20,
              fileSystemCapBytes: (opts.fileSystemCapMb ?? PYTHON_DEFAULTS.fileSystemCapMb) * 2 ** 20,
            });
          },
          initTimeoutMs: opts.initTimeoutMs ?? PYTHON_DEFAULTS.initTimeoutMs,
          onEvent: (event) => {
            slot.ready = event.type === 'ready';
            if (event.type !== 'ready') slot.runs = 0;
            opts.onEvent?.(i, event);
          },
        }),
      };
      return slot;
    });
  }

  /** Starts the workers now, so the first program does not wait for Pyodide. */
  async warm(): Promise<void> {
    await Promise.all(this.slots.map((s) => this.warmSlot(s)));
  }

  /** How many workers were replaced (kills, crashes, recycling). */
  get respawns(): number {
    return this.slots.reduce((n, s) => n + s.worker.respawns, 0);
  }

  get starts(): number {
    return this.slots.reduce((n, s) => n + s.worker.starts, 0);
  }

  /** Runs one program; programs queue behind each other. Never rejects: every failure is a result. */
  run(code: string, options: PythonRunOptions = {}): Promise<PythonResult> {
    const next = this.queue.then(() => this.runNow(code, options));
    this.queue = next.catch(() => undefined);
    return next;
  }

  dispose(): void {
    for (const s of this.slots) s.worker.dispose();
  }

  private async runNow(code: string, options: PythonRunOptions): Promise<PythonResult> {
    const o = { ...PYTHON_DEFAULTS, ...this.opts, ...options };
    const epilogue = options.epilogue ?? this.opts.epilogue ?? '';
    const slot = this.slots.find((s) => s.ready) ?? this.slots[0]!;
    // Measured from when the program starts on a ready worker: waiting for a start-up is not its time.
    let t0 = performance.now();
    let interrupted = false;
    let report: WorkerRunReport;
    try {
      report = await slot.worker.call(async (api, scope) => {
        t0 = performance.now();
        Atomics.store(slot.interrupt, 0, 0);
        const timer = setTimeout(() => {
          interrupted = true;
          Atomics.store(slot.interrupt, 0, SIGINT);
        }, o.timeoutMs);
        try {
          const r = await api.run(code, { stdoutCap: o.stdoutCap, stderrCap: o.stderrCap, epilogue, figureCap: o.figureCap });
          if (r.fatal) scope.retire(r.error?.message ?? 'the interpreter failed');
          return r;
        } finally {
          clearTimeout(timer);
        }
      }, o.timeoutMs + o.graceMs);
    } catch (err) {
      this.afterKill(slot);
      const error = err instanceof WorkerError ? err : new WorkerError('crashed', err instanceof Error ? err.message : String(err));
      return resultFromWorkerError(error, { ms: performance.now() - t0, timeoutMs: o.timeoutMs, graceMs: o.graceMs });
    }
    slot.runs += 1;
    const result = resultFromReport(report, { ms: performance.now() - t0, timeoutMs: o.timeoutMs, interrupted });
    const heavy = report.heapBytes > o.recycleAboveMb * 2 ** 20;
    if (report.fatal) this.afterKill(slot);
    else if (heavy || report.recycle || result.error?.code === 'memory' || slot.runs >= o.recycleAfterRuns) {
      slot.worker.restart(heavy ? `its heap grew to ${Math.round(report.heapBytes / 2 ** 20)} MiB` : 'recycled');
      this.afterKill(slot);
    }
    return result;
  }

  /** The slot's worker is gone: start its replacement now, in the background, so it becomes the spare. */
  private afterKill(slot: Slot): void {
    slot.ready = false;
    if (this.slots.length > 1) void this.warmSlot(slot).catch(() => undefined);
  }

  private warmSlot(slot: Slot): Promise<void> {
    return slot.worker.call(async () => undefined, 1000);
  }
}
