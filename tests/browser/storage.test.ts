// Browsers that refuse storage (privacy modes, sandboxed frames throw SecurityError on access):
// the Playground and the Benchmarks page keep working from memory and say so.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { openSession, type Session } from '../../scripts/lib/browser';

let session: Session;
let page: Page;
const pageErrors: string[] = [];

before(async () => {
  session = await openSession();
  page = await session.newPage('about:blank');
  page.on('pageerror', (err) => pageErrors.push(err.message));
  // Every access throws, as in Chromium with site data blocked.
  await page.context().addInitScript(() => {
    for (const name of ['localStorage', 'indexedDB']) {
      Object.defineProperty(window, name, {
        configurable: true,
        get() {
          throw new DOMException(`Access to '${name}' is denied for this document.`, 'SecurityError');
        },
      });
    }
  });
});
after(async () => session?.close());

test('with localStorage blocked the Playground renders and edits a program, and notes the draft is not kept', { timeout: 120_000 }, async () => {
  await page.goto(new URL('index.html', session.baseUrl).href);
  assert.equal(await page.evaluate(() => { try { return typeof localStorage; } catch (err) { return (err as Error).name; } }), 'SecurityError');
  await page.waitForSelector('[data-testid=render-info]');
  assert.match((await page.textContent('[data-testid=storage-note]')) ?? '', /kept in memory only.*SecurityError/);
  await page.fill('[data-testid=editor]', '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="#0000ff"/></svg>');
  await page.waitForFunction(() => {
    const c = document.querySelector<HTMLCanvasElement>('[data-testid=render]');
    const px = c?.getContext('2d')?.getImageData(c.width / 2, c.height / 2, 1, 1).data;
    return px?.[0] === 0 && px[1] === 0 && px[2] === 255;
  });
  assert.deepEqual(pageErrors, []);
});

test('with IndexedDB blocked an import still works for the session, with a note', { timeout: 120_000 }, async () => {
  await page.goto(new URL('index.html#tab=benchmarks', session.baseUrl).href);
  await page.waitForSelector('[data-testid=bench-bundled]');
  await page.setInputFiles('[data-testid=import-bench]', 'tests/fixtures/compbench/sample.json');
  await page.waitForSelector('[data-testid=bench-imported]');
  assert.match((await page.textContent('[data-testid=storage-note]')) ?? '', /for this session only.*IndexedDB is unavailable \(SecurityError/);
  await page.click('[data-testid=bench-imported] [data-testid=forget]');
  await page.waitForSelector('[data-testid=bench-imported]', { state: 'detached' });
  assert.deepEqual(pageErrors, []);
});
