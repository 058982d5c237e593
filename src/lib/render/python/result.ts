// What a Python run reports to its caller: one shape for success, Python errors, interrupts, kills
// and crashes, so that callers (rendering, the CLI, the Playground) never handle a rejection.
import type { WorkerRunReport } from './protocol';

export type PythonErrorCode =
  /** Ran past its deadline: interrupted (`stop: 'interrupt'`) or, if it ignored that, killed (`stop: 'kill'`). */
  | 'timeout'
  /** An exception escaped the program. */
  | 'python'
  /** The program does not compile. */
  | 'syntax'
  /** MemoryError: an allocation went past the heap cap. */
  | 'memory'
  /** stdout or stderr went past its cap; the program was stopped. */
  | 'output-cap'
  /** The sandbox refused an operation (an import of the JS bridge, os.system, subprocess, ctypes…). */
  | 'refused'
  /** `__sgp_figure__` had the wrong shape or size. */
  | 'figure'
  /** The worker died or the interpreter failed while running this program. */
  | 'crashed'
  /** No worker could start (Pyodide's files missing, package loading failed). */
  | 'init-failed';

export interface PythonError {
  code: PythonErrorCode;
  /** One line: what went wrong, and where in the program. */
  message: string;
  /** 1-based line in the program. */
  line?: number;
  traceback?: string;
  stop?: 'interrupt' | 'kill';
}

export interface PythonResult {
  ok: boolean;
  stdout: string;
  stderr: string;
  truncated: { stdout: boolean; stderr: boolean };
  ms: number;
  error?: PythonError;
  figure?: { bytes: Uint8Array; width?: number; height?: number };
}

const KIND_TO_CODE: Record<string, PythonErrorCode> = {
  python: 'python',
  syntax: 'syntax',
  memory: 'memory',
  refused: 'refused',
  figure: 'figure',
  crashed: 'crashed',
};

export function resultFromReport(r: WorkerRunReport, ctx: { ms: number; timeoutMs: number; interrupted: boolean }): PythonResult {
  const base = {
    stdout: r.stdout.text,
    stderr: r.stderr.text,
    truncated: { stdout: r.stdout.truncated, stderr: r.stderr.truncated },
    ms: ctx.ms,
  };
  const at = r.error?.line != null ? { line: r.error.line } : {};
  const traceback = r.error?.traceback ? { traceback: r.error.traceback } : {};
  // The cap is checked first: a flood that also ran long was stopped because of the flood.
  if (r.outputOverflow) {
    const which = r.stdout.truncated ? 'stdout' : 'stderr';
    return { ...base, ok: false, error: { code: 'output-cap', message: `the program wrote more to ${which} than the cap allows and was stopped`, ...at, stop: 'interrupt' } };
  }
  if (!r.error) return r.figure ? { ...base, ok: true, figure: r.figure } : { ...base, ok: true };
  if (r.error.kind === 'interrupted') {
    const message = ctx.interrupted
      ? `the program ran past ${ctx.timeoutMs} ms and was interrupted${r.error.line != null ? ` at line ${r.error.line}` : ''}`
      : `the program raised KeyboardInterrupt${r.error.line != null ? ` (line ${r.error.line})` : ''}`;
    return { ...base, ok: false, error: { code: ctx.interrupted ? 'timeout' : 'python', message, ...at, ...traceback, ...(ctx.interrupted ? { stop: 'interrupt' as const } : {}) } };
  }
  const code = KIND_TO_CODE[r.error.kind] ?? 'python';
  return { ...base, ok: false, error: { code, message: r.error.message, ...at, ...traceback } };
}

export function resultFromWorkerError(err: { code: string; message: string }, ctx: { ms: number; timeoutMs: number; graceMs: number }): PythonResult {
  const empty = { stdout: '', stderr: '', truncated: { stdout: false, stderr: false }, ms: ctx.ms };
  if (err.code === 'timeout')
    return { ...empty, ok: false, error: { code: 'timeout', message: `the program ran past ${ctx.timeoutMs} ms and did not stop when interrupted; its worker was killed after ${ctx.timeoutMs + ctx.graceMs} ms`, stop: 'kill' } };
  if (err.code === 'init-failed') return { ...empty, ok: false, error: { code: 'init-failed', message: err.message } };
  return { ...empty, ok: false, error: { code: 'crashed', message: err.message } };
}
