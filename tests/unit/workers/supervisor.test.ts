// The supervisor and pool with fake workers: who hears which error, how often a worker respawns,
// and that failed starts back off instead of looping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SupervisedWorker, WorkerError, type SupervisorEvent } from '../../../src/lib/workers/supervisor';
import { WorkerPool } from '../../../src/lib/workers/pool';
import { FakeWorker, until } from './fake-worker';

/** A worker API whose jobs run one after another, as in a worker busy in wasm; 'hang…' jobs never end. */
function makeApi(seen: string[] = []) {
  let busy: Promise<unknown> = Promise.resolve();
  return {
    seen,
    api: {
      job(name: string): Promise<string> {
        seen.push(name); // received, maybe still waiting behind the job before it
        const run = busy.then(async () => {
          if (name.startsWith('hang')) await new Promise(() => {});
          return `${name} done`;
        });
        busy = run;
        return run;
      },
    },
  };
}
type Api = ReturnType<typeof makeApi>['api'];

function supervised(opts: { init?: () => Promise<void>; now?: () => number; initTimeoutMs?: number } = {}) {
  const workers: FakeWorker[] = [];
  const events: SupervisorEvent[] = [];
  const seen: string[] = [];
  const sw = new SupervisedWorker<Api>({
    name: 'test',
    spawn: () => {
      const w = new FakeWorker(makeApi(seen).api);
      workers.push(w);
      return w;
    },
    ...(opts.init ? { init: opts.init } : {}),
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.initTimeoutMs ? { initTimeoutMs: opts.initTimeoutMs } : {}),
    onEvent: (e) => events.push(e),
  });
  return { sw, workers, events, seen };
}

const codeOf = (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e instanceof WorkerError ? e.code : `other: ${String(e)}`));

test('a hung call times out; the call queued behind it hears recycled; one respawn', async () => {
  const { sw, workers } = supervised();
  const hung = codeOf(sw.call((api) => api.job('hang'), 50));
  const innocent = codeOf(sw.call((api) => api.job('b'), 5000));
  assert.equal(await hung, 'timeout');
  assert.equal(await innocent, 'recycled');
  assert.equal(sw.respawns, 1);
  assert.equal(workers[0]!.terminated, true);
  assert.equal(await sw.call((api) => api.job('next'), 1000), 'next done');
  assert.equal(workers.length, 2);
  sw.dispose();
});

test('a crash during a call is reported to that call with its message, once', async () => {
  const { sw, workers, seen } = supervised();
  const first = sw.call((api) => api.job('hang-crashes'), 5000);
  const second = codeOf(sw.call((api) => api.job('hang-behind'), 5000));
  await until(() => seen.length === 2, 'both calls reaching the worker');
  workers[0]!.crash('RuntimeError: unreachable');
  await assert.rejects(first, (e: WorkerError) => e.code === 'crashed' && /test worker crashed: RuntimeError: unreachable/.test(e.message));
  assert.equal(await second, 'recycled');
  assert.equal(sw.respawns, 1);
  assert.deepEqual(seen, ['hang-crashes', 'hang-behind'], 'nothing was re-run');
  sw.dispose();
});

test('a call that retires its worker keeps its own result; the others hear recycled', async () => {
  const { sw, seen } = supervised();
  const trapped = sw.call(async (api, scope) => {
    const r = await api.job('trap');
    scope.retire('resvg trapped');
    return r;
  }, 5000);
  const behind = codeOf(sw.call((api) => api.job('hang-behind'), 5000));
  assert.equal(await trapped, 'trap done');
  assert.equal(await behind, 'recycled');
  assert.equal(sw.respawns, 1);
  assert.deepEqual(seen, ['trap', 'hang-behind']);
  sw.dispose();
});

test('a worker that dies while idle is replaced without blaming the next call', async () => {
  const { sw, workers, events } = supervised();
  await sw.call((api) => api.job('a'), 1000);
  workers[0]!.crash('out of memory');
  assert.equal(sw.respawns, 1);
  assert.deepEqual(events.at(-1), { type: 'replaced', error: new WorkerError('crashed', 'test worker crashed: out of memory') });
  assert.equal(await sw.call((api) => api.job('b'), 1000), 'b done');
  sw.dispose();
});

test('start-up failures back off exponentially up to the cap, naming the cause, without spawning in between', async () => {
  let clock = 0;
  let initOk = false;
  const { sw, workers } = supervised({
    now: () => clock,
    init: async () => {
      if (!initOk) throw new Error('font /fonts/DejaVuSans.ttf: HTTP 404');
    },
  });
  await assert.rejects(sw.call((api) => api.job('a'), 1000), (e: WorkerError) => e.code === 'init-failed' && /failed to start: font \/fonts\/DejaVuSans\.ttf: HTTP 404/.test(e.message));
  const delays: number[] = [];
  for (let i = 0; i < 8; i++) {
    // A call during the backoff fails at once with the cause and the wait, and spawns nothing.
    const spawned = workers.length;
    const msg = await codeMessage(sw.call((api) => api.job('a'), 1000));
    assert.match(msg, /failed to start \d+ time\(s\) in a row \(font .*HTTP 404\); next attempt in \d+ ms/);
    assert.equal(workers.length, spawned);
    const wait = Number(/next attempt in (\d+) ms/.exec(msg)![1]);
    delays.push(wait);
    clock += wait;
    await assert.rejects(sw.call((api) => api.job('a'), 1000), /failed to start: font/);
    assert.equal(workers.length, spawned + 1);
  }
  assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  assert.equal(workers.length, 9, 'one spawn per attempt');
  assert.ok(workers.every((w) => w.terminated));
  initOk = true;
  clock += 30_000;
  assert.equal(await sw.call((api) => api.job('a'), 1000), 'a done');
  assert.equal(sw.backingOff, false);
  sw.dispose();
});

test('a worker that hangs or dies during init fails the start with init-failed', async () => {
  const hang = supervised({ init: () => new Promise(() => {}), initTimeoutMs: 50 });
  await assert.rejects(hang.sw.call((api) => api.job('a'), 1000), (e: WorkerError) => e.code === 'init-failed' && /did not start within 50 ms/.test(e.message));
  const dies = supervised({ init: () => new Promise(() => dies.workers[0]!.crash('SyntaxError in worker script')) });
  await assert.rejects(dies.sw.call((api) => api.job('a'), 1000), (e: WorkerError) => e.code === 'init-failed' && /failed to start: SyntaxError in worker script/.test(e.message));
  assert.equal(dies.sw.respawns, 1);
});

test('pool: a crashing job runs once and reports the crash; the innocent job queued behind it succeeds', async () => {
  const renders: string[] = [];
  const api = {
    async render(svg: string) {
      renders.push(svg);
      return svg === 'trap' ? { ok: false, fatal: true, error: 'unreachable' } : { ok: true };
    },
    async hang() {
      await new Promise(() => {});
    },
  };
  let spawns = 0;
  const pool = new WorkerPool<typeof api>(1, { name: 'svg', spawn: () => (spawns++, new FakeWorker(api)) }, 2);
  const render = (svg: string) =>
    pool.run(async (a, scope) => {
      const r = await a.render(svg);
      if (!r.ok) scope.retire(r.error!);
      return r;
    }, 5000);
  // 'trap' runs first on the only worker; 'ok' waits behind it in the same worker's queue.
  const [trap, ok] = await Promise.all([render('trap'), render('ok')]);
  assert.deepEqual(trap, { ok: false, fatal: true, error: 'unreachable' });
  assert.deepEqual(ok, { ok: true });
  assert.deepEqual(renders.filter((s) => s === 'trap'), ['trap'], 'the crashing job is never re-run');
  assert.equal(pool.respawns, 1);
  assert.equal(spawns, 2);
  // A job that times out is not re-run either.
  await assert.rejects(pool.run((a) => a.hang(), 30), (e: WorkerError) => e.code === 'timeout');
  assert.equal(pool.respawns, 2);
  pool.dispose();
});

async function codeMessage(p: Promise<unknown>): Promise<string> {
  return p.then(() => 'ok', (e: Error) => e.message);
}

test('progress restarts a call\'s deadline: a long call that keeps reporting runs on, one that stops times out', async () => {
  const { sw } = supervised();
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const long = await sw.call(async (api, scope) => {
    for (let i = 0; i < 10; i++) {
      await sleep(25); // 250 ms in all, 25 ms between reports: far past the 100 ms deadline
      scope.progress();
    }
    return api.job('long');
  }, 100);
  assert.equal(long, 'long done');
  const stalled = codeOf(sw.call(async (api, scope) => {
    await sleep(25);
    scope.progress();
    return api.job('hang-after-progress');
  }, 100));
  assert.equal(await stalled, 'timeout');
  sw.dispose();
});
