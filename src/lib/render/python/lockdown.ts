// Locks a worker's JavaScript realm down before untrusted Python runs in it. Pyodide lets Python
// reach any JS object it can name (`import js`, `pyodide.ffi.to_js({}).constructor`…), and every JS
// object leads to the Function constructor. So rather than trying to hide JS from Python, this makes
// the realm itself harmless: the network, storage, other workers, string-to-code (eval, Function,
// string timers) and messages to the page are removed from the global object and its prototype
// chain. Nothing else in the realm holds them, so Python cannot get them back.
//
// A CSP would also block eval, but a worker's CSP comes from its own response headers, and a plain
// static host sends none: this must not depend on it.

/** Global names that reach the network, persistent storage, other contexts, or compile code from strings. */
export const REMOVED_GLOBALS = [
  'fetch', 'fetchLater', 'XMLHttpRequest', 'XMLHttpRequestUpload', 'XMLHttpRequestEventTarget',
  'WebSocket', 'WebSocketStream', 'WebTransport', 'EventSource', 'RTCPeerConnection', 'RTCDataChannel',
  'importScripts', 'indexedDB', 'IDBFactory', 'caches', 'CacheStorage', 'Cache', 'storageBuckets', 'StorageBucketManager',
  'FileSystemHandle', 'FileSystemDirectoryHandle', 'FileSystemFileHandle', 'FileSystemSyncAccessHandle',
  'BroadcastChannel', 'Worker', 'SharedWorker', 'ServiceWorkerContainer', 'Notification',
  'FontFace', 'fonts', 'cookieStore',
  'postMessage', 'onmessage', 'onmessageerror',
  'eval',
] as const;

/** Navigator members that reach storage (OPFS through `storage.getDirectory()`) or other contexts. */
const REMOVED_NAVIGATOR = ['storage', 'serviceWorker', 'locks', 'storageBuckets', 'sendBeacon'] as const;

export interface LockdownOptions {
  /** WebAssembly memories may not grow beyond this many bytes: Emscripten's sbrk then fails and Python raises MemoryError. */
  memoryCapBytes: number;
}

export interface LockdownReport {
  /** Names that were found and removed (for tests and the worker's own check). */
  removed: string[];
  /** Names from REMOVED_GLOBALS still reachable from the global object afterwards: must be empty. */
  leftover: string[];
}

function refuse(what: string): never {
  throw new EvalError(`${what} is disabled in the Python sandbox`);
}

/** Deletes `name` from `obj` and from every object on its prototype chain. */
function deleteEverywhere(obj: object, name: string): boolean {
  let found = false;
  for (let o: object | null = obj; o; o = Object.getPrototypeOf(o)) {
    if (Object.prototype.hasOwnProperty.call(o, name)) {
      found = true;
      if (!Reflect.deleteProperty(o, name)) Object.defineProperty(o, name, { value: undefined, writable: false, configurable: false });
    }
  }
  return found;
}

/** Replaces `name` wherever it is defined on the chain, as a fixed (non-writable, non-configurable) value. */
function pin(obj: object, name: string, value: unknown): void {
  for (let o: object | null = obj; o; o = Object.getPrototypeOf(o))
    if (Object.prototype.hasOwnProperty.call(o, name)) Object.defineProperty(o, name, { value, writable: false, configurable: false });
  Object.defineProperty(obj, name, { value, writable: false, configurable: false });
}

export function lockDown(scope: typeof globalThis, opts: LockdownOptions): LockdownReport {
  const removed: string[] = [];
  const nav = (scope as { navigator?: object }).navigator;
  if (nav) for (const name of REMOVED_NAVIGATOR) if (deleteEverywhere(nav, name)) removed.push(`navigator.${name}`);

  // Code from strings: every function prototype's `constructor` (Function, AsyncFunction,
  // GeneratorFunction, AsyncGeneratorFunction) is reachable from any function object.
  const blockedConstructor = function Function() {
    refuse('Creating functions from strings');
  };
  const kinds = [function () {}, async function () {}, function* () {}, async function* () {}];
  for (const f of kinds) Object.defineProperty(Object.getPrototypeOf(f), 'constructor', { value: blockedConstructor, writable: false, configurable: false });
  // Pyodide tests `x instanceof Function`: the global stays, as the blocked constructor with the real prototype.
  blockedConstructor.prototype = Function.prototype;
  pin(scope, 'Function', blockedConstructor);

  for (const name of REMOVED_GLOBALS) if (deleteEverywhere(scope, name)) removed.push(name);

  // Nothing a program schedules may outlive it. A run is synchronous, so a timer or a posted callback
  // (asyncio's loop schedules through setTimeout, and through a MessagePort for short delays) could only
  // fire between programs: on the next program's time, or after the interpreter was put back. The
  // worker itself needs neither once locked (setTimeout('code') would also compile a string).
  for (const name of ['setTimeout', 'setInterval'] as const) pin(scope, name, () => refuse(`Scheduling code to run after the program (${name}, asyncio's event loop)`));
  const port = (scope as { MessagePort?: { prototype: object } }).MessagePort;
  if (port) pin(port.prototype, 'postMessage', () => refuse('Scheduling code to run after the program (MessagePort.postMessage, asyncio\'s event loop)'));

  // Reading the supervisor's messages (the next programs' code) is refused; the worker's own
  // listener was added before this ran.
  const addListener = EventTarget.prototype.addEventListener;
  pin(EventTarget.prototype, 'addEventListener', function (this: EventTarget, type: string, ...rest: unknown[]) {
    if (this === (scope as unknown as EventTarget) && /^message/.test(String(type))) refuse('Listening to the worker\'s messages');
    return Reflect.apply(addListener, this, [type, ...rest]);
  });

  // Emscripten grows its heap through this JS method and treats a throw as "out of memory".
  const grow = WebAssembly.Memory.prototype.grow;
  const cap = opts.memoryCapBytes;
  pin(WebAssembly.Memory.prototype, 'grow', function (this: WebAssembly.Memory, pages: number) {
    if (this.buffer.byteLength + Number(pages) * 65536 > cap) throw new RangeError(`the Python heap may not grow beyond ${Math.round(cap / 2 ** 20)} MiB`);
    return Reflect.apply(grow, this, [pages]) as number;
  });

  const g = scope as unknown as Record<string, unknown>;
  const leftover: string[] = REMOVED_GLOBALS.filter((name) => g[name] !== undefined);
  if (g.Function !== blockedConstructor || (() => {}).constructor !== blockedConstructor) leftover.push('Function');
  return { removed, leftover };
}
