// The main thread's handle on the ml worker (onnxruntime-web). One worker owns the GPU device, so
// policy, encoders and the train step can later share GPU buffers.
//
// - Calls run one at a time, in order, and each call's deadline starts when it starts executing: a
//   long model load does not eat the deadline of the calls queued behind it.
// - The client remembers how each model was loaded. When the worker is replaced (crash, timeout,
//   wasm trap) the fresh worker reloads them before its first call, and `status` shows it happening.
// - `status` is a Svelte-store-compatible observable: worker state, models, backend notices (e.g. a
//   WebGPU → WASM fallback), the last error, respawns, and a `generation` that bumps with every fresh
//   worker. Stateful calls added later (generate, trainStep) go through `call()`; state they keep in
//   the worker (KV caches, LoRA, optimizer) belongs to one generation and is gone after it.
import * as Comlink from 'comlink';
import { SupervisedWorker, WorkerError, type SupervisorOptions, type WorkerLike } from './supervisor';
import type { MlFaults, MlWorkerApi } from '../../../workers/ml.worker';
import type { PlainTensor, SessionInfo } from '../models/backend';
import type { LoadSpec } from '../models/sessions';
import type { LoadedModel, LoadProgress, ModelRequest } from '../models/load';

/** How a key was loaded, replayed in a fresh worker: an ONNX file, or a registry model. */
type Remembered = { spec: LoadSpec } | { request: ModelRequest };

export interface MlModelState {
  state: 'loading' | 'loaded' | 'reloading' | 'unloaded';
  device?: SessionInfo['device'];
  notice?: string;
  error?: string;
}

export interface MlStatus {
  /** 'starting' while a fresh worker boots and reloads models; 'failed' when it could not start. */
  worker: 'idle' | 'starting' | 'ready' | 'failed';
  models: Record<string, MlModelState>;
  /** Backend notices, oldest first, e.g. "WebGPU could not run model … ; running on WASM". */
  notices: string[];
  lastError?: string;
  respawns: number;
  /** Bumps with each fresh worker: worker-side state from an earlier generation is gone. */
  generation: number;
}

export interface MlClientOptions {
  /** Creates the worker; Node tests pass a fake. */
  spawn?: () => WorkerLike;
  /** Default deadline per call. Model loads compile shaders and can take a while on SwiftShader. */
  timeoutMs?: number;
  /** Start-up of a fresh worker includes reloading every model. */
  initTimeoutMs?: number;
  backoff?: SupervisorOptions<MlWorkerApi>['backoff'];
}

export class MlClient {
  private readonly worker: SupervisedWorker<MlWorkerApi>;
  private readonly loads = new Map<string, Remembered>();
  private readonly listeners = new Set<(s: MlStatus) => void>();
  private readonly timeoutMs: number;
  private queue: Promise<unknown> = Promise.resolve();
  private faults: MlFaults = {};
  private current: MlStatus = { worker: 'idle', models: {}, notices: [], respawns: 0, generation: 0 };

  constructor(opts: MlClientOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.worker = new SupervisedWorker<MlWorkerApi>({
      name: 'ml',
      spawn: opts.spawn ?? spawnMlWorker,
      init: (api) => this.restore(api),
      initTimeoutMs: opts.initTimeoutMs ?? 300_000,
      ...(opts.backoff ? { backoff: opts.backoff } : {}),
      onEvent: (e) => {
        if (e.type === 'starting') this.update({ worker: 'starting', generation: this.current.generation + 1 });
        else if (e.type === 'ready') this.update({ worker: 'ready' });
        else this.replaced(e.error);
      },
    });
  }

  get status(): MlStatus {
    return this.current;
  }

  /** Svelte store contract: `fn` gets the status now and on every change. */
  subscribe(fn: (s: MlStatus) => void): () => void {
    this.listeners.add(fn);
    fn(this.current);
    return () => this.listeners.delete(fn);
  }

  /**
   * Queues `fn` behind earlier calls; its deadline starts when it starts. A long call that streams
   * progress calls `progress()` with each report: its deadline then bounds the time between reports.
   */
  call<R>(fn: (api: Comlink.Remote<MlWorkerApi>, progress: () => void) => Promise<R>, timeoutMs = this.timeoutMs): Promise<R> {
    const next = this.queue.then(() =>
      this.worker.call(async (api, scope) => {
        try {
          return await fn(api, () => scope.progress());
        } catch (err) {
          // A wasm trap (ORT abort, out of bounds) leaves the runtime unusable: replace the worker.
          if ((err as Error | undefined)?.name !== 'RuntimeError') throw err;
          scope.retire((err as Error).message);
          throw new WorkerError('crashed', `ml worker crashed: ${(err as Error).message}`);
        }
      }, timeoutMs),
    );
    this.queue = next.catch(() => undefined);
    return next;
  }

  async load(key: string, spec: LoadSpec, timeoutMs?: number): Promise<SessionInfo> {
    this.loads.delete(key);
    this.setModel(key, { state: 'loading' });
    try {
      const info = await this.call((api) => api.load(key, spec), timeoutMs);
      this.loads.set(key, { spec });
      this.loaded(key, info);
      return info;
    } catch (err) {
      this.setModel(key, { state: 'unloaded', error: message(err) });
      this.update({ lastError: message(err) });
      throw err;
    }
  }

  /**
   * Loads a registry model (see src/lib/models/registry.ts) under `key`; `onProgress` gets bytes per
   * file and overall while it downloads (about every 100 ms). A fresh worker reloads it from the cache.
   */
  async loadModel(key: string, request: ModelRequest, onProgress?: (p: LoadProgress) => void, timeoutMs?: number): Promise<LoadedModel> {
    this.loads.delete(key);
    this.setModel(key, { state: 'loading' });
    try {
      const model = await this.call((api) => api.loadModel(key, request, onProgress && Comlink.proxy(onProgress)), timeoutMs);
      this.loads.set(key, { request });
      const notice = Object.values(model.graphs).find((g) => g.notice)?.notice;
      this.loaded(key, { ...Object.values(model.graphs)[0]!, ...(notice ? { notice } : {}) });
      // e.g. a corrupt cached file that was evicted and downloaded again
      const fresh = model.notices.filter((n) => !this.current.notices.includes(n));
      if (fresh.length) this.update({ notices: [...this.current.notices, ...fresh] });
      return model;
    } catch (err) {
      this.setModel(key, { state: 'unloaded', error: message(err) });
      this.update({ lastError: message(err) });
      throw err;
    }
  }

  run(key: string, feeds: Record<string, PlainTensor>, timeoutMs?: number): Promise<Record<string, PlainTensor>> {
    return this.call((api) => api.run(key, feeds), timeoutMs);
  }

  async release(key: string): Promise<void> {
    this.loads.delete(key);
    const { [key]: _, ...models } = this.current.models;
    this.update({ models });
    await this.call((api) => api.release(key));
  }

  detectDevice(): ReturnType<MlWorkerApi['detectDevice']> {
    return this.call((api) => api.detectDevice());
  }

  /** Replaces the worker (as a crash would); `faults` are simulated in the fresh one. */
  restart(reason: string, faults: MlFaults = {}): void {
    this.faults = faults;
    this.worker.restart(reason);
  }

  dispose(): void {
    this.worker.dispose();
  }

  /** A fresh worker's init: apply fault drills, then reload every remembered model. */
  private async restore(api: Comlink.Remote<MlWorkerApi>): Promise<void> {
    await api.injectFaults(this.faults);
    for (const [key, how] of [...this.loads]) {
      // Forgotten while it reloads: a model whose load kills the worker must not do so on every start.
      this.loads.delete(key);
      this.setModel(key, { state: 'reloading' });
      try {
        this.loaded(key, 'spec' in how ? await api.load(key, how.spec) : Object.values((await api.loadModel(key, how.request)).graphs)[0]!);
        this.loads.set(key, how);
      } catch (err) {
        const error = `reload after the ml worker restarted failed: ${message(err)}`;
        this.setModel(key, { state: 'unloaded', error });
        this.update({ lastError: error });
      }
    }
  }

  private replaced(error: WorkerError): void {
    const failed = error.code === 'init-failed';
    const models = { ...this.current.models };
    for (const key of Object.keys(models)) {
      if (this.loads.has(key)) models[key] = { state: 'reloading', error: `the ml worker restarted (${error.message})` };
      else if (models[key]!.state === 'reloading') models[key] = { state: 'unloaded', error: error.message };
    }
    this.update({ worker: failed ? 'failed' : 'idle', models, lastError: error.message, respawns: this.worker.respawns });
    // Reload now rather than on the next use, so the UI shows models back as soon as possible. During
    // a start-up backoff this call fails at once and the reload waits for the next call.
    if (this.loads.size) setTimeout(() => this.call((api) => api.sessions()).catch(() => undefined));
  }

  private loaded(key: string, info: SessionInfo): void {
    this.setModel(key, { state: 'loaded', device: info.device, ...(info.notice ? { notice: info.notice } : {}) });
    if (info.notice && !this.current.notices.includes(info.notice)) this.update({ notices: [...this.current.notices, info.notice] });
  }

  private setModel(key: string, state: MlModelState): void {
    this.update({ models: { ...this.current.models, [key]: state } });
  }

  private update(patch: Partial<MlStatus>): void {
    this.current = { ...this.current, ...patch };
    for (const fn of this.listeners) fn(this.current);
  }
}

function spawnMlWorker(): WorkerLike {
  return new Worker(new URL('../../../workers/ml.worker.ts', import.meta.url), { type: 'module', name: 'ml' });
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
