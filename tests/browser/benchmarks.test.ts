import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { openSession, type Session } from '../../scripts/lib/browser';

let session: Session;
let page: Page;
const bundled = JSON.parse(readFileSync('public/bench/sgp-minibench.json', 'utf8')) as { items: { split: string }[] };

before(async () => {
  session = await openSession();
  page = await session.newPage('index.html#tab=benchmarks');
});
after(async () => session?.close());

test('the bundled SGP-MiniBench loads and its counts per split are shown', async () => {
  await page.waitForSelector('[data-testid=bench-bundled]');
  assert.equal(await page.textContent('[data-testid=bench-bundled] [data-testid=bench-total]'), String(bundled.items.length));
  for (const split of ['object', 'scene', 'compositional', 'heldout']) {
    const expected = bundled.items.filter((it) => it.split === split).length;
    const shown = await page.textContent(`[data-testid=bench-bundled] h3[data-split=${split}] [data-testid=split-count]`);
    assert.equal(shown, String(expected), split);
  }
  assert.ok(await page.isVisible('[data-testid=bench-bundled] li[data-category=numeracy]'));
});

/** Keys of idb-keyval's default store, read straight from IndexedDB. */
const storedKeys = (): Promise<string[]> =>
  page.evaluate(
    () =>
      new Promise<string[]>((resolve, reject) => {
        const open = indexedDB.open('keyval-store');
        open.onupgradeneeded = () => open.result.createObjectStore('keyval');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const req = open.result.transaction('keyval').objectStore('keyval').getAllKeys();
          req.onsuccess = () => { resolve(req.result.map(String)); open.result.close(); };
          req.onerror = () => reject(req.error);
        };
      }),
  );
const sample = readFileSync('tests/fixtures/compbench/sample.json', 'utf8');
const total = (JSON.parse(sample) as unknown[]).length;

test('an SGP-CompBench prompt file imports, survives a reload, and a bad file says why and changes nothing', { timeout: 120_000 }, async () => {
  await page.setInputFiles('[data-testid=import-bench]', 'tests/fixtures/compbench/sample.json');
  await page.waitForSelector('[data-testid=bench-imported]');
  assert.equal(await page.textContent('[data-testid=bench-imported] [data-testid=bench-total]'), String(total));
  await page.reload();
  await page.waitForSelector('[data-testid=bench-imported]');
  const keys = await storedKeys();
  assert.deepEqual(keys, ['sgp-studio.benchmarks.imported:sample']);

  await page.setInputFiles('[data-testid=import-bench]', { name: 'junk.json', mimeType: 'application/json', buffer: Buffer.from('{"items": 3}') });
  const error = await page.waitForSelector('[data-testid=bench-error]');
  assert.match((await error.textContent()) ?? '', /Import failed: .*items/);

  // A file whose fifth item names an unknown kind: refused with the item, its id, the field and the choices.
  const mini = JSON.parse(readFileSync('public/bench/sgp-minibench.json', 'utf8')) as { items: { spec: { groups: { kind: string }[] } }[] };
  const items = mini.items.slice(0, 6);
  items[4]!.spec.groups[0]!.kind = 'dragon';
  await page.setInputFiles('[data-testid=import-bench]', { name: 'bad-kind.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ name: 'bad', items })) });
  await page.waitForFunction(() => /dragon/.test(document.querySelector('[data-testid=bench-error]')?.textContent ?? ''));
  assert.match((await page.textContent('[data-testid=bench-error]')) ?? '', /^Import failed: benchmark: item 4 \(id "object-0004"\): spec\.groups\[0\]\.kind "dragon" is unknown; one of: circle, square/);
  assert.equal(await page.locator('[data-testid=bench-imported]').count(), 1, 'nothing new is shown');
  assert.deepEqual(await storedKeys(), keys, 'nothing new is stored');
  assert.equal(await page.textContent('[data-testid=bench-imported] [data-testid=bench-total]'), String(total), 'the previous import is kept');
});

test('a stored entry corrupted in IndexedDB is listed as broken after a reload, and Forget removes it', { timeout: 120_000 }, async () => {
  const key = 'sgp-studio.benchmarks.imported:sample';
  // Give the stored benchmark a duplicate id, as older versions let through.
  await page.evaluate(
    (k) =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('keyval-store');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          try {
            const store = open.result.transaction('keyval', 'readwrite').objectStore('keyval');
            const req = store.get(k);
            req.onerror = () => reject(req.error);
            req.onsuccess = () => {
              const value = req.result as { items: { id: string }[] } | undefined;
              if (!value) return reject(new Error(`nothing stored under ${k}`));
              value.items[1]!.id = value.items[0]!.id;
              store.put(value, k);
              store.transaction.oncomplete = () => { open.result.close(); resolve(); };
            };
          } catch (err) {
            reject(err);
          }
        };
      }),
    key,
  );
  await page.reload();
  const broken = await page.waitForSelector('[data-testid=bench-broken]');
  assert.match((await broken.textContent()) ?? '', /sample.*item 1 \(id "color_binding_template_1"\): id repeats item 0's/s);
  // The bundled benchmark loads on its own: a broken import must not hide it.
  await page.waitForSelector('[data-testid=bench-bundled]', { timeout: 15_000 });
  await page.click('[data-testid=bench-broken] [data-testid=forget]');
  await page.waitForSelector('[data-testid=bench-broken]', { state: 'detached' });
  assert.deepEqual(await storedKeys(), []);
  await page.reload();
  await page.waitForSelector('[data-testid=bench-bundled]');
  assert.equal(await page.locator('[data-testid=bench-broken], [data-testid=bench-imported]').count(), 0);
});
