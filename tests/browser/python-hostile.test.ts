// The hostile Python corpus (tests/fixtures/hostile-python) against the real Pyodide worker:
// every program is stopped or refused within 5 s with a clear message, none reaches the network or
// the page's storage, and the runner serves the next program afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { useHeadlessPage, type Win } from './setup';
import { parseExpectation, checkOutcome } from '../fixtures/hostile-python/expect';

const DIR = 'tests/fixtures/hostile-python';
const cases = readdirSync(DIR).filter((f) => f.endsWith('.py')).sort();
const ctx = useHeadlessPage({ workers: 1 });

interface Canaries {
  local: string | null;
  cache: string | null;
  idb: string | null;
  opfs: string | null;
}

/**
 * Reads (or with `write`, first writes) a canary in each store a program must not reach. Plain
 * statements only: a named helper inside page.evaluate would need tsx's `__name`, absent in the page.
 */
function canaries(write: boolean): Promise<Canaries> {
  return ctx.page.evaluate(async (write) => {
    const value = 'canary-7f3a';
    if (write) localStorage.setItem('sgp-canary', value);
    const cache = await caches.open('sgp-models-canary');
    if (write) await cache.put('/canary', new Response(value));
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('sgp-canary', 1);
      req.onupgradeneeded = () => req.result.createObjectStore('kv');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    await new Promise<unknown>((resolve, reject) => {
      const tx = db.transaction('kv', 'readwrite');
      if (write) tx.objectStore('kv').put(value, 'canary');
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    });
    const idb = await new Promise<unknown>((resolve, reject) => {
      const req = db.transaction('kv', 'readonly').objectStore('kv').get('canary');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    db.close();
    const root = await navigator.storage.getDirectory();
    const fileHandle = await root.getFileHandle('canary.txt', { create: true });
    if (write) {
      const w = await fileHandle.createWritable();
      await w.write(value);
      await w.close();
    }
    const names: string[] = [];
    for await (const name of (root as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(name);
    return {
      local: localStorage.getItem('sgp-canary'),
      cache: (await (await cache.match('/canary'))?.text()) ?? null,
      idb: (idb as string | undefined) ?? null,
      opfs: `${await (await fileHandle.getFile()).text()} [${names.sort().join(',')}]`,
    };
  }, write);
}

let written: Canaries;
test('canaries are written and the Python workers start', async () => {
  written = await canaries(true);
  assert.equal(written.local, 'canary-7f3a');
  await ctx.page.evaluate(() => (window as unknown as Win).sgp.pythonWarm());
});

for (const file of cases) {
  test(file, async (t) => {
    const source = readFileSync(`${DIR}/${file}`, 'utf8');
    const expected = parseExpectation(source, file);
    const r = await ctx.page.evaluate((code) => (window as unknown as Win).sgp.python(code), source);
    const detail = JSON.stringify({ ...r, stdout: r.stdout.slice(0, 300), stderr: r.stderr.slice(0, 300), error: r.error && { ...r.error, traceback: r.error.traceback?.slice(-300) } });
    assert.ok(r.ms < 5000, `${file} took ${Math.round(r.ms)} ms (limit 5000): ${detail}`);
    assert.doesNotMatch(r.stdout, /ESCAPED/, `${file} escaped: ${detail}`);
    if (r.error) assert.ok(r.error.message.length > 10 && r.error.message.length <= 400, `unclear or overlong message: ${detail}`);
    t.diagnostic(`${r.error ? `${r.error.code}${r.error.stop ? `/${r.error.stop}` : ''}` : 'ok'} in ${Math.round(r.ms)} ms: ${r.error?.message ?? r.stdout.slice(0, 80)}`);
    checkOutcome(expected, r, detail);
    const next = await ctx.page.evaluate(() => (window as unknown as Win).sgp.python('print(sum(range(10)))'));
    assert.equal(next.ok, true, `the next program failed after ${file}: ${JSON.stringify(next.error)}`);
    assert.equal(next.stdout, '45\n');
  });
}

test('nothing reached the network or the page storage', async () => {
  assert.deepEqual(ctx.session.offsiteRequests, []);
  assert.deepEqual(await canaries(false), written);
});
