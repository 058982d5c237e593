// Model files from this site or the Hub, with progress, kept in the Cache API so a second load works
// offline. Runs wherever fetch and caches exist (page or worker); the app calls it in the ml worker,
// so weights go straight to ORT without a copy across the worker boundary.
import { quote } from './registry';

export const CACHE_NAME = 'sgp-models-v1';
/** Written with each cached file: a stored body of another length was cut short or altered. */
const SIZE_HEADER = 'x-sgp-bytes';

/** The server answered, but not with the file (404, or an HTML page): the load may go on without an optional file. */
export class MissingFile extends Error {
  override name = 'MissingFile';
}

export interface FileProgress {
  file: string;
  received: number;
  /** null until known (no Content-Length). */
  total: number | null;
  fromCache: boolean;
  done: boolean;
}

export interface Fetched {
  bytes: Uint8Array;
  fromCache: boolean;
  /** Set when a corrupt cached copy was evicted before this download. */
  notice?: string;
}

export interface GetOptions {
  /** The model id, for errors ("offline and <id> is not cached"). */
  id: string;
  /** Short name of the file, for progress and errors. */
  file: string;
  onProgress?: (p: FileProgress) => void;
}

/** The cache, or undefined where there is none (an insecure context has no `caches`). */
async function openCache(): Promise<Cache | undefined> {
  if (typeof caches === 'undefined') return undefined;
  try {
    return await caches.open(CACHE_NAME);
  } catch {
    return undefined; // e.g. storage disabled: download every time
  }
}

/** A cached copy of `url`, or undefined; a corrupt one is evicted and described in `evicted`. */
async function fromCache(cache: Cache, url: string): Promise<{ bytes?: Uint8Array; evicted?: string }> {
  const res = await cache.match(url);
  if (!res) return {};
  const bytes = new Uint8Array(await res.arrayBuffer());
  const want = Number(res.headers.get(SIZE_HEADER));
  const problem = !Number.isInteger(want) || want !== bytes.byteLength ? `${bytes.byteLength} bytes, expected ${res.headers.get(SIZE_HEADER) ?? 'a recorded size'}` : looksLikeHtml(bytes) ? 'an HTML page' : undefined;
  if (!problem) return { bytes };
  await cache.delete(url);
  return { evicted: `the cached copy of ${url} was corrupt (${problem}) and was evicted` };
}

/** Fetches `url` (from the cache when there) with progress; caches what it downloads. */
export async function getFile(url: string, opts: GetOptions): Promise<Fetched> {
  const cache = await openCache();
  const cached = cache ? await fromCache(cache, url) : {};
  if (cached.bytes) {
    const n = cached.bytes.byteLength;
    opts.onProgress?.({ file: opts.file, received: n, total: n, fromCache: true, done: true });
    return { bytes: cached.bytes, fromCache: true };
  }
  let bytes: Uint8Array;
  try {
    bytes = await download(url, opts);
  } catch (err) {
    throw cached.evicted ? new Error(`${(err as Error).message} (${cached.evicted})`) : err;
  }
  if (cache) {
    const headers = { 'content-type': 'application/octet-stream', [SIZE_HEADER]: String(bytes.byteLength) };
    // A full quota only costs the offline copy: the bytes in hand still load.
    await cache.put(url, new Response(bytes.slice(), { headers })).catch(() => undefined);
  }
  return { bytes, fromCache: false, ...(cached.evicted ? { notice: cached.evicted } : {}) };
}

/** A JSON file through `getFile` (so from the cache when there), parsed. */
export async function getJson<T>(url: string, opts: GetOptions): Promise<T> {
  const { bytes } = await getFile(url, opts);
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as T;
  } catch (err) {
    throw new Error(`${quote(opts.id)}: ${opts.file} at ${url} is not JSON (${message(err)})`);
  }
}

async function download(url: string, opts: GetOptions): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    // fetch rejects with a TypeError only when no response came: offline, DNS, refused, CORS, CSP.
    const host = new URL(url).host;
    const offline = globalThis.navigator?.onLine === false;
    throw new Error(
      offline
        ? `offline and ${quote(opts.id)} is not cached: ${url} could not be fetched (${message(err)}); connect to ${host} once to download it`
        : `${quote(opts.id)} is not cached and ${url} could not be fetched (${message(err)}): the network is down, or ${host} refused the connection or its CORS headers`,
    );
  }
  const type = res.headers.get('content-type') ?? '';
  if (!res.ok || type.includes('text/html')) {
    await res.body?.cancel().catch(() => undefined);
    throw new MissingFile(`${quote(opts.id)}: ${opts.file} is missing: ${url} answered HTTP ${res.status}${res.ok ? ' with an HTML page' : ''}; is the id right, and does the repository have this file?`);
  }
  const length = Number(res.headers.get('content-length'));
  // Content-Length counts encoded bytes; with a Content-Encoding the body is longer: size unknown.
  const total = Number.isInteger(length) && length > 0 && !res.headers.get('content-encoding') ? length : null;
  const reader = res.body!.getReader();
  let bytes: Uint8Array;
  try {
    bytes = await readBody(reader, total, url, opts);
  } catch (err) {
    await reader.cancel().catch(() => undefined); // stop the transfer, e.g. after an allocation failed
    throw err;
  }
  if (looksLikeHtml(bytes)) throw new Error(`${quote(opts.id)}: ${url} sent an HTML page instead of ${opts.file}; a login or error page?`);
  return bytes;
}

/** Reads the body chunk by chunk into one buffer, reporting progress at most every 64 KiB and at the end. */
async function readBody(reader: ReadableStreamDefaultReader<Uint8Array>, total: number | null, url: string, opts: GetOptions): Promise<Uint8Array> {
  let buf = allocate(total ?? 1 << 20, url);
  let received = 0;
  let reported = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (err) {
      throw new Error(`${quote(opts.id)}: the download of ${url} broke off after ${received} of ${total ?? '?'} bytes (${message(err)})`);
    }
    if (chunk.done) break;
    if (received + chunk.value.byteLength > buf.byteLength) {
      const grown = allocate(Math.max(buf.byteLength * 2, received + chunk.value.byteLength), url);
      grown.set(buf.subarray(0, received));
      buf = grown;
    }
    buf.set(chunk.value, received);
    received += chunk.value.byteLength;
    if (received - reported >= 1 << 16) {
      reported = received;
      opts.onProgress?.({ file: opts.file, received, total, fromCache: false, done: false });
    }
  }
  if (total !== null && received !== total) throw new Error(`${quote(opts.id)}: the download of ${url} ended after ${received} of ${total} bytes; try again`);
  opts.onProgress?.({ file: opts.file, received, total: received, fromCache: false, done: true });
  return received === buf.byteLength ? buf : buf.slice(0, received);
}

/** A buffer for a download; a size the tab cannot hold is an out-of-memory error that says how much. */
export function allocate(bytes: number, url: string): Uint8Array {
  try {
    return new Uint8Array(bytes);
  } catch (err) {
    throw new Error(`out of memory: ${url} needs ${formatBytes(bytes)} and the tab could not allocate it (${message(err)}); choose a smaller variant`);
  }
}

/** Sums per-file progress into one figure for a progress bar. */
export function overall(files: Record<string, FileProgress>): { received: number; total: number | null; files: number; done: number } {
  const list = Object.values(files);
  const received = list.reduce((s, f) => s + f.received, 0);
  const total = list.every((f) => f.total !== null) ? list.reduce((s, f) => s + f.total!, 0) : null;
  return { received, total, files: list.length, done: list.filter((f) => f.done).length };
}

/** Deletes every cached model file; returns how many there were. */
export async function clearModelCache(): Promise<number> {
  const cache = await openCache();
  if (!cache) return 0;
  const keys = await cache.keys();
  await Promise.all(keys.map((k) => cache.delete(k)));
  return keys.length;
}

function looksLikeHtml(bytes: Uint8Array): boolean {
  const head = new TextDecoder().decode(bytes.subarray(0, 64)).trimStart().toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html');
}

export function formatBytes(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${Math.round(n / 1e3)} kB`;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
