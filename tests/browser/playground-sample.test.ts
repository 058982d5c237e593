// The Playground's Sample panel on the bundled default policy (WASM): a prompt gives G cards that
// render real programs, with tokens/s shown and each card's reward; with the network cut after the first load, a re-roll
// still samples (the model, tokenizer, renderer and font are already in the tab); a reload shows the last group again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { openSession, type Session } from '../../scripts/lib/browser';

const G = 3;
let session: Session;
let page: Page;

before(async () => {
  session = await openSession();
  page = await session.newPage(`index.html#g=${G}&backend=wasm&sampleSeed=7`);
});
after(async () => session?.close());

/** Waits until the group is done and its reward scored; a failure shows its error, which fails the test with its text. */
async function waitForGroup(): Promise<void> {
  await page.waitForFunction(() => ['done', 'error', 'stopped'].includes(document.querySelector('[data-testid=sample-status]')?.getAttribute('data-phase') ?? ''), null, { timeout: 300_000 });
  const error = await page.locator('[data-testid=sample-error]').textContent({ timeout: 1 }).catch(() => null);
  assert.equal(error, null, `sampling failed: ${error}`);
  await page.waitForFunction(() => ['done', 'error'].includes(document.querySelector('[data-testid=reward-status]')?.getAttribute('data-phase') ?? ''), null, { timeout: 180_000 });
  const rewardError = await page.locator('[data-testid=reward-error]').textContent({ timeout: 1 }).catch(() => null);
  assert.equal(rewardError, null, `scoring failed: ${rewardError}`);
}

/** For each finished card: its state, its rate text, and how many of its canvas pixels are not white. */
function readCards(): Promise<{ state: string; rate: string; ink: number }[]> {
  return page.$$eval('[data-testid=sample-card]', (cards) =>
    cards.map((card) => {
      const c = card.querySelector('canvas')!;
      const data = c.width ? c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data : new Uint8ClampedArray();
      let ink = 0;
      for (let p = 0; p < data.length; p += 4) if (data[p]! < 250 || data[p + 1]! < 250 || data[p + 2]! < 250) ink++;
      return { state: card.getAttribute('data-state') ?? '', rate: card.querySelector('[data-testid=card-rate]')?.textContent ?? '', ink };
    }),
  );
}

function assertValidCards(cards: { state: string; rate: string; ink: number }[]): void {
  assert.equal(cards.length, G, 'one card per sample');
  const valid = cards.filter((c) => c.state === 'valid');
  assert.ok(valid.length >= 1, `no valid card: ${JSON.stringify(cards)}`);
  assert.ok(valid.some((c) => c.ink > 0), `valid cards drew nothing but white: ${JSON.stringify(valid)}`);
  for (const c of valid) assert.match(c.rate, /^\d+ tok · [1-9]\d* tok\/s$/);
}

test('a prompt samples G cards from the bundled default whose programs render', async () => {
  await page.fill('[data-testid=sample-prompt]', 'a red circle above a blue square');
  // Records a card canvas drawn while its card is still writing: the partial program, repaired.
  await page.evaluate(() => {
    const seen = window as unknown as { partialDraws: number };
    seen.partialDraws = 0;
    new MutationObserver((records) => {
      for (const r of records) if (r.target instanceof HTMLCanvasElement && r.target.closest('[data-testid=sample-card][data-state=running]')) seen.partialDraws++;
    }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['width'] });
  });
  await page.click('[data-testid=sample-run]');
  await waitForGroup();
  assertValidCards(await readCards());
  const rewards = await page.$$eval('[data-testid=card-score]', (els) => els.map((e) => Number(e.getAttribute('data-reward'))));
  assert.equal(rewards.length, G, 'every card shows its reward');
  for (const r of rewards) assert.ok(r >= 0 && r <= 1, `reward ${r} outside [0, 1]`);
  assert.ok((await page.evaluate(() => (window as unknown as { partialDraws: number }).partialDraws)) > 0, 'no card drew while its program was still growing');
  assert.match((await page.textContent('[data-testid=sample-rate]')) ?? '', /^[1-9]\d* tok\/s$/);
  assert.match((await page.textContent('[data-testid=sample-ttft]')) ?? '', /^first token \d+ ms$/);
  const hash = new URLSearchParams(new URL(page.url()).hash.slice(1));
  assert.deepEqual([hash.get('g'), hash.get('backend')], [String(G), 'wasm'], 'the settings stay in the URL');
  await page.setViewportSize({ width: 1280, height: 1400 });
  await page.screenshot({ path: '/tmp/playui.png', fullPage: true });
});

test('a reload brings back the prompt box and the scored group as they were', async () => {
  const read = () => Promise.all([
    page.inputValue('[data-testid=sample-prompt]'),
    page.$$eval('[data-testid=sample-card]', (cards) => cards.map((c) => [c.querySelector('[data-testid=card-program]')?.textContent, c.querySelector('[data-testid=card-rate]')?.textContent, c.getAttribute('data-state')])),
    page.$$eval('[data-testid=card-score]', (els) => els.map((e) => e.getAttribute('data-reward'))),
  ]);
  const before = await read();
  assert.equal(before[0], 'a red circle above a blue square');
  await page.reload();
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=card-score]').length === n, G, { timeout: 60_000 });
  assert.deepEqual(await read(), before);
  assert.equal(await page.getAttribute('[data-testid=sample-status]', 'data-phase'), 'done');
  assert.equal(await page.getAttribute('[data-testid=reward-status]', 'data-phase'), 'done', 'the saved scores are shown, not computed again');
});

test('a world prompt adds the verifier score to each valid card', async () => {
  await page.click('text=World prompt');
  assert.equal(await page.inputValue('[data-testid=sample-prompt]'), await page.textContent('[data-testid=prompt]'));
  await page.click('[data-testid=sample-run]');
  await waitForGroup();
  const scores = await page.$$eval('[data-testid=sample-card][data-state=valid] [data-testid=card-verdict]', (els) => els.map((e) => Number(e.textContent)));
  const valid = await page.locator('[data-testid=sample-card][data-state=valid]').count();
  assert.ok(valid >= 1, 'no valid card for the world prompt');
  assert.equal(scores.length, valid, 'every valid card shows a verdict');
  for (const s of scores) assert.ok(s >= 0 && s <= 1, `score ${s} outside [0, 1]`);
});

test("Open in editor puts the card's program in the editor", async () => {
  const program = await page.locator('[data-testid=sample-card][data-state=valid] [data-testid=card-program]').first().textContent();
  await page.locator('[data-testid=sample-card][data-state=valid] [data-testid=open-in-editor]').first().click();
  assert.equal(await page.inputValue('[data-testid=editor]'), program);
});

test('with the network cut after the first load, a re-roll still samples', async () => {
  const before = page.url();
  await page.context().setOffline(true);
  await page.click('[data-testid=sample-reroll]');
  await page.waitForFunction((url) => location.href !== url, before); // the new sampleSeed reached the URL
  await waitForGroup();
  assertValidCards(await readCards());
  assert.deepEqual(session.offsiteRequests, []);
});

test('Stop ends the group early, keeping the partial programs', async () => {
  // A group of G = 3 can finish (≈ 1 s) before the click lands; 64 rows take seconds, so Stop arrives mid-group.
  const BIG = 64;
  await page.evaluate((g) => (location.hash = location.hash.replace(/(^#|&)g=\d+/, `$1g=${g}`)), BIG);
  await page.waitForFunction((g) => document.querySelector<HTMLInputElement>('[data-testid=sample-g]')?.value === String(g), BIG);
  await page.click('[data-testid=sample-run]');
  await page.waitForFunction(() => document.querySelector('[data-testid=sample-status]')?.getAttribute('data-phase') === 'sampling');
  await page.click('[data-testid=sample-stop]');
  await page.waitForFunction(() => ['done', 'error', 'stopped'].includes(document.querySelector('[data-testid=sample-status]')?.getAttribute('data-phase') ?? ''));
  assert.equal(await page.getAttribute('[data-testid=sample-status]', 'data-phase'), 'stopped');
  const cards = await readCards();
  assert.equal(cards.length, BIG);
  for (const c of cards) assert.equal(c.state, 'invalid', 'a stopped row has no complete program');
  assert.ok(await page.locator('[data-testid=sample-run]').isEnabled(), 'Sample can run again');
});

test('a policy that cannot load shows an error card, not a spinner', async () => {
  // A hub id: the download is refused (the test browser reaches only the local server).
  const other = await session.newPage(`index.html#g=2&backend=wasm&model=${encodeURIComponent('example-org/no-such-policy')}`);
  await other.fill('[data-testid=sample-prompt]', 'a red circle');
  await other.click('[data-testid=sample-run]');
  await other.waitForSelector('[data-testid=sample-error]', { timeout: 120_000 });
  assert.match((await other.textContent('[data-testid=sample-error]')) ?? '', /^Sampling failed: .*example-org\/no-such-policy/);
  assert.equal(await other.getAttribute('[data-testid=sample-status]', 'data-phase'), 'error');
  assert.equal(await other.locator('[data-testid=sample-run]').isEnabled(), true, 'Sample can be tried again');
  session.offsiteRequests.length = 0; // refused by design here
  await other.close();
});
