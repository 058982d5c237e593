// dist/ on a static host that sends no special headers: the service worker (sw.js) makes it cross-origin
// isolated (one reload on the first visit), the CSP meta tag is in force, and a full use of the
// Playground and of headless.html's render and ONNX hooks raises no CSP violation. Also: the same
// policy sent as a header is enough for the workers, and the dev server still works under it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { createServer } from 'vite';
import { openSession, waitForIsolation, type Session } from '../../scripts/lib/browser';
import { openUnderScriptCsp, type Win } from './setup';
import { HUB_ORIGINS } from '../../src/lib/models/registry';

let session: Session;
before(async () => {
  session = await openSession({ server: 'plain' });
});
after(async () => session?.close());

/** What a page reported: each document's isolation at start, CSP violations (DOM events and console), errors. */
interface Watch {
  loads: boolean[];
  violations: string[];
  consoleCsp: string[];
  errors: string[];
}

/** Opens `path` with the watchers in place before the first document loads. */
async function openWatched(path: string): Promise<{ page: Page; watch: Watch }> {
  const watch: Watch = { loads: [], violations: [], consoleCsp: [], errors: [] };
  const page = await session.newPage(path, async (p) => {
    p.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) watch.consoleCsp.push(m.text().slice(0, 300));
    });
    p.on('pageerror', (e) => watch.errors.push(e.message));
    await p.exposeBinding('__reportLoad', (_src, isolated: boolean) => void watch.loads.push(isolated));
    await p.exposeBinding('__reportViolation', (_src, v: string) => void watch.violations.push(v));
    await p.addInitScript(() => {
      const w = window as unknown as { __reportLoad(i: boolean): void; __reportViolation(v: string): void };
      w.__reportLoad(globalThis.crossOriginIsolated);
      document.addEventListener('securitypolicyviolation', (e) =>
        w.__reportViolation(`${e.effectiveDirective} refused ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`),
      );
    });
  });
  await waitForIsolation(page, 60_000);
  return { page, watch };
}

/** Waits for reports that travel from the page to this process on their own schedule. */
async function eventually(cond: () => boolean, what: () => string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(what());
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function assertClean(watch: Watch): void {
  assert.deepEqual(watch.violations, [], 'securitypolicyviolation events');
  assert.deepEqual(watch.consoleCsp, [], 'CSP messages in the console');
  assert.deepEqual(watch.errors, [], 'page errors');
  assert.deepEqual(session.offsiteRequests, [], 'requests to anything but this site');
}

test('the static server sends no isolation or CSP headers (the case this file is about)', async () => {
  const res = await fetch(new URL('index.html', session.baseUrl));
  for (const h of ['cross-origin-opener-policy', 'cross-origin-embedder-policy', 'content-security-policy']) assert.equal(res.headers.get(h), null, h);
});

let app: { page: Page; watch: Watch };

test('first visit: not isolated, the service worker reloads once, then the page is isolated', async () => {
  app = await openWatched('index.html');
  await app.page.waitForSelector('[data-testid=editor]');
  await eventually(() => app.watch.loads.length >= 2, () => `loads seen: ${JSON.stringify(app.watch.loads)}`);
  assert.deepEqual(app.watch.loads, [false, true], 'one document without isolation, then one with it');
  const sw = await app.page.evaluate(() => navigator.serviceWorker.controller?.scriptURL);
  assert.equal(sw, new URL('sw.js', session.baseUrl).href, 'the worker comes from the site itself');
  assert.equal(await app.page.evaluate(() => typeof SharedArrayBuffer), 'function');
});

test('a full use of the Playground raises no CSP violation', async () => {
  const { page, watch } = app;
  await page.fill('[data-testid=editor]', '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><circle cx="50" cy="50" r="30" fill="#ff0000"/></svg>');
  await page.waitForFunction(() => {
    const c = document.querySelector<HTMLCanvasElement>('[data-testid=render]');
    const px = c?.getContext('2d')!.getImageData(112, 112, 1, 1).data;
    return px?.[0] === 255 && px[1] === 0;
  });
  const first = await page.textContent('[data-testid=prompt]');
  await page.click('[data-testid=random-prompt]');
  await page.waitForFunction((p) => document.querySelector('[data-testid=prompt]')?.textContent !== p, first);
  await page.click('[data-testid=load-reference]');
  await page.waitForSelector('[data-testid=verdict][data-score="1.000"]');
  await page.click('header nav button:text-is("Benchmarks")');
  await page.waitForSelector('[data-testid=bench-bundled] [data-testid=bench-total]');
  await page.click('header nav button:text-is("Playground")');
  await page.waitForSelector('[data-rule=blank-render][data-status=pass]');
  // Styles came from the external stylesheet, not refused inline ones.
  assert.notEqual(await page.evaluate(() => getComputedStyle(document.body).fontFamily), 'Times New Roman');
  assert.deepEqual(watch.loads, [false, true], 'no further reloads');
  assertClean(watch);
});

test('the CSP meta tag is strict, comes before every script, and is in force', async () => {
  const { page, watch } = app;
  const { policy, first } = await page.evaluate(() => {
    const meta = document.querySelector('meta[http-equiv=Content-Security-Policy]');
    const script = document.querySelector('script');
    return { policy: meta?.getAttribute('content') ?? '', first: !!meta && !!script && !!(meta.compareDocumentPosition(script) & Node.DOCUMENT_POSITION_FOLLOWING) };
  });
  assert.ok(first, 'a CSP meta tag covers only what follows it');
  const directives = new Map(policy.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...sources]) => [name!, sources]));
  assert.deepEqual(directives.get('default-src'), ["'self'"]);
  assert.deepEqual(directives.get('script-src'), ["'self'", "'wasm-unsafe-eval'"]);
  assert.deepEqual(directives.get('connect-src'), ["'self'", ...HUB_ORIGINS], 'fetches: this site and the model hub only');
  for (const [name, sources] of directives) {
    if (name === 'connect-src') continue;
    for (const s of sources) assert.ok(["'self'", "'none'", "'wasm-unsafe-eval'"].includes(s), `${name} allows ${s}: only this origin, nothing inline or evaluated`);
  }

  const outcome = await page.evaluate(() => {
    let seen = 0;
    const twoReported = new Promise<void>((resolve) => document.addEventListener('securitypolicyviolation', () => ++seen === 2 && resolve()));
    const script = document.createElement('script');
    script.textContent = 'window.__inlineRan = true';
    document.head.append(script);
    // From a task, not from the DevTools call itself: DevTools may evaluate strings under any CSP.
    const evalError = new Promise<string>((resolve) =>
      setTimeout(() => {
        try {
          (0, eval)('1');
          resolve('');
        } catch (e) {
          resolve(String(e));
        }
      }),
    );
    return Promise.all([evalError, twoReported]).then(([error]) => ({ error, inlineRan: (window as unknown as { __inlineRan?: boolean }).__inlineRan === true }));
  });
  assert.equal(outcome.inlineRan, false, 'an injected inline script ran');
  assert.match(outcome.error, /EvalError.*Content Security Policy/);
  // Chromium logs the refused inline script to the console; a caught EvalError is only an event.
  await eventually(() => watch.violations.length >= 2 && watch.consoleCsp.length >= 1, () => `the watchers saw ${JSON.stringify(watch)}`);
  assert.ok(watch.violations.some((v) => v.startsWith('script-src-elem refused inline')), watch.violations.join('; '));
  assert.ok(watch.violations.some((v) => v.startsWith('script-src refused eval')), watch.violations.join('; '));
});

test('headless.html: render and ONNX on WASM with threads, isolated and without CSP violations', async () => {
  const { page, watch } = await openWatched('headless.html?workers=2');
  await page.waitForFunction(() => (window as unknown as { sgp?: { ready: boolean } }).sgp?.ready === true, null, { timeout: 60_000 });
  const r = await page.evaluate(() =>
    (window as unknown as Win).sgp.render('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="#00f"/></svg>', { sample: [[112, 112]] }),
  );
  assert.ok(r.ok, JSON.stringify(r.error));
  assert.deepEqual(r.samples[0], [0, 0, 255, 255]);

  const model = [...readFileSync('tests/fixtures/onnx/affine.onnx')];
  const golden = JSON.parse(readFileSync('tests/fixtures/onnx/affine.golden.json', 'utf8')) as { x: number[]; dims: number[]; probs: number[] };
  const info = await page.evaluate((m) => (window as unknown as Win).sgp.onnxLoad('affine', m, 'wasm'), model);
  assert.equal(info.device, 'wasm');
  const probs = await page.evaluate(
    ([x, dims]) => (window as unknown as Win).sgp.onnxRun('affine', { x: { type: 'float32', dims, data: x } }).then((o) => Array.from(o.probs!.data)),
    [golden.x, golden.dims] as const,
  );
  const worst = Math.max(...golden.probs.map((p, i) => Math.abs(p - probs[i]!)));
  assert.ok(worst < 1e-5, `probs differ from numpy by ${worst}`);

  // ORT's Emscripten threads are workers started from the script that holds ORT's WASM build: the ml
  // worker's own (a bundled build) or ORT's plain-WASM bundle (loaded lazily), so more than one worker
  // from those scripts means the thread pool exists.
  const ml = page.workers().filter((w) => /\/(ml\.worker-[^/]*\.js|ort\.wasm\.bundle[^/]*\.js)$/.test(w.url()));
  assert.ok(ml.length >= 2, `ORT started no WASM threads: ${ml.length} worker(s) from the ml worker's or ORT's script (${page.workers().map((w) => w.url()).join(', ')})`);
  const mlIsolated = await Promise.any(ml.map((w) => w.evaluate(() => (self.name === 'ml' ? self.crossOriginIsolated : Promise.reject(new Error(self.name))))));
  assert.equal(mlIsolated, true, 'the ml worker is cross-origin isolated');
  assertClean(watch);
});

test("workers need nothing wider either: with the page's policy sent as a header on every script, resvg and ORT run", async () => {
  // A meta policy does not reach workers; a host that can send headers should send the same policy
  // for them. This checks that it is enough for resvg-wasm and for ORT on WASM (threads) and WebGPU.
  const { page, csp, close } = await openUnderScriptCsp(session);
  try {
    const r = await page.evaluate(() => (window as unknown as Win).sgp.render('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="#0f0"/></svg>', { sample: [[112, 112]] }));
    assert.deepEqual(r.samples[0], [0, 255, 0, 255], JSON.stringify(r.error));
    const model = [...readFileSync('tests/fixtures/onnx/affine.onnx')];
    for (const device of ['wasm', 'webgpu'] as const) {
      const info = await page.evaluate(([m, d]) => (window as unknown as Win).sgp.onnxLoad(d, m, d), [model, device] as const);
      assert.equal(info.device, device);
    }
    // The policy really reached the ml worker: a string eval there is refused.
    const evalInWorker = await Promise.any(
      page.workers().map((w) =>
        w.evaluate(() =>
          self.name !== 'ml'
            ? Promise.reject(new Error(self.name))
            : new Promise<string>((resolve) =>
                setTimeout(() => {
                  try {
                    (0, eval)('1');
                    resolve('eval ran');
                  } catch (e) {
                    resolve(String(e));
                  }
                }),
              ),
        ),
      ),
    );
    assert.match(evalInWorker, /EvalError/);
    assert.deepEqual(csp, []);
  } finally {
    await close();
  }
});

test('the dev server keeps working under the same policy: isolated by its headers, no service worker', async () => {
  const dev = await createServer({ logLevel: 'silent', server: { host: '127.0.0.1', port: 0, strictPort: false } });
  await dev.listen();
  const page = await session.browser.newPage();
  try {
    const csp: string[] = [];
    page.on('console', (m) => void (/Content Security Policy/i.test(m.text()) && csp.push(m.text().slice(0, 300))));
    await page.goto(new URL('index.html', dev.resolvedUrls!.local[0]).href);
    await page.fill('[data-testid=editor]', '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="#00f"/></svg>', { timeout: 120_000 });
    await page.waitForFunction(() => document.querySelector<HTMLCanvasElement>('[data-testid=render]')?.getContext('2d')!.getImageData(112, 112, 1, 1).data[2] === 255, null, { timeout: 120_000 });
    assert.equal(await page.evaluate(() => crossOriginIsolated), true);
    assert.equal(await page.evaluate(() => navigator.serviceWorker.getRegistrations().then((r) => r.length)), 0, 'no service worker in the way of its updates');
    assert.match((await page.getAttribute('meta[http-equiv=Content-Security-Policy]', 'content')) ?? '', /style-src 'self' 'unsafe-inline'/, 'dev widens style-src for HMR');
    assert.deepEqual(csp, []);
  } finally {
    await page.close();
    await dev.close();
  }
});
