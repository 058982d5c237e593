// One Web Worker behind comlink, watched: every call has a deadline, and a worker that hangs, dies
// or is broken by a call is terminated and replaced on the next call. Comlink alone never rejects a
// call to a dead worker, so without this a crashed renderer would hang the UI forever.
//
// Truthfulness: the call that broke the worker hears why ('timeout' or 'crashed', with the message);
// the other calls on that worker were innocent and hear 'recycled', which callers may retry. A
// worker that keeps failing to start backs off exponentially instead of being respawned in a loop.
import * as Comlink from 'comlink';

export type WorkerErrorCode =
  /** This call ran past its deadline; the worker was killed. */
  | 'timeout'
  /** The worker died (or trapped) while running this call. */
  | 'crashed'
  /** A fresh worker could not start (script, wasm or font failed to load, init threw or hung). */
  | 'init-failed'
  /** The worker was replaced because of another call; this call did nothing wrong and may be retried. */
  | 'recycled';

export class WorkerError extends Error {
  constructor(
    readonly code: WorkerErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'WorkerError';
  }
}

/** What the supervisor needs of a Worker: comlink's endpoint plus terminate(). Node tests pass a MessagePort-backed fake. */
export interface WorkerLike extends Comlink.Endpoint {
  terminate(): void;
}

export interface SupervisorOptions<API> {
  /** Shown in error messages ("svg worker timed out after 3000 ms"). */
  name: string;
  /** Creates a fresh worker; called at start and after every replacement. */
  spawn: () => WorkerLike;
  /** Runs once per fresh worker before its first call (e.g. compile wasm, load a font, reload models). */
  init?: (api: Comlink.Remote<API>) => Promise<void>;
  initTimeoutMs?: number;
  /** Delay before the next start after n failed starts in a row: min(maxMs, baseMs·2^(n−1)). */
  backoff?: { baseMs: number; maxMs: number };
  /** Told about every start, ready worker and replacement, e.g. to show state in the UI. */
  onEvent?: (event: SupervisorEvent) => void;
  /** Clock for the backoff (tests inject one). */
  now?: () => number;
}

export type SupervisorEvent =
  | { type: 'starting' }
  | { type: 'ready' }
  /** The worker was terminated; `error` is why (the culprit's error, or a failed start). */
  | { type: 'replaced'; error: WorkerError };

/** Handed to each call: lets it end the worker it broke without being told 'recycled' itself. */
export interface CallScope {
  /** Replaces the worker because this call left it unusable (e.g. a wasm trap); the call keeps its own result. */
  retire(reason: string): void;
  /** Restarts this call's deadline: for long calls that report progress (streamed generation), the deadline bounds the time between reports. */
  progress(): void;
}

/** 0.5 s, 1 s, 2 s … 30 s: a missing font or wasm file costs one spawn per backoff step, not a hot loop. */
export const DEFAULT_BACKOFF = { baseMs: 500, maxMs: 30_000 };

interface Live<API> {
  worker: WorkerLike;
  api: Comlink.Remote<API>;
  ready: Promise<void>;
  /** Calls running on this worker, oldest first: the oldest is the one executing when it dies. */
  calls: { reject: (err: WorkerError) => void }[];
  /** Set when the worker dies during init, so init fails at once instead of at its deadline. */
  onDeath?: (err: WorkerError) => void;
}

export class SupervisedWorker<API> {
  private live: Live<API> | null = null;
  /** How many workers were terminated because of a failure (timeout, crash, failed start, restart). */
  respawns = 0;
  /** How many workers were spawned, first included. */
  starts = 0;
  /** Failed starts in a row; reset by a successful start. */
  private startFailures = 0;
  private nextStartAt = 0;
  private lastStartError = '';
  private disposed = false;
  private readonly now: () => number;

  constructor(private readonly opts: SupervisorOptions<API>) {
    this.now = opts.now ?? (() => performance.now());
  }

  /** True while a start failed recently and the next attempt must wait. */
  get backingOff(): boolean {
    return !this.live && this.now() < this.nextStartAt;
  }

  /** Calls `fn` on the worker's API within `timeoutMs` (measured from when the worker is ready). */
  async call<R>(fn: (api: Comlink.Remote<API>, scope: CallScope) => Promise<R>, timeoutMs: number): Promise<R> {
    if (this.disposed) throw new Error(`${this.opts.name} worker was disposed`);
    const live = this.ensure();
    await live.ready;
    if (this.live !== live) throw this.recycledError();
    return this.run(live, fn, timeoutMs);
  }

  /** Replaces the worker now; calls in flight are told 'recycled'. */
  restart(reason = 'restart requested'): void {
    if (this.live) this.replace(this.live, null, new WorkerError('recycled', `${this.opts.name} worker restarted: ${reason}`));
  }

  /** Ends the worker for good: later calls are refused. Not counted as a respawn. */
  dispose(): void {
    this.disposed = true;
    const live = this.live;
    if (!live) return;
    this.live = null;
    live.worker.terminate();
    live.api[Comlink.releaseProxy]();
    for (const c of live.calls) c.reject(this.recycledError());
  }

  private ensure(): Live<API> {
    if (this.live) return this.live;
    const wait = Math.ceil(this.nextStartAt - this.now());
    if (wait > 0)
      throw new WorkerError('init-failed', `${this.opts.name} worker failed to start ${this.startFailures} time(s) in a row (${this.lastStartError}); next attempt in ${wait} ms`);
    this.opts.onEvent?.({ type: 'starting' });
    let worker: WorkerLike;
    try {
      worker = this.opts.spawn();
      this.starts += 1;
    } catch (err) {
      throw this.startFailed(`could not create the worker: ${message(err)}`);
    }
    const api = Comlink.wrap<API>(worker);
    const live: Live<API> = { worker, api, ready: Promise.resolve(), calls: [] };
    worker.addEventListener('error', (e) => {
      (e as Event).preventDefault?.();
      this.died(live, `${this.opts.name} worker crashed: ${(e as { message?: string }).message || 'unknown error (the worker script may have failed to load)'}`);
    });
    worker.addEventListener('messageerror', () => this.died(live, `${this.opts.name} worker sent a message that could not be read`));
    this.live = live;
    live.ready = this.start(live);
    live.ready.catch(() => {}); // every caller awaits it; avoid an unhandled rejection when none does
    return live;
  }

  private async start(live: Live<API>): Promise<void> {
    const ms = this.opts.initTimeoutMs ?? 20_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        live.onDeath = reject;
        timer = setTimeout(() => reject(new Error(`did not start within ${ms} ms`)), ms);
        (this.opts.init ? this.opts.init(live.api) : Promise.resolve()).then(resolve, reject);
      });
    } catch (err) {
      if (this.live === live) {
        const error = this.startFailed(message(err));
        this.replace(live, null, error);
        throw error;
      }
      throw this.recycledError(); // restarted or disposed while starting
    } finally {
      clearTimeout(timer);
      live.onDeath = undefined;
    }
    this.startFailures = 0;
    this.opts.onEvent?.({ type: 'ready' });
  }

  private startFailed(cause: string): WorkerError {
    this.startFailures += 1;
    const { baseMs, maxMs } = this.opts.backoff ?? DEFAULT_BACKOFF;
    this.nextStartAt = this.now() + Math.min(maxMs, baseMs * 2 ** (this.startFailures - 1));
    this.lastStartError = cause.replace(/^\w+ worker crashed: /, '');
    return new WorkerError('init-failed', `${this.opts.name} worker failed to start: ${this.lastStartError}`);
  }

  private async run<R>(live: Live<API>, fn: (api: Comlink.Remote<API>, scope: CallScope) => Promise<R>, ms: number): Promise<R> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const entry = { reject: (_: WorkerError) => {} };
    const stopped = new Promise<never>((_, reject) => (entry.reject = reject));
    live.calls.push(entry);
    const leave = () => {
      const i = live.calls.indexOf(entry);
      if (i >= 0) live.calls.splice(i, 1);
    };
    const scope: CallScope = {
      retire: (reason) => {
        leave(); // this call reports its own result; only the others are 'recycled'
        if (this.live === live) this.replace(live, null, new WorkerError('crashed', `${this.opts.name} worker crashed: ${reason}`));
      },
      progress: () => {},
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        // A worker past its deadline may still be spinning in wasm: only terminate() stops it.
        if (this.live === live) this.replace(live, entry, new WorkerError('timeout', `${this.opts.name} worker timed out after ${ms} ms`));
      }, ms);
    };
    scope.progress = arm;
    arm();
    try {
      return await Promise.race([fn(live.api, scope), stopped]);
    } finally {
      clearTimeout(timer);
      leave();
    }
  }

  private died(live: Live<API>, reason: string): void {
    if (this.live !== live) return;
    const error = new WorkerError('crashed', reason);
    if (live.onDeath) return live.onDeath(error); // during start-up: start() reports it as init-failed
    this.replace(live, live.calls[0] ?? null, error);
  }

  /** Terminates `live`; `culprit` hears `error`, every other call in flight hears 'recycled'. */
  private replace(live: Live<API>, culprit: Live<API>['calls'][number] | null, error: WorkerError): void {
    if (this.live !== live) return;
    this.live = null;
    live.worker.terminate();
    live.api[Comlink.releaseProxy]();
    this.respawns += 1;
    const calls = live.calls.splice(0);
    for (const c of calls) c.reject(c === culprit ? error : this.recycledError());
    this.opts.onEvent?.({ type: 'replaced', error });
  }

  private recycledError(): WorkerError {
    return new WorkerError('recycled', `${this.opts.name} worker was restarted because of another call while this one waited in its queue`);
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
