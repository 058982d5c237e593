// A fixed set of supervised workers and a FIFO queue. Each worker takes up to `depth` jobs at once:
// the next job's message already waits in the worker's inbox when the current one ends, which hides
// the postMessage round trip (≈0.5 ms, as long as a small render). A job's deadline grows with the
// jobs queued ahead of it on its worker; if that worker is replaced because of another job (one
// that hung or crashed it), the job is retried once on a fresh worker, so one hostile program never
// fails an innocent one. A job is never re-run because of its own timeout or crash.
import type * as Comlink from 'comlink';
import { SupervisedWorker, WorkerError, type CallScope, type SupervisorOptions } from './supervisor';

export class WorkerPool<API> {
  private readonly workers: SupervisedWorker<API>[];
  private readonly load: Map<SupervisedWorker<API>, number>;
  private readonly waiting: (() => void)[] = [];

  constructor(
    size: number,
    opts: SupervisorOptions<API>,
    private readonly depth = 1,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`pool size must be a positive integer, got ${size}`);
    if (!Number.isInteger(depth) || depth < 1) throw new Error(`pool depth must be a positive integer, got ${depth}`);
    this.workers = Array.from({ length: size }, () => new SupervisedWorker(opts));
    this.load = new Map(this.workers.map((w) => [w, 0]));
  }

  get size(): number {
    return this.workers.length;
  }

  get respawns(): number {
    return this.workers.reduce((n, w) => n + w.respawns, 0);
  }

  get starts(): number {
    return this.workers.reduce((n, w) => n + w.starts, 0);
  }

  /** Runs `fn` on the least busy worker (waiting while all are full) with a per-job deadline. */
  async run<R>(fn: (api: Comlink.Remote<API>, scope: CallScope) => Promise<R>, timeoutMs: number): Promise<R> {
    for (let attempt = 0; ; attempt++) {
      const worker = await this.acquire();
      const ahead = this.load.get(worker)! - 1;
      try {
        return await worker.call(fn, timeoutMs * (ahead + 1));
      } catch (err) {
        if (!(err instanceof WorkerError && err.code === 'recycled' && attempt === 0)) throw err;
      } finally {
        this.load.set(worker, this.load.get(worker)! - 1);
        this.waiting.shift()?.();
      }
    }
  }

  /** Starts every worker now so the first user-visible job does not pay for wasm compilation. */
  async warm(timeoutMs = 20_000): Promise<void> {
    await Promise.all(this.workers.map((w) => w.call(async () => undefined, timeoutMs)));
  }

  dispose(): void {
    for (const w of this.workers) w.dispose();
  }

  private async acquire(): Promise<SupervisedWorker<API>> {
    for (;;) {
      // A worker backing off after failed starts would fail the job at once: prefer any other.
      const rank = (w: SupervisedWorker<API>) => this.load.get(w)! + (w.backingOff ? this.depth : 0);
      let best: SupervisedWorker<API> | undefined;
      for (const w of this.workers) if (this.load.get(w)! < this.depth && (!best || rank(w) < rank(best))) best = w;
      if (best) {
        this.load.set(best, this.load.get(best)! + 1);
        return best;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }
}
