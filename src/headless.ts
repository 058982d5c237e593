// Headless entry: exposes the app's real pipeline code on `window.sgp` for the CLI, `npm run bench`
// and browser tests (driven by scripts/lib/browser.ts). No UI; nothing here is used by index.html.
import { createSvgPool, renderSample, renderSvg, svgWorkerOptions, type RenderCall } from './lib/workers/svg-client';
import { WorkerPool } from './lib/workers/pool';
import type { SvgWorkerApi } from '../workers/svg.worker';
import { encodePng, pixelAt, inkFraction } from './lib/render/canvas';
import { DEFAULT_RENDER_SIZE } from './lib/render/rasterize';
import { BUNDLED_BENCHMARKS, loadBenchmark } from './lib/world';
import { verify } from './lib/reward/verify/verify';
import { MlClient, type MlStatus } from './lib/workers/ml-client';
import type { MlFaults } from '../workers/ml.worker';
import type { LoadProgress } from './lib/models/load';
import { pythonHooks } from './headless-python';
import { pythonRenderHooks } from './headless-python-render';
import { trainerHooks } from './headless-trainer';
import { rlHooks } from './headless-rl';
import type { Device, PlainTensor, WasmBuild } from './lib/models/backend';
import { PolicyClient } from './lib/workers/policy-client';
import { externalDataFiles, MODELS } from './lib/models/registry';
import type { SampleParams } from './lib/policy/sampler';
import { evalHooks } from './headless-eval';
import { rewardHooks } from './headless-reward';

const params = new URLSearchParams(location.search);
const pool = createSvgPool({
  workers: Number(params.get('workers') ?? 2),
  fontUrl: new URL('fonts/DejaVuSans.ttf', document.baseURI).href,
});

export interface HeadlessRender {
  ok: boolean;
  error?: { code: string; message: string };
  ms: number;
  width: number;
  height: number;
  /** RGBA at requested [x, y] points, for pixel assertions without shipping whole images. */
  samples: number[][];
  ink: number;
  png?: string;
}

const ml = new MlClient();
const policy = new PolicyClient(ml);

/** One sampled program as the CLI and tests see it: valid = a complete <svg> that renders. */
export interface HeadlessSample {
  i: number;
  program: string;
  tokens: number[];
  logprobs: number[];
  finish: string | null;
  /** When this row finished, since generation started. */
  ms: number;
  valid: boolean;
  error?: string;
}

const sgp = {
  ready: false,
  ...pythonHooks,
  ...pythonRenderHooks,
  ...evalHooks(pool, ml, policy),
  ...rewardHooks(pool, ml),
  ...trainerHooks(ml),
  ...rlHooks(ml, pool),
  /** Loads an ONNX model (URL under the site, or bytes as a number array) into the ml worker. */
  onnxLoad: (key: string, model: string | number[], device: Device | 'auto' = 'auto', externalData: { path: string; url: string }[] = []) =>
    ml.load(key, {
      model: typeof model === 'string' ? new URL(model, document.baseURI).href : new Uint8Array(model),
      device,
      externalData: externalData.map((e) => ({ path: e.path, data: new URL(e.url, document.baseURI).href })),
    }),
  /**
   * Loads a registry model (bundled id or hub id) into the ml worker; `hub` replaces huggingface.co
   * (tests serve a hub-style folder locally). Returns the load result with the JSON files' names only,
   * and every progress event seen.
   */
  async modelLoad(key: string, id: string, opts: { variant?: string; device?: Device | 'auto'; hub?: string } = {}) {
    const events: LoadProgress[] = [];
    const bases = { bundled: new URL('models/', document.baseURI).href, ...(opts.hub ? { hub: opts.hub } : {}) };
    const model = await ml.loadModel(key, { id, device: opts.device ?? 'auto', bases, ...(opts.variant ? { variant: opts.variant } : {}) }, (p) => events.push(p));
    return { model: { ...model, texts: Object.keys(model.texts) }, events };
  },
  modelCacheClear: () => ml.call((api) => api.clearModelCache()),
  onnxRun: (key: string, feeds: Record<string, PlainTensor>, timeoutMs?: number) => ml.run(key, feeds, timeoutMs),
  onnxRelease: (key: string) => ml.release(key),
  onnxSessions: () => ml.call((api) => api.sessions()),
  mlDevice: () => ml.detectDevice(),
  mlStatus: (): MlStatus => ml.status,
  /** Loads a variant of the bundled policy ('model' = fp32, 'model_quantized', …) for sampling. */
  policyLoad: (variant = 'model', device: Device | 'auto' = 'wasm', wasmBuild?: WasmBuild, threads?: number) =>
    policy.load({
      folder: 'models/sgp-tiny-policy/', variant, device,
      externalData: externalDataFiles(`onnx/${variant}.onnx`, null, MODELS['sgp-tiny-policy']),
      ...(wasmBuild ? { wasmBuild } : {}), ...(threads ? { threads } : {}),
    }),
  crossOriginIsolated: () => globalThis.crossOriginIsolated,
  /**
   * Samples a group for `prompt` with the loaded policy and renders each program through the pool.
   * `cancelAfterSteps` aborts after that many streamed steps (cancel drill); `steps` counts the
   * streamed step events and `streamed` holds each row's text as assembled from the stream.
   * `stepsAtCancel`: the steps the page had heard when it answered "stop" (steps arrive in batches,
   * so the answer goes back after the whole batch that held step `cancelAfterSteps`).
   */
  async sample(prompt: string, params: Partial<SampleParams> = {}, opts: { render?: boolean; cancelAfterSteps?: number; stepGraph?: boolean } = {}) {
    const ctl = new AbortController();
    const streamed: string[] = [];
    const finishedAt: number[] = [];
    let steps = 0;
    let stepsAtCancel: number | null = null;
    const g = await policy.generate(prompt, params, (e) => {
      steps++;
      for (const t of e.tokens) {
        streamed[t.i] = (streamed[t.i] ?? '') + t.delta;
        finishedAt[t.i] = e.ms;
      }
      if (opts.cancelAfterSteps !== undefined && steps >= opts.cancelAfterSteps && !ctl.signal.aborted) {
        ctl.abort();
        queueMicrotask(() => (stepsAtCancel = steps)); // after the rest of this batch
      }
    }, { signal: ctl.signal, ...(opts.stepGraph === false ? { stepGraph: false } : {}) });
    const samples: HeadlessSample[] = await Promise.all(
      g.samples.map(async (s) => {
        const base = { i: s.i, program: s.text, tokens: s.tokens, logprobs: s.logprobs, finish: s.finish, ms: finishedAt[s.i] ?? 0 };
        if (opts.render === false) return { ...base, valid: false };
        const r = await renderSample(pool, s.text);
        return r.valid ? { ...base, valid: true } : { ...base, valid: false, error: r.error! };
      }),
    );
    return { samples, streamed, steps, stepsAtCancel, promptTokens: g.promptTokens, firstTokenMs: g.firstTokenMs, totalMs: g.totalMs, newTokens: g.newTokens, tokPerS: g.tokPerS };
  },
  /** Crashes the ml worker during a call (an uncaught exception in it); resolves to the call's error. */
  mlCrash: (reason: string) => ml.call((api) => api.crash(reason)).then(() => null, (e: Error & { code?: string }) => ({ code: e.code ?? '', message: e.message })),
  /** Replaces the ml worker; `faults` are simulated in the fresh one (e.g. no WebGPU adapter). */
  mlRestart: (faults: MlFaults = {}) => ml.restart('requested by a test', faults),
  async render(svg: string, opts: RenderCall & { png?: boolean; sample?: [number, number][] } = {}): Promise<HeadlessRender> {
    const r = await renderSvg(pool, svg, opts);
    if (!r.ok) return { ok: false, error: r.error, ms: r.ms, width: 0, height: 0, samples: [], ink: 0 };
    const { pixels } = r;
    return {
      ok: true,
      ms: r.ms,
      width: pixels.width,
      height: pixels.height,
      samples: (opts.sample ?? []).map(([x, y]) => pixelAt(pixels, x, y)),
      ink: inkFraction(pixels),
      ...(opts.png ? { png: await encodePng(pixels) } : {}),
    };
  },
  /** The RGBA pixels of one render, for tests that feed them onward (e.g. to an encoder). */
  async renderPixels(svg: string, size: number): Promise<{ width: number; height: number; data: number[] }> {
    const r = await renderSvg(pool, svg, { size });
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    return { width: r.pixels.width, height: r.pixels.height, data: Array.from(r.pixels.data) };
  },
  /** Renders all programs concurrently through the pool; returns wall time and failures. */
  async renderAll(svgs: string[], size = DEFAULT_RENDER_SIZE): Promise<{ ms: number; failed: number }> {
    const t0 = performance.now();
    const results = await Promise.all(svgs.map((svg) => renderSvg(pool, svg, { size, timeoutMs: 10_000 })));
    return { ms: performance.now() - t0, failed: results.filter((r) => !r.ok).length };
  },
  /** Renders each reference program of the bundled benchmark through the pool and verifies it. */
  async verifyReferences(limit = Infinity): Promise<{ n: number; perfect: number; failures: { id: string; score: number; error?: string }[] }> {
    const res = await fetch(new URL(BUNDLED_BENCHMARKS['sgp-minibench']!.path, document.baseURI));
    const items = loadBenchmark(await res.json()).items.slice(0, limit);
    const failures: { id: string; score: number; error?: string }[] = [];
    await Promise.all(
      items.map(async (it) => {
        if (!it.svg || !it.spec) return failures.push({ id: it.id, score: 0, error: 'no reference' });
        const r = await renderSvg(pool, it.svg, { timeoutMs: 10_000 });
        if (!r.ok) return failures.push({ id: it.id, score: 0, error: r.error.message });
        const { score } = verify(it.spec, { pixels: r.pixels, svg: it.svg });
        if (score !== 1) failures.push({ id: it.id, score });
      }),
    );
    return { n: items.length, perfect: items.length - failures.length, failures };
  },
  respawns: () => pool.respawns,
  /**
   * Makes a one-worker pool whose start-up fails (e.g. its font URL 404s) and keeps rendering on it
   * until it has started `starts` workers: when each start happened, how many calls were made, and
   * the distinct errors they got.
   */
  async failingStarts(fontUrl: string, starts: number): Promise<{ calls: number; startedAt: number[]; errors: string[] }> {
    const startedAt: number[] = [];
    const broken = new WorkerPool<SvgWorkerApi>(1, {
      ...svgWorkerOptions(new URL(fontUrl, document.baseURI).href),
      onEvent: (e) => void (e.type === 'starting' && startedAt.push(performance.now())),
    });
    const errors = new Set<string>();
    let calls = 0;
    const t0 = performance.now();
    while (startedAt.length < starts && performance.now() - t0 < 30_000) {
      const r = await renderSvg(broken, '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>');
      calls += 1;
      if (!r.ok) errors.add(`${r.error.code}: ${r.error.message.replace(/\d+ ms$/, 'N ms').replace(/\d+ time/, 'N time')}`);
      await new Promise((resolve) => setTimeout(resolve, 5)); // a busy caller, not a frozen page
    }
    broken.dispose();
    return { calls, startedAt: startedAt.map((t) => t - startedAt[0]!), errors: [...errors] };
  },
  /** Makes one worker end silently, as a crashed worker would. */
  async killWorker(): Promise<void> {
    await pool.run(async (api) => void api.exit(), 1000);
  },
  async gpuAdapter(): Promise<{ ok: boolean; info?: string; features?: string[] }> {
    if (!('gpu' in navigator)) return { ok: false, info: 'navigator.gpu is absent' };
    const adapter = await navigator.gpu.requestAdapter();
    if (!adapter) return { ok: false, info: 'requestAdapter() returned null' };
    const info = adapter.info;
    return { ok: true, info: `${info.vendor} ${info.architecture} ${info.description}`.trim(), features: [...adapter.features] };
  },
};

await pool.warm();
sgp.ready = true;
(window as unknown as { sgp: typeof sgp }).sgp = sgp;
export type HeadlessApi = typeof sgp;
