// Shared fixture for browser tests: one Chromium session and one headless page per test file.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { openSession, openHeadless, waitForIsolation, type Session } from '../../scripts/lib/browser';
import { servePlainStatic } from '../../scripts/lib/static-server';
import type { HeadlessApi } from '../../src/headless';

export type Win = { sgp: HeadlessApi };

/** Registers before/after hooks; the returned object is filled in once the page is ready. */
export function useHeadlessPage(params: Record<string, string | number> = { workers: 2 }): { session: Session; page: Page } {
  const ctx = {} as { session: Session; page: Page };
  before(async () => {
    ctx.session = await openSession();
    ctx.page = await openHeadless(ctx.session, params);
  });
  after(async () => ctx.session?.close());
  return ctx;
}

/**
 * headless.html from a plain static server that sends the page's own CSP (its meta tag) as a header on
 * every script, as a host that can send headers should: a meta policy does not reach workers. `csp`
 * collects the CSP messages the console shows; `close` ends page and server.
 */
export async function openUnderScriptCsp(session: Session): Promise<{ page: Page; csp: string[]; close(): Promise<void> }> {
  const policy = readFileSync('dist/index.html', 'utf8').match(/http-equiv="Content-Security-Policy" content="([^"]+)"/)?.[1];
  assert.ok(policy, 'dist/index.html has a CSP meta tag');
  const server = await servePlainStatic('dist', (path): Record<string, string> => (/\.m?js$/.test(path) ? { 'Content-Security-Policy': policy } : {}));
  const page = await session.browser.newPage();
  const csp: string[] = [];
  page.on('console', (m) => void (/Content Security Policy/i.test(m.text()) && csp.push(m.text().slice(0, 300))));
  const close = async (): Promise<void> => {
    await page.close();
    await server.close();
  };
  try {
    await page.goto(new URL('headless.html?workers=1', server.baseUrl).href);
    await waitForIsolation(page, 60_000);
    await page.waitForFunction(() => (window as unknown as { sgp?: { ready: boolean } }).sgp?.ready === true, null, { timeout: 60_000 });
  } catch (err) {
    await close();
    throw err;
  }
  return { page, csp, close };
}
