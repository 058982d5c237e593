// On a static host that sends no COOP/COEP headers, the page is isolated through the service worker (sw.js),
// and that is enough for the Python worker: Pyodide loads from this origin and the interrupt
// buffer (a SharedArrayBuffer) stops a runaway program without killing its worker.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { openSession, openHeadless, type Session } from '../../scripts/lib/browser';
import { openUnderScriptCsp, type Win } from './setup';

let session: Session | undefined;
after(() => session?.close());

test('plain static host: a runaway program is interrupted and the worker runs the next one', async () => {
  session = await openSession({ server: 'plain' });
  const page = await openHeadless(session, { workers: 1 });
  const r = await page.evaluate(async () => {
    const sgp = (window as unknown as Win).sgp;
    sgp.pythonConfigure({ spare: false });
    // A long grace: this checks that the interrupt works on a plain host, not how fast a busy CI machine answers.
    const runaway = await sgp.python('while True: pass', { timeoutMs: 1000, graceMs: 10_000 });
    const next = await sgp.python('print("next")');
    return { runaway: runaway.error, next: next.stdout, stats: sgp.pythonStats() };
  });
  assert.equal(r.runaway?.code, 'timeout');
  assert.equal(r.runaway?.stop, 'interrupt', 'stopped by the interrupt buffer, not by killing the worker');
  assert.equal(r.next, 'next\n');
  assert.equal(r.stats.respawns, 0);
  assert.deepEqual(session.offsiteRequests, []);
});

test("with the page's CSP sent as a header on every script, Pyodide's core starts and runs without eval", async () => {
  // A host that can send headers should send the page's policy for workers too (README, Deploying):
  // Pyodide's core needs no 'unsafe-eval' (only a package's EM_ASM code would, when it is loaded).
  session ??= await openSession({ server: 'plain' });
  const { page, csp, close } = await openUnderScriptCsp(session);
  try {
    const r = await page.evaluate(async () => {
      const sgp = (window as unknown as Win).sgp;
      sgp.pythonConfigure({ spare: false });
      return sgp.python('import json\nprint(json.dumps({"ok": 1}))\nimport js');
    });
    assert.equal(r.stdout, '{"ok": 1}\n');
    assert.equal(r.error?.code, 'refused', JSON.stringify(r.error));
    assert.deepEqual(csp, []);
  } finally {
    await close();
  }
});
