// The main thread's handle on SVG rendering: a pool of svg workers with deadlines and recovery.
// Every call resolves to a RenderResult — timeouts and crashes become errors, never hangs.
import { WorkerPool } from './pool';
import { WorkerError, type SupervisorOptions } from './supervisor';
import { DEFAULT_RENDER_SIZE, DEFAULT_RENDER_TIMEOUT_MS, type RenderResult } from '../render/rasterize';
import type { RenderLimits } from '../render/limits';
import type { SvgWorkerApi } from '../../../workers/svg.worker';
import { prepareProgram, type Prepared } from '../program/prepare';

export interface SvgPoolOptions {
  /** Two workers saturate a 2-core laptop; more only queue behind each other. */
  workers?: number;
  /** URL of the bundled TTF; resvg draws no `<text>` without a font. */
  fontUrl: string;
}

export interface RenderCall {
  size?: number;
  /** Hostile programs (huge filters) can run for minutes; past this the worker is killed and replaced. */
  timeoutMs?: number;
  limits?: Partial<RenderLimits>;
}

export { DEFAULT_RENDER_TIMEOUT_MS };

export type SvgPool = WorkerPool<SvgWorkerApi>;

export function svgWorkerOptions(fontUrl: string): SupervisorOptions<SvgWorkerApi> {
  return {
    name: 'svg',
    spawn: () => new Worker(new URL('../../../workers/svg.worker.ts', import.meta.url), { type: 'module', name: 'svg' }),
    init: (api) => api.init(fontUrl),
  };
}

export function createSvgPool(opts: SvgPoolOptions): SvgPool {
  // Two jobs per worker: the next render is already queued when one ends.
  return new WorkerPool<SvgWorkerApi>(opts.workers ?? 2, svgWorkerOptions(opts.fontUrl), 2);
}

export async function renderSvg(pool: SvgPool, svg: string, call: RenderCall = {}): Promise<RenderResult> {
  const t0 = performance.now();
  try {
    return await pool.run(async (api, scope) => {
      const result = await api.render(svg, call.size ?? DEFAULT_RENDER_SIZE, call.limits);
      // resvg trapped: its wasm memory is suspect. This render reports the crash itself; jobs
      // queued behind it on the same worker are retried on a fresh one.
      if (!result.ok && result.fatal) scope.retire(result.error.message);
      return result;
    }, call.timeoutMs ?? DEFAULT_RENDER_TIMEOUT_MS);
  } catch (err) {
    const ms = performance.now() - t0;
    if (err instanceof WorkerError) return { ok: false, ms, error: { code: err.code, message: err.message } };
    return { ok: false, ms, error: { code: 'render', message: err instanceof Error ? err.message : String(err) } };
  }
}

/** A sampled program as checked by the app, the CLI and the benchmarks alike. */
export interface SampleRender {
  extraction: Prepared['extraction'];
  /** Valid: a complete <svg> in the output, and it renders. */
  valid: boolean;
  /** The render, when there was a complete program to render. */
  result: RenderResult | null;
  error?: string;
}

/** Extracts the complete program from a policy's output and renders it. */
export async function renderSample(pool: SvgPool, output: string, call: RenderCall = {}): Promise<SampleRender> {
  const { extraction, svg } = prepareProgram(output);
  if (extraction.kind !== 'complete') return { extraction, valid: false, result: null, error: `no complete <svg> program (${extraction.kind})` };
  const result = await renderSvg(pool, svg, { timeoutMs: 10_000, ...call });
  return result.ok ? { extraction, valid: true, result } : { extraction, valid: false, result, error: `${result.error.code}: ${result.error.message}` };
}
