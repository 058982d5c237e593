// The offline demo: the built site on a static host that sends no special headers. A first visit is
// isolated after one reload and installable; after one group sampled online, the network is cut and the
// page reloads from the service worker's caches, still isolated, and the Playground renders and samples and
// the Train tab takes a step (its files, like the policy's, come from the model cache).
// Then a new deploy (a changed index.html, with the precache revision a rebuild gives it) reaches a
// later online load.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { openSession, waitForIsolation, type Session } from '../../scripts/lib/browser';

const G = 2;
const PLAYGROUND = `g=${G}&backend=wasm&sampleSeed=7`;
/** The files a deploy below changes are copies; everything else in dist/ is linked. */
const DEPLOYED = ['index.html', 'sw.js'];
const site = mkdtempSync(join(tmpdir(), 'sgp-site-'));
let session: Session;
let page: Page;
/** Requests that reached the server while the browser was offline: each one is a file the caches lacked. */
const reachedWhileOffline: string[] = [];
let offline = false;

before(async () => {
  for (const name of readdirSync('dist')) {
    if (DEPLOYED.includes(name)) copyFileSync(join('dist', name), join(site, name));
    else symlinkSync(resolve('dist', name), join(site, name));
  }
  session = await openSession({ server: 'plain', dir: site, onRequest: (path) => void (offline && reachedWhileOffline.push(path)) });
  page = await session.newPage(`index.html#${PLAYGROUND}`);
});
after(async () => {
  await session?.close();
  rmSync(site, { recursive: true, force: true });
});

/** Samples a group for `prompt` in the Playground and returns how many of its cards are valid and drew something. */
async function sampleGroup(prompt: string): Promise<number> {
  await page.fill('[data-testid=sample-prompt]', prompt);
  // A reload shows the last group as 'done' already: wait for this group to start before waiting for its end.
  await page.evaluate(() => {
    const status = document.querySelector('[data-testid=sample-status]')!;
    new MutationObserver((_, observer) => {
      if (status.getAttribute('data-phase') !== 'loading') return;
      status.setAttribute('data-started', '');
      observer.disconnect();
    }).observe(status, { attributes: true, attributeFilter: ['data-phase'] });
  });
  await page.click('[data-testid=sample-run]');
  await page.waitForFunction(() => {
    const status = document.querySelector('[data-testid=sample-status][data-started]');
    return ['done', 'error', 'stopped'].includes(status?.getAttribute('data-phase') ?? '');
  }, null, { timeout: 300_000 });
  const failed = (what: string) => page.$eval(`[data-testid=${what}-status]`, (el, w) => (el.getAttribute('data-phase') === 'error' ? (document.querySelector(`[data-testid=${w}-error]`)?.textContent ?? 'no message') : null), what);
  assert.equal(await failed('sample'), null, 'sampling failed');
  // Scored means rendered: the cards' canvases are drawn by then.
  await page.waitForFunction(() => ['done', 'error'].includes(document.querySelector('[data-testid=reward-status]')?.getAttribute('data-phase') ?? ''), null, { timeout: 180_000 });
  assert.equal(await failed('reward'), null, 'scoring failed');
  return page.$$eval('[data-testid=sample-card][data-state=valid] canvas', (canvases) =>
    (canvases as HTMLCanvasElement[]).filter((c) => {
      const data = c.width ? c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data : new Uint8ClampedArray();
      return data.some((v, i) => i % 4 !== 3 && v < 250);
    }).length,
  );
}

/** One GRPO step on the Train tab (one prompt, G = 2), then back to the Playground. */
async function trainStep(): Promise<void> {
  await page.evaluate((h) => (location.hash = h), `${PLAYGROUND}&tab=train&rlGroup=2&rlPerStep=1&rlSteps=5`);
  await page.waitForSelector('[data-testid=rl-step]:not([disabled])');
  const done = Number(/step (\d+) \//.exec((await page.textContent('[data-testid=rl-progress]')) ?? '')?.[1]);
  assert.ok(Number.isInteger(done), 'the Train tab shows its step');
  await page.click('[data-testid=rl-step]');
  await page.waitForFunction((n) => document.querySelector('[data-testid=rl-error]') || (document.querySelector('[data-testid=rl-progress]')?.textContent ?? '').startsWith(`step ${n} / 5 · paused`), done + 1, { timeout: 300_000 });
  assert.deepEqual(await page.$$eval('[data-testid=rl-error]', (els) => els.map((e) => e.textContent)), [], 'the step failed');
  await page.evaluate((h) => (location.hash = h), PLAYGROUND);
  await page.waitForSelector('[data-testid=editor]');
}

test('first visit: isolated after one reload, served by sw.js, installable', async () => {
  await waitForIsolation(page, 60_000);
  assert.equal(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL), new URL('sw.js', session.baseUrl).href);
  const cdp = await page.context().newCDPSession(page);
  const manifest = await cdp.send('Page.getAppManifest');
  assert.deepEqual(manifest.errors, [], 'manifest errors');
  assert.equal(manifest.url, new URL('manifest.webmanifest', session.baseUrl).href);
  // Playwright's contexts are off the record, where Chromium installs nothing; every other criterion is checked.
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
  assert.deepEqual(installabilityErrors.map((e) => e.errorId), ['in-incognito'], 'Chromium would not offer to install the app');
});

test('online: a group samples and a Train step runs, which loads the policy and the learner once', async () => {
  assert.ok((await sampleGroup('a red circle above a blue square')) >= 1, 'no valid card drew anything');
  await trainStep();
});

test('offline: a reload comes from the caches, isolated; the editor renders, a group samples and a Train step runs', async () => {
  offline = true;
  await page.context().setOffline(true);
  await page.reload();
  await waitForIsolation(page);
  await page.fill('[data-testid=editor]', '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="#00f"/></svg>');
  await page.waitForFunction(() => document.querySelector<HTMLCanvasElement>('.playground .output [data-testid=render]')?.getContext('2d')!.getImageData(112, 112, 1, 1).data.join() === '0,0,255,255');
  assert.ok((await sampleGroup('two green triangles')) >= 1, 'no valid card drew anything offline');
  await trainStep();
  // Chromium's own check for a new sw.js on navigation is not covered by Playwright's offline switch; offline, it fails quietly.
  assert.deepEqual(reachedWhileOffline.filter((path) => path !== '/sw.js'), [], 'requests that reached the server while offline');
  assert.deepEqual(session.offsiteRequests, []);
});

test('a new deploy reaches the next online load', async () => {
  offline = false;
  await page.close();
  // A tab of its own: after sampling, Chromium sometimes took over 30 s to let the new worker take over
  // (the page then keeps its version; see takeUpdate in src/isolation.ts).
  page = await session.newPage('index.html');
  await waitForIsolation(page, 60_000);
  // What a rebuild with a changed index.html writes: the new file, and its new revision in sw.js's precache list.
  const html = readFileSync(join(site, 'index.html'), 'utf8').replace('<title>SGP Studio</title>', '<title>SGP Studio, next deploy</title>');
  assert.ok(html.includes('next deploy'), 'dist/index.html has the expected <title>');
  const sw = readFileSync(join(site, 'sw.js'), 'utf8');
  const revised = sw.replace(/"revision":"[0-9a-f]+","url":"index.html"/, `"revision":"${createHash('md5').update(html).digest('hex')}","url":"index.html"`);
  assert.notEqual(revised, sw, "sw.js lists index.html's revision as expected");
  writeFileSync(join(site, 'index.html'), html);
  writeFileSync(join(site, 'sw.js'), revised);

  // Each document marks <html> once a new worker has installed and waits (a flag that outlives no navigation).
  await page.addInitScript(() => {
    void navigator.serviceWorker.getRegistration().then((r) => {
      if (!r) return;
      r.addEventListener('updatefound', () => r.installing?.addEventListener('statechange', () => void (r.waiting && (document.documentElement.dataset.updateWaiting = ''))));
      r.installing?.addEventListener('statechange', () => void (r.waiting && (document.documentElement.dataset.updateWaiting = '')));
      if (r.waiting) document.documentElement.dataset.updateWaiting = '';
    });
  });
  // This load shows the old deploy from the cache; the browser finds the new sw.js after it and installs it
  // in the background, while the page keeps the version it started with.
  await page.reload();
  await page.waitForFunction(() => document.documentElement.dataset.updateWaiting !== undefined, null, { timeout: 30_000 });
  assert.equal(await page.title(), 'SGP Studio');
  // The next load hands the site to the new worker and reloads once into the new deploy.
  await page.reload();
  await page.waitForFunction(() => document.title === 'SGP Studio, next deploy' && globalThis.crossOriginIsolated, null, { timeout: 30_000 });
  assert.equal(await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r?.waiting ?? null)), null, 'no worker left waiting');
});
