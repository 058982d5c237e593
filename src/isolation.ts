// Cross-origin isolation on any static host. WASM threads (onnxruntime-web) and SharedArrayBuffer
// need COOP/COEP headers, which the dev and preview servers send but most static hosts cannot.
// coi-serviceworker (vite.config.ts ships it beside index.html) adds them to every response it
// serves; it caches nothing, so updates to the app arrive as usual. A page is served through a
// service worker only from its next load on, hence one reload on the first visit.
const WORKER = 'coi-serviceworker.js';
/** Set before the reload, so a page that a reload does not isolate gives up instead of looping. */
const RELOADED = 'sgp-isolation-reload';

async function isolate(): Promise<void> {
  const storage = sessionStorageOrNull();
  if (globalThis.crossOriginIsolated) {
    storage?.removeItem(RELOADED);
    return;
  }
  if (!import.meta.env.PROD) return; // the dev server isolates with headers; no service worker in its way
  const why = !isSecureContext
    ? 'the page is not a secure context (https or localhost)'
    : !('serviceWorker' in navigator)
      ? 'service workers are unavailable here'
      : navigator.serviceWorker.controller || storage?.getItem(RELOADED)
        ? 'a reload through coi-serviceworker did not isolate it'
        : '';
  if (why) {
    console.warn(`Not cross-origin isolated (${why}): WASM runs on one thread. A host that sends COOP/COEP headers avoids this.`);
    return;
  }
  await navigator.serviceWorker.register(new URL(WORKER, document.baseURI));
  // Reload only once the worker is active: reloading while it still installs (as the package's own
  // page script does on `updatefound`) sometimes loads the page uncontrolled and reloads it twice.
  await navigator.serviceWorker.ready;
  storage?.setItem(RELOADED, '1');
  location.reload();
}

function sessionStorageOrNull(): Storage | null {
  try {
    return globalThis.sessionStorage;
  } catch {
    return null; // blocked storage: the loop guard is then the page being served by the worker
  }
}

isolate().catch((err: unknown) => console.warn(`coi-serviceworker did not register, so WASM runs on one thread: ${String(err)}`));
