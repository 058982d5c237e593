// The Train tab as a user drives it: Step takes one GRPO step (G = 4, one prompt) and shows the held-out
// renders before, the charts and the group with its advantages; a reload resumes from the checkpoint.
// The backend is the default ('auto'): on this CPU-emulated adapter (or none) the learner must choose WASM.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { openSession, type Session } from '../../scripts/lib/browser';

let session: Session;
let page: Page;
before(async () => {
  session = await openSession();
  page = await session.newPage('index.html#tab=train&rlGroup=4&rlPerStep=1&rlSteps=3&rlSeed=5');
});
after(async () => session?.close());

const progress = () => page.textContent('[data-testid=rl-progress]');

test('Step: one GRPO step with held-out renders, charts and the group\'s advantages; a reload resumes at step 1', async () => {
  await page.click('[data-testid=rl-step]');
  await page.waitForFunction(() => /step 1 \/ 3 · paused/.test(document.querySelector('[data-testid=rl-progress]')?.textContent ?? ''), null, { timeout: 300_000 });
  assert.equal(await page.locator('[data-testid=rl-error]').count(), 0);
  const learner = (await page.textContent('[data-testid=rl-learner]')) ?? '';
  assert.match(learner, /train step on WASM, sampling on WASM/);
  const emulatedAdapter = await page.evaluate(async () => {
    const adapter = await (navigator as Navigator & { gpu?: GPU }).gpu?.requestAdapter();
    return adapter ? adapter.info.architecture === 'swiftshader' || (adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter === true : false;
  });
  if (emulatedAdapter) assert.match(learner, /CPU-emulated/, 'says why auto chose WASM');
  assert.equal(await page.locator('[data-testid=rl-before]').count(), 4, 'four held-out prompts rendered before training');
  const cards = page.locator('[data-testid=rl-group-card]');
  assert.equal(await cards.count(), 4);
  const advantages = await page.locator('[data-testid=rl-group-card] [data-testid=advantage]').allTextContents();
  if (advantages.length) assert.ok(Math.abs(advantages.reduce((s, a) => s + Number(a), 0)) < 0.05, `advantages sum to ~0: ${advantages}`);
  assert.ok((await page.locator('[data-testid=chart] canvas').count()) >= 7, 'the charts are drawn');
  assert.match(page.url(), /rlGroup=4/);

  await page.reload();
  await page.waitForSelector('[data-testid=rl-notice]', { timeout: 60_000 });
  assert.match((await page.textContent('[data-testid=rl-notice]')) ?? '', /Resumed from the checkpoint of step 1/);
  assert.match((await progress()) ?? '', /step 1 \/ 3 · paused/);
});
