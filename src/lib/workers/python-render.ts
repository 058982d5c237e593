// Python programs → pixels, page side: the package source decides whether the runner loads
// Matplotlib; each program is checked for figure sizes before it runs, run in the supervised worker
// with the figure epilogue, and its figure turned into the same Pixels an SVG render gives.
import { PythonRunner, type PythonRunnerOptions, type PythonResult } from './python-client';
import type { PythonError } from '../render/python/result';
import { checkFigureSize, importedModules, DISTRIBUTION_MODULES } from '../program/python';
import { matplotlibSetup, figureEpilogue } from '../render/matplotlib-prelude';
import { figureToPixels } from '../render/python-figure';
import { DEFAULT_RENDER_SIZE, type Pixels } from '../render/rasterize';
import { choosePackageSource, hasSelfHostedPackages, type PackageSource } from '../render/python-packages';

const MATPLOTLIB_MODULES = new Set(['matplotlib', 'pylab', 'mpl_toolkits']);

export type PythonRenderErrorCode = PythonError['code'] | 'limit' | 'unavailable';

export interface PythonRender {
  /** The program ran through (with or without a figure). */
  ok: boolean;
  /** The figure at size×size on white; absent when the program drew none (or failed). */
  pixels?: Pixels;
  stdout: string;
  stderr: string;
  truncated: { stdout: boolean; stderr: boolean };
  ms: number;
  error?: { code: PythonRenderErrorCode; message: string; line?: number; traceback?: string };
}

export interface PythonRenderOptions {
  size?: number;
  timeoutMs?: number;
}

/** Where Matplotlib comes from, decided once per page: the site's folder, or the CDN when allowed. */
export async function detectPackageSource(allowDownload: boolean, siteBase = document.baseURI): Promise<PackageSource> {
  const coreBase = new URL('pyodide-core/', siteBase).href;
  return choosePackageSource({ selfHosted: await hasSelfHostedPackages(siteBase), allowDownload, siteBase, coreBase });
}

export class PythonRenderer {
  private runner: PythonRunner | null = null;
  private startError: string | null = null;
  /** Set when the packages did not load: the renderer then runs on the core alone. */
  private packagesFailed: string | null = null;

  constructor(
    readonly source: PackageSource,
    private readonly options: PythonRunnerOptions = {},
  ) {}

  /** Why Matplotlib programs cannot run, or null when they can. */
  get matplotlibUnavailable(): string | null {
    return this.source.kind === 'unavailable' ? this.source.reason : this.packagesFailed;
  }

  private get withMatplotlib(): boolean {
    return this.source.kind !== 'unavailable' && this.packagesFailed === null;
  }

  private start(): PythonRunner {
    if (this.runner) return this.runner;
    const s = this.source;
    // The worker fetches wheels only from this source, before it locks itself down; with none, it
    // loads the core alone and Python without Matplotlib runs offline.
    const packages: PythonRunnerOptions =
      !this.withMatplotlib || s.kind === 'unavailable' ? {} : { packages: ['matplotlib'], lockFileURL: s.lockFileURL, packageBaseUrl: s.packageBaseUrl, setup: matplotlibSetup(s.packageBaseUrl) };
    this.runner = new PythonRunner({ ...this.options, ...packages });
    return this.runner;
  }

  async warm(): Promise<void> {
    await this.start().warm();
  }

  async render(code: string, o: PythonRenderOptions = {}): Promise<PythonRender> {
    const size = o.size ?? DEFAULT_RENDER_SIZE;
    const fail = (code: PythonRenderErrorCode, message: string): PythonRender => ({
      ok: false, stdout: '', stderr: '', truncated: { stdout: false, stderr: false }, ms: 0, error: { code, message },
    });
    const needs = importedModules(code).filter((m) => DISTRIBUTION_MODULES.includes(m));
    if (needs.length && !this.withMatplotlib) return fail('unavailable', `the program imports ${needs.join(', ')}: ${this.matplotlibUnavailable}`);
    // Only a plotting program has figures: `print("dpi=5000")` alone is not one.
    const tooLarge = needs.some((m) => MATPLOTLIB_MODULES.has(m)) ? checkFigureSize(code) : null;
    if (tooLarge) return fail('limit', tooLarge.message);
    let runner: PythonRunner;
    try {
      runner = this.start();
    } catch (err) {
      this.startError ??= err instanceof Error ? err.message : String(err);
      return fail('unavailable', this.startError);
    }
    const withMatplotlib = this.withMatplotlib;
    const r = await runner.run(code, { ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}), epilogue: withMatplotlib ? figureEpilogue(size) : '' });
    if (r.error?.code === 'init-failed' && withMatplotlib) {
      // Packages that cannot load (offline on first use, a wheel missing) must not stop plain Python:
      // from now on the core runs alone, and Matplotlib programs hear why they cannot run.
      // The start-up error ends with the Python exception; the traceback above it is Pyodide's own.
      const why = r.error.message.trim().split('\n').at(-1)!.slice(0, 300);
      const from = this.source.kind === 'unavailable' ? '' : ` from ${this.source.packageBaseUrl}`;
      this.packagesFailed = `Matplotlib could not be loaded, so only Python without it runs: Matplotlib did not load${from} (offline, a wheel missing there, or a sha256 that does not match the lockfile; ${why})`;
      this.runner?.dispose();
      this.runner = null;
      return this.render(code, o);
    }
    return toRender(r, size);
  }

  dispose(): void {
    this.runner?.dispose();
  }
}

function toRender(r: PythonResult, size: number): PythonRender {
  const base = { stdout: r.stdout, stderr: r.stderr, truncated: r.truncated, ms: r.ms };
  if (r.error) {
    // The epilogue's refusal of a figure larger than the budget is the figure limit, not a program bug.
    const budget = /px are drawn/.test(r.error.message);
    const message = r.error.message.replace(/^epilogue: (ValueError: )?/, budget ? '' : 'epilogue: ');
    return { ...base, ok: false, error: { ...r.error, code: budget ? 'limit' : r.error.code, message } };
  }
  if (!r.figure) return { ...base, ok: true };
  const { bytes, width, height } = r.figure;
  if (width === undefined || height === undefined)
    return { ...base, ok: false, error: { code: 'figure', message: '__sgp_figure__ held encoded bytes; the renderer takes (width, height, rgba) from the epilogue' } };
  try {
    return { ...base, ok: true, pixels: figureToPixels({ width, height, bytes }, size) };
  } catch (err) {
    return { ...base, ok: false, error: { code: 'figure', message: (err as Error).message } };
  }
}
