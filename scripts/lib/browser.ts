// Drives the built app in headless Chromium: one place for the flags, the static server and the
// page hooks, shared by browser tests, CLI commands and benchmarks.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { preview } from 'vite';
import { servePlainStatic } from './static-server';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu', // SwiftShader WebGPU adapter without a GPU (no shader-f16)
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function chromiumPath(): string {
  const candidates = [process.env.CHROME_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean) as string[];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`Chromium not found at ${candidates.join(', ')}; install it (apt-get install -y chromium) or set CHROME_PATH`);
  return found;
}

export interface Session {
  browser: Browser;
  baseUrl: string;
  /** Requests the pages tried to make to anything but the local server (all refused): must stay empty. */
  offsiteRequests: string[];
  /** Opens `path` in a fresh context (no service worker, storage or cache shared); `prepare` runs before it loads. */
  newPage(path?: string, prepare?: (page: Page) => Promise<void>): Promise<Page>;
  close(): Promise<void>;
}

export interface SessionOptions {
  /**
   * 'preview' (default): `vite preview`, which sends the app's COOP/COEP headers.
   * 'plain': a static server that sends no special headers, like most static hosts; the page is
   * isolated only once the service worker has reloaded it (see `waitForIsolation`).
   */
  server?: 'preview' | 'plain';
  /** 'plain' only: the folder to serve (default dist/), e.g. a copy a test changes to play a new deploy. */
  dir?: string;
  /** 'plain' only: called with the path of each request that reaches the server. */
  onRequest?: (path: string) => void;
}

/** Serves dist/ (built by `vite build`) and launches Chromium. */
export async function openSession({ server: kind = 'preview', dir = 'dist', onRequest }: SessionOptions = {}): Promise<Session> {
  if (!existsSync(`${dir}/index.html`)) throw new Error(`${dir}/ has no index.html: run \`npx vite build\` first (npm test does)`);
  const served = kind === 'plain' ? servePlainStatic(dir, (path) => (onRequest?.(path), {})) : servePreview();
  const { baseUrl, close } = await served;
  const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS });
  const offsiteRequests: string[] = [];
  const origin = new URL(baseUrl).origin;
  return {
    browser,
    baseUrl,
    offsiteRequests,
    async newPage(path = '', prepare) {
      const context = await browser.newContext();
      // Intercept, record and refuse anything not served by the local server: the app must work
      // offline, and hostile programs must not be able to phone home.
      await context.route(
        (url) => url.origin !== origin,
        (route) => {
          offsiteRequests.push(route.request().url());
          return route.abort('blockedbyclient');
        },
      );
      const page = await context.newPage();
      page.on('close', () => context.close().catch(() => undefined)); // already gone with the browser
      page.on('pageerror', (err) => console.error(`[page error] ${err.message}`));
      await prepare?.(page);
      await page.goto(new URL(path, baseUrl).href);
      return page;
    },
    async close() {
      await browser.close();
      await close();
    },
  };
}

async function servePreview(): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const server = await preview({ logLevel: 'silent', preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false } });
  const baseUrl = server.resolvedUrls?.local[0];
  if (!baseUrl) throw new Error('vite preview did not report a local URL');
  return { baseUrl, close: () => new Promise<void>((resolve) => server.httpServer.close(() => resolve())) };
}

/** Waits until the page is cross-origin isolated, across the reload the service worker makes on a first visit. */
export async function waitForIsolation(page: Page, timeout = 30_000): Promise<void> {
  await page.waitForFunction(() => globalThis.crossOriginIsolated, null, { timeout }).catch((err: Error) => {
    throw new Error(`${page.url()} is not cross-origin isolated after ${timeout} ms: neither COOP/COEP headers nor the service worker (sw.js) took effect (${err.message.split('\n')[0]})`);
  });
}

/**
 * Opens headless.html and waits until its `window.sgp` hooks are ready. The session refuses every other
 * origin; `allowOrigin` lets one through (a local server standing in for huggingface.co).
 */
export async function openHeadless(session: Session, params: Record<string, string | number> = {}, allowOrigin?: string): Promise<Page> {
  const query = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString();
  const allow = allowOrigin ? new URL(allowOrigin).origin : null;
  const page = await session.newPage(`headless.html${query ? `?${query}` : ''}`, async (p) => {
    if (allow) await p.context().route((url) => url.origin === allow, (route) => route.continue());
  });
  await waitForIsolation(page); // on a plain static server, `ready` could otherwise come from the page about to reload
  await page.waitForFunction(() => (window as unknown as { sgp?: { ready: boolean } }).sgp?.ready === true, null, { timeout: 60_000 });
  return page;
}
