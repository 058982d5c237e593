// A Worker stand-in for Node: the "worker side" is an API exposed with comlink on one end of a
// MessageChannel in this same thread. It can crash (an 'error' event, as a worker's uncaught
// exception gives), and terminate() really cuts the channel, as terminating a worker does.
import * as Comlink from 'comlink';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { WorkerLike } from '../../../src/lib/workers/supervisor';

export class FakeWorker extends EventTarget implements WorkerLike {
  private readonly page: MessagePort;
  private readonly inside: MessagePort;
  terminated = false;

  constructor(api: object) {
    super();
    const { port1, port2 } = new MessageChannel();
    this.page = port1;
    this.inside = port2;
    Comlink.expose(api, port2 as unknown as Comlink.Endpoint);
  }

  postMessage(message: unknown, transfer?: Transferable[]): void {
    if (!this.terminated) this.page.postMessage(message, transfer as never);
  }

  override addEventListener(type: string, listener: EventListenerOrEventListenerObject | null): void {
    if (type === 'message') this.page.addEventListener('message', listener as never);
    else super.addEventListener(type, listener);
  }

  override removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null): void {
    if (type === 'message') this.page.removeEventListener('message', listener as never);
    else super.removeEventListener(type, listener);
  }

  start(): void {
    this.page.start();
  }

  terminate(): void {
    this.terminated = true;
    this.page.close();
    this.inside.close();
  }

  /** What a worker's uncaught exception looks like from the page. */
  crash(message: string): void {
    this.dispatchEvent(Object.assign(new Event('error', { cancelable: true }), { message }));
  }
}

/** Resolves once `check` holds, polling each macrotask: a wait on a condition, not a fixed sleep. */
export async function until(check: () => boolean, what: string, limitMs = 2000): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > limitMs) throw new Error(`gave up waiting for ${what} after ${limitMs} ms`);
    await new Promise((r) => setImmediate(r));
  }
}
