// Registers the site's service worker (src/sw.ts, built to `sw.js`), which keeps the app for offline
// use and gives every response COOP/COEP: WASM threads (onnxruntime-web) and SharedArrayBuffer need
// cross-origin isolation, which the dev and preview servers give with headers but most static hosts
// cannot. A page is served through a service worker only from its next load on, hence one reload on
// the first visit to a host without the headers. A new deploy's worker installs in the background and
// waits; the next load hands it the site and reloads once, so updates arrive one load later.
const WORKER = 'sw.js';
/** Set before the isolation reload, so a page that a reload does not isolate gives up instead of looping. */
const RELOADED = 'sgp-isolation-reload';
/** An update that takes over later than this after the check reloads nothing: the page may be in use by then. */
const RELOAD_WITHIN_MS = 10_000;

async function start(): Promise<void> {
  if (!import.meta.env.PROD) return; // the dev server isolates with headers; no cache in the way of its updates
  const storage = sessionStorageOrNull();
  if (globalThis.crossOriginIsolated) storage?.removeItem(RELOADED);
  const unavailable = !isSecureContext
    ? 'the page is not a secure context (https or localhost)'
    : !('serviceWorker' in navigator)
      ? 'service workers are unavailable here'
      : '';
  if (unavailable) {
    if (!globalThis.crossOriginIsolated) warnNotIsolated(unavailable);
    return; // and nothing is kept for offline use
  }
  // Decided before registering: a page already served by the worker, or already reloaded for it, that
  // is still not isolated will not be isolated by another reload.
  const gaveUp = !globalThis.crossOriginIsolated && (navigator.serviceWorker.controller !== null || storage?.getItem(RELOADED) !== null);
  // Asked before register(), which resolves only after an update check under way (this load's) is done.
  const existing = await navigator.serviceWorker.getRegistration();
  if (existing && takeUpdate(existing)) return;
  await navigator.serviceWorker.register(new URL(WORKER, document.baseURI));
  if (globalThis.crossOriginIsolated) return; // by the host's headers or the worker: it caches from now on
  if (gaveUp) {
    warnNotIsolated('a reload through the service worker did not isolate it');
    return;
  }
  // Reload only once the worker is active: reloading while it still installs (as coi-serviceworker's
  // page script does on `updatefound`) sometimes loads the page uncontrolled and reloads it twice.
  await navigator.serviceWorker.ready;
  storage?.setItem(RELOADED, '1');
  location.reload();
}

/**
 * A worker from a new deploy, installed during an earlier load, waits while pages of the old one run.
 * This page has just loaded the old app and nothing is in progress yet: the moment to let the new
 * worker take over and reload into the new app. A page that stays open keeps its version (switching
 * under it could leave it asking for files the new deploy no longer has). Chromium activates the new
 * worker within about a second, but after sampling in the same tab it sometimes waited over 30 s (cause
 * not found; it lets an old worker finish what it serves first): then this page keeps its version rather
 * than reload while in use, and a later load gets the new deploy.
 */
function takeUpdate(registration: ServiceWorkerRegistration): boolean {
  const waiting = registration.waiting;
  if (!waiting || !navigator.serviceWorker.controller) return false;
  const loaded = performance.now();
  navigator.serviceWorker.addEventListener('controllerchange', () => performance.now() - loaded < RELOAD_WITHIN_MS && location.reload(), { once: true });
  waiting.postMessage({ type: 'SKIP_WAITING' });
  return true; // and no isolation reload: a controlled page is isolated, or another reload would not isolate it
}

function warnNotIsolated(why: string): void {
  console.warn(`Not cross-origin isolated (${why}): WASM runs on one thread. A host that sends COOP/COEP headers avoids this.`);
}

function sessionStorageOrNull(): Storage | null {
  try {
    return globalThis.sessionStorage;
  } catch {
    return null; // blocked storage: the loop guard is then the page being served by the worker
  }
}

start().catch((err: unknown) => console.warn(`The service worker did not register, so the app is not kept for offline use and may run WASM on one thread: ${String(err)}`));
