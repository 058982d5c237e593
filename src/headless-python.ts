// Headless hooks for the Python runner (part of window.sgp). The runner starts on first use, so
// pages that never run Python never load Pyodide.
import { PythonRunner, type PythonRunnerOptions, type PythonRunOptions } from './lib/workers/python-client';
import type { PythonResult } from './lib/render/python/result';

let runner: PythonRunner | null = null;
let runnerOptions: PythonRunnerOptions = {};

function python(): PythonRunner {
  return (runner ??= new PythonRunner(runnerOptions));
}

export type HeadlessPythonResult = Omit<PythonResult, 'figure'> & { figure?: { bytes: number[]; width?: number; height?: number } };

export const pythonHooks = {
  /** Runs one program; a figure's bytes come back as a number array. */
  async python(code: string, opts: PythonRunOptions = {}): Promise<HeadlessPythonResult> {
    const { figure, ...rest } = await python().run(code, opts);
    return figure ? { ...rest, figure: { ...figure, bytes: Array.from(figure.bytes) } } : rest;
  },
  /** Replaces the runner (e.g. with packages to load, or a smaller memory cap); it starts on the next call. */
  pythonConfigure(opts: PythonRunnerOptions): void {
    runner?.dispose();
    runnerOptions = opts;
    runner = null;
  },
  pythonWarm: () => python().warm(),
  pythonStats: () => ({ respawns: runner?.respawns ?? 0, starts: runner?.starts ?? 0 }),
};
