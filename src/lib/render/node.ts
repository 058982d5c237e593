// The app's render path for Node tooling — world export, encoder renders, policy scoring, tests:
// the same rasterize(), limits, letterbox and font as the svg worker, and the same deadline.
//
// Engine: the browser's own @resvg/resvg-wasm binary, not the native @resvg/resvg-js. Both give
// identical pixels, but only the same binary makes "one path" true by construction (same version,
// same errors: a wasm trap is 'wasm-crash' here as there; one font spelling: resvg-js drew text
// differently from the same `fontBuffers`). It costs some speed: a warm 128-px world scene took
// 0.20–0.29 ms against 0.18–0.22 ms natively, 0.9 against 0.5 ms with text, and each thread
// warms up over its first few hundred renders.
//
// Deadline: a wasm render cannot be interrupted in its own thread. `createRenderPool` runs renders
// in worker threads (node-thread.ts) and terminates one that passes its deadline, the browser
// pool's shape. `loadRenderer` renders in this thread with the limits but no deadline: for tests
// and the app's own programs (world scenes), never for untrusted ones.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { crc32, deflateSync } from 'node:zlib';
import { initWasm, Resvg } from '@resvg/resvg-wasm';
import { DEFAULT_RENDER_SIZE, DEFAULT_RENDER_TIMEOUT_MS, rasterize, type Pixels, type RenderResult, type ResvgLike } from './rasterize.ts';
import { FONT_FILE, fontOptions, NO_FONT } from './font.ts';
import type { RenderLimits } from './limits.ts';

export interface NodeRenderCall {
  /** Output side in px (default DEFAULT_RENDER_SIZE); portrait and landscape canvases are letterboxed. */
  size?: number;
  limits?: Partial<RenderLimits>;
}

export type NodeRender = (svg: string, call?: NodeRenderCall) => RenderResult;

/** The wasm compiled once per process; pool threads instantiate it without compiling again. */
let compiled: Promise<WebAssembly.Module> | undefined;
export function resvgModule(): Promise<WebAssembly.Module> {
  const path = createRequire(import.meta.url).resolve('@resvg/resvg-wasm/index_bg.wasm');
  return (compiled ??= WebAssembly.compile(readFileSync(path)));
}

let fontBytes: Uint8Array | undefined;
export function bundledFont(): Uint8Array {
  return (fontBytes ??= new Uint8Array(readFileSync(new URL(`../../../public/${FONT_FILE}`, import.meta.url))));
}

/** rasterize() as the svg worker calls it, given an initialised resvg-wasm and the font bytes. */
export function renderWith(Engine: unknown, font: Uint8Array, svg: string, call: NodeRenderCall = {}): RenderResult {
  return rasterize(Engine as ResvgLike, svg, {
    size: call.size ?? DEFAULT_RENDER_SIZE,
    font: fontOptions(font),
    noFont: NO_FONT,
    ...(call.limits ? { limits: call.limits } : {}),
  });
}

let initialised: Promise<void> | undefined;
let crashed = false;
/** A synchronous renderer in this thread: limits, letterbox and font, but no deadline. */
export async function loadRenderer(): Promise<NodeRender> {
  // resvg-wasm's initWasm throws when called twice in one thread.
  await (initialised ??= resvgModule().then((m) => initWasm(m)));
  const font = bundledFont();
  return (svg, call) => {
    if (!crashed) {
      const r = renderWith(Resvg, font, svg, call);
      if (r.ok || !r.fatal) return r;
      crashed = true;
    }
    // After a trap the wasm state is unknown and, unlike a pool thread, cannot be replaced here
    // (resvg-wasm initialises once per thread).
    const message = 'resvg crashed in this thread and cannot be restarted here; render untrusted programs with createRenderPool()';
    return { ok: false, error: { code: 'wasm-crash', message }, ms: 0, fatal: true };
  };
}

/**
 * PNG (8-bit RGB) of an opaque render, for packing training images. Renders from rasterize() are
 * composited on white, so alpha is dropped. Written here over Node's zlib rather than with a PNG
 * package: the pure-JS encoders took 0.8–1.5 ms per 128-px world scene (fast-png, pngjs) against
 * 0.1 ms here, when a render takes 0.2–0.4 ms. zlib level 3: level 6 took 10× longer for 20 %
 * smaller files (flat-colour scenes compress to ~1.2 KB either way).
 */
export function encodePng(p: Pixels): Uint8Array {
  const { width: w, height: h, data } = p;
  if (data.length !== w * h * 4) throw new Error(`pixels: expected ${w}×${h}×4 = ${w * h * 4} bytes, got ${data.length}`);
  const rows = Buffer.alloc(h * (1 + w * 3)); // each row: filter byte 0 (none), then RGB
  for (let y = 0, j = 0; y < h; y++) {
    j++;
    for (let i = y * w * 4, end = i + w * 4; i < end; i += 4, j += 3) {
      rows[j] = data[i]!;
      rows[j + 1] = data[i + 1]!;
      rows[j + 2] = data[i + 2]!;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(w, 0);
  header.writeUInt32BE(h, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit, truecolour, deflate, adaptive filtering, no interlace
  const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  return Buffer.concat([Buffer.from(PNG_SIGNATURE), chunk('IHDR', header), chunk('IDAT', deflateSync(rows, { level: 3 })), chunk('IEND', Buffer.alloc(0))]);
}

function chunk(type: string, body: Buffer): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'latin1');
  body.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}

// ---- the pool: renders with a deadline ---------------------------------------------------------

/** Starting a thread loads tsx and instantiates the wasm: seconds on a loaded machine, not a render. */
const START_TIMEOUT_MS = 60_000;
/**
 * Jobs sent ahead to each thread, so the next render is already there when one ends: 8 rather
 * than the browser pool's 2 because a message round trip (~50 µs) is a quarter of a small render.
 */
const DEPTH = 8;

export interface PoolRenderCall extends NodeRenderCall {
  /** Also encode the render as PNG in the thread (packing training images: encoding costs more than rendering). */
  png?: boolean;
}
export type PoolRenderResult = RenderResult & { png?: Uint8Array };

export interface RenderPoolOptions {
  /** Threads; one per core by default (each render is single-threaded wasm). */
  workers?: number;
  /** Per render, from when it starts running; past it the thread is terminated and replaced (default: the browser's). */
  deadlineMs?: number;
}

export interface RenderPool {
  render(svg: string, call?: PoolRenderCall): Promise<PoolRenderResult>;
  /** Renders in order; results keep the input order. */
  renderAll(svgs: readonly string[], call?: PoolRenderCall): Promise<PoolRenderResult[]>;
  close(): Promise<void>;
}

interface Job { id: number; svg: string; call: PoolRenderCall; done: (r: PoolRenderResult) => void; started: number }
interface Thread { worker: Worker; ready: boolean; inFlight: Job[]; timer?: ReturnType<typeof setTimeout> }
export type ThreadReply = { ready: true } | { id: number; result: PoolRenderResult };

/**
 * The thread's entry. Node 20 does not run `--import tsx` in worker threads, so the thread
 * registers tsx itself before it imports the TypeScript adapter.
 */
function threadBoot(): string {
  const tsx = import.meta.resolve('tsx/esm/api');
  const thread = new URL('./node-thread.ts', import.meta.url).href;
  return `import(${JSON.stringify(tsx)}).then((t) => t.register()).then(() => import(${JSON.stringify(thread)}));`;
}

/**
 * Like the browser's svg pool, every call resolves to a RenderResult: a deadline becomes a
 * 'timeout' error, a dead thread a 'crashed' one, and only the call that was running is blamed
 * (the others queued on that thread run again on its replacement).
 */
export function createRenderPool(opts: RenderPoolOptions = {}): RenderPool {
  const size = Math.max(1, opts.workers ?? availableParallelism());
  const deadlineMs = opts.deadlineMs ?? DEFAULT_RENDER_TIMEOUT_MS;
  const queue: Job[] = [];
  const threads = new Set<Thread>();
  let nextId = 0;
  let closed = false;
  let data: Promise<[WebAssembly.Module, Uint8Array]> | undefined;

  const failed = (job: Job, code: string, message: string): void =>
    job.done({ ok: false, error: { code, message }, ms: job.started ? performance.now() - job.started : 0 });

  /** The head of a thread's queue is the render running now: its deadline starts here. */
  const arm = (t: Thread): void => {
    clearTimeout(t.timer);
    const job = t.inFlight[0];
    if (!job) return;
    job.started = performance.now();
    t.timer = setTimeout(() => retire(t, 'timeout', `the render timed out after ${deadlineMs} ms; its thread was stopped and replaced`), deadlineMs);
  };

  /**
   * Ends a thread. With a `code`, the job running on it fails with that code (its own deadline or
   * crash); the jobs queued behind it go back to the queue, never blamed. A thread that never
   * started fails the whole queue: a start that failed once fails again.
   */
  const retire = (t: Thread, code?: string, message = ''): void => {
    if (!threads.delete(t)) return;
    clearTimeout(t.timer);
    void t.worker.terminate();
    const blamed = code ? t.inFlight.shift() : undefined;
    if (blamed) failed(blamed, code!, message);
    queue.unshift(...t.inFlight);
    if (!t.ready) for (const job of queue.splice(0)) failed(job, 'init-failed', message);
    pump();
  };

  const spawn = async (): Promise<void> => {
    const [module, font] = await (data ??= Promise.all([resvgModule(), bundledFont()]));
    const worker = new Worker(threadBoot(), { eval: true, workerData: { module, font } });
    worker.unref(); // an idle pool does not keep a script alive; pending deadlines do
    const t: Thread = { worker, ready: false, inFlight: [] };
    threads.add(t);
    t.timer = setTimeout(() => retire(t, 'init-failed', `the render thread did not start within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    worker.on('message', (msg: ThreadReply) => {
      if ('ready' in msg) {
        t.ready = true;
        clearTimeout(t.timer);
        return pump();
      }
      const job = t.inFlight.shift();
      if (!job || job.id !== msg.id) throw new Error(`render thread answered job ${msg.id}, expected ${job?.id}`);
      job.done(msg.result);
      // A wasm trap leaves the module in an unknown state: replace the thread, as the browser does.
      if (!msg.result.ok && msg.result.fatal) return retire(t);
      arm(t);
      pump();
    });
    worker.on('error', (err) => retire(t, t.ready ? 'crashed' : 'init-failed', `the render thread died: ${err.message}`));
    worker.on('exit', (code) => retire(t, t.ready ? 'crashed' : 'init-failed', `the render thread exited with code ${code}`));
  };

  let spawning = 0;
  const pump = (): void => {
    if (closed) return;
    for (const t of threads) {
      while (t.ready && t.inFlight.length < DEPTH && queue.length > 0) {
        const job = queue.shift()!;
        t.inFlight.push(job);
        t.worker.postMessage({ id: job.id, svg: job.svg, call: job.call });
        if (t.inFlight.length === 1) arm(t);
      }
    }
    while (queue.length > 0 && threads.size + spawning < size) {
      spawning++;
      spawn().then(
        () => { spawning--; pump(); },
        (err: Error) => { spawning--; for (const job of queue.splice(0)) failed(job, 'init-failed', `cannot start a render thread: ${err.message}`); },
      );
    }
  };

  const render = (svg: string, call: PoolRenderCall = {}): Promise<PoolRenderResult> =>
    new Promise((done) => {
      if (closed) return done({ ok: false, error: { code: 'closed', message: 'the render pool was closed' }, ms: 0 });
      queue.push({ id: nextId++, svg, call, done, started: 0 });
      pump();
    });

  return {
    render,
    renderAll: (svgs, call) => Promise.all(svgs.map((s) => render(s, call))),
    async close() {
      closed = true;
      const stopped = [...threads];
      threads.clear();
      for (const job of [...stopped.flatMap((t) => t.inFlight), ...queue.splice(0)]) failed(job, 'closed', 'the render pool was closed');
      await Promise.all(stopped.map((t) => { clearTimeout(t.timer); return t.worker.terminate(); }));
    },
  };
}
