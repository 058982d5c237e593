// MlClient with a fake ml worker: the call queue's deadlines, reloading models after a respawn, and
// the status the UI shows. The real worker and ORT are covered in tests/browser/ml-worker.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MlClient, type MlStatus } from '../../../src/lib/workers/ml-client';
import { WorkerError } from '../../../src/lib/workers/supervisor';
import type { LoadSpec } from '../../../src/lib/models/sessions';
import { FakeWorker, until } from './fake-worker';

/** Stands in for workers/ml.worker.ts: `load` takes `loadMs`, and fails for URLs in `broken`. */
function fakeMl(opts: { loadMs?: number; broken?: Set<string> } = {}) {
  const workers: FakeWorker[] = [];
  const log: string[] = [];
  const spawn = () => {
    const loaded = new Set<string>();
    const w = new FakeWorker({
      injectFaults: () => undefined,
      async load(key: string, spec: LoadSpec) {
        log.push(`load ${key}`);
        await new Promise((r) => setTimeout(r, opts.loadMs ?? 0));
        if (opts.broken?.has(String(spec.model))) throw new Error(`model ${String(spec.model)} not found (HTTP 404)`);
        loaded.add(key);
        return { device: 'wasm', inputNames: ['x'], outputNames: ['y'] };
      },
      async run(key: string) {
        log.push(`run ${key}`);
        if (!loaded.has(key)) throw new Error(`no model loaded as '${key}'`);
        return { y: { type: 'float32', dims: [1], data: [workers.length] } };
      },
      sessions: () => Object.fromEntries([...loaded].map((k) => [k, {}])),
      hang: () => (log.push('hang'), new Promise(() => {})),
    });
    workers.push(w);
    return w;
  };
  return { spawn, workers, log };
}

const spec = (model: string): LoadSpec => ({ model, device: 'wasm' });

test('a call queued behind a long load gets its whole deadline once it starts', async () => {
  const ml = fakeMl({ loadMs: 300 });
  const client = new MlClient({ spawn: ml.spawn });
  const t0 = Date.now();
  const load = client.load('a', spec('http://x/a.onnx'));
  // 100 ms is far less than the load ahead of it: a deadline counted from the queue would fire.
  const out = await client.run('a', {}, 100);
  assert.ok(Date.now() - t0 >= 300, 'the run waited for the load');
  assert.deepEqual(out.y!.data, [1]);
  await load;
  assert.deepEqual(ml.log, ['load a', 'run a'], 'calls ran one at a time, in order');
  client.dispose();
});

test('after a crash the fresh worker reloads the models before the next call, and status shows it', async () => {
  const ml = fakeMl();
  const client = new MlClient({ spawn: ml.spawn });
  const seen: MlStatus[] = [];
  const stop = client.subscribe((s) => seen.push(s));
  await client.load('a', spec('http://x/a.onnx'));
  assert.deepEqual(client.status.models.a, { state: 'loaded', device: 'wasm' });
  assert.equal(client.status.generation, 1);
  const hung = client.call((api) => (api as unknown as { hang(): Promise<void> }).hang());
  await until(() => ml.log.includes('hang'), 'the call to reach the worker');
  ml.workers[0]!.crash('RuntimeError: memory access out of bounds');
  await assert.rejects(hung, (e: WorkerError) => e.code === 'crashed' && /memory access out of bounds/.test(e.message));
  assert.equal(client.status.respawns, 1);
  assert.match(client.status.lastError ?? '', /memory access out of bounds/);
  // The eager reload starts a fresh worker without waiting for a call.
  await until(() => client.status.models.a?.state === 'loaded' && client.status.generation === 2, 'the reload');
  assert.ok(seen.some((s) => s.models.a?.state === 'reloading'), 'the reload was visible');
  const out = await client.run('a', {});
  assert.deepEqual(out.y!.data, [2], 'ran on the second worker');
  assert.deepEqual(ml.log, ['load a', 'hang', 'load a', 'run a']);
  stop();
  client.dispose();
});

test('a model whose reload fails shows as unloaded with the cause; the others come back', async () => {
  const broken = new Set<string>();
  const ml = fakeMl({ broken });
  const client = new MlClient({ spawn: ml.spawn });
  await client.load('a', spec('http://x/a.onnx'));
  await client.load('b', spec('http://x/b.onnx'));
  broken.add('http://x/a.onnx'); // e.g. the file was removed from the server meanwhile
  client.restart('test');
  await until(() => client.status.models.b?.state === 'loaded' && client.status.models.a?.state === 'unloaded', 'the reload');
  assert.match(client.status.models.a!.error ?? '', /reload after the ml worker restarted failed: model http:\/\/x\/a\.onnx not found \(HTTP 404\)/);
  await assert.rejects(client.run('a', {}), /no model loaded as 'a'/);
  // A failed model is forgotten: the next restart does not try it again.
  client.restart('again');
  await client.run('b', {});
  assert.equal(ml.log.filter((l) => l === 'load a').length, 2);
  client.dispose();
});

test('a failed load forgets the model and reports why', async () => {
  const ml = fakeMl({ broken: new Set(['http://x/gone.onnx']) });
  const client = new MlClient({ spawn: ml.spawn });
  await assert.rejects(client.load('g', spec('http://x/gone.onnx')), /not found/);
  assert.equal(client.status.models.g?.state, 'unloaded');
  client.restart('test');
  await client.call((api) => api.sessions());
  assert.deepEqual(ml.log, ['load g'], 'not reloaded after the restart');
  client.dispose();
});
