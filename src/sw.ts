// The site's one service worker (a scope has room for one): it keeps the app for offline use and makes
// the page cross-origin isolated on hosts that send no COOP/COEP, which WASM threads need.
// vite-plugin-pwa builds it to `sw.js` and injects the precache list (vite.config.ts); src/isolation.ts
// registers it. What is kept where:
// - precache: the app shell every load needs (HTML, JS, CSS, resvg's WASM, font, manifest, icons, the
//   bundled benchmark), fetched while the worker installs and served cache-first;
// - on first use: onnxruntime's WASM builds (14 and 27 MB; a device uses one or both) and Pyodide, so a
//   visit that never runs them does not download them;
// - never here: models/**, which the model loader keeps in its own Cache API store (src/lib/models/hub.ts).
import type { WorkboxPlugin } from 'workbox-core';
import { clientsClaim } from 'workbox-core';
import { ExpirationPlugin } from 'workbox-expiration';
import { addPlugins, cleanupOutdatedCaches, precacheAndRoute, type PrecacheEntry } from 'workbox-precaching';
import { registerRoute } from 'workbox-routing';
import { CacheFirst, NetworkOnly } from 'workbox-strategies';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: (PrecacheEntry | string)[] };
/** The Pyodide release of `pyodide-core/` and `public/pyodide/` (vite.config.ts defines it at build). */
declare const __PYODIDE_VERSION__: string;

/**
 * COOP/COEP on every response this worker gives, as coi-serviceworker adds them: the page and its
 * workers are then cross-origin isolated. Only same-origin requests come here; cross-origin ones (the
 * Hub's model files) are left to the browser: the CSP allows them only as CORS fetches, which COEP
 * accepts without the CORP header coi-serviceworker adds for no-cors embeds.
 */
const isolation: WorkboxPlugin = {
  handlerWillRespond: async ({ response }) => {
    if (response.type === 'opaque' || response.status === 0) return response; // not ours to rewrite
    const headers = new Headers(response.headers);
    headers.set('Cross-Origin-Opener-Policy', 'same-origin');
    headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  },
};

const sameOrigin = (url: URL) => url.origin === self.location.origin;
const PYODIDE_CACHE = `sgp-pyodide-${__PYODIDE_VERSION__}`;

addPlugins([isolation]);
// Query strings carry settings (headless.html?workers=2), not other files.
precacheAndRoute(self.__WB_MANIFEST, { ignoreURLParametersMatching: [/.*/] });
cleanupOutdatedCaches();

// Content-hashed names never change meaning, so cache-first cannot go stale; a new onnxruntime's
// builds push the old ones out.
registerRoute(
  ({ url }) => sameOrigin(url) && /\/assets\/[^/]+\.wasm$/.test(url.pathname),
  new CacheFirst({ cacheName: 'sgp-wasm', plugins: [isolation, new ExpirationPlugin({ maxEntries: 4, purgeOnQuotaError: true })] }),
);
// Pyodide's files keep their names across releases: the cache is named by release instead.
registerRoute(
  ({ url }) => sameOrigin(url) && /\/pyodide(-core)?\//.test(url.pathname),
  new CacheFirst({ cacheName: PYODIDE_CACHE, plugins: [isolation] }),
);
// Everything else from this site (models, which their loader caches) goes to the network, isolated.
registerRoute(({ url }) => sameOrigin(url), new NetworkOnly({ plugins: [isolation] }));

self.addEventListener('activate', (event) => {
  const stale = caches.keys().then((names) => Promise.all(names.filter((n) => n.startsWith('sgp-pyodide-') && n !== PYODIDE_CACHE).map((n) => caches.delete(n))));
  event.waitUntil(stale);
});

// A new deploy's worker waits while pages of the old one are open; src/isolation.ts asks it to take
// over when a page loads, then reloads that page once (see there).
self.addEventListener('message', (event) => {
  // waitUntil: the worker may be stopped once the event is handled, before skipping took effect.
  if ((event.data as { type?: string } | null)?.type === 'SKIP_WAITING') event.waitUntil(self.skipWaiting());
});
// The first install controls the page that registered it, so its later fetches are cached too.
clientsClaim();
