// Hub loading in Chromium against a local server that serves the bundled models under hub-style paths
// (/<org>/<name>/resolve/main/<file>, with CORS like huggingface.co): a download with progress, a
// second load from the Cache API with the network cut, a corrupt cached entry evicted, and each error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { openHeadless, openSession, type Session } from '../../scripts/lib/browser';
import { servePlainStatic } from '../../scripts/lib/static-server';
import type { Win } from './setup';

const POLICY = 'dist/models/sgp-tiny-policy';
const hubFiles = ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model_quantized.onnx'];
let dir: string;
let hub: { baseUrl: string; close(): Promise<void> };
/** Paths the hub server sent (a cache hit sends none). */
const served: string[] = [];
let session: Session;
let page: Page;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sgp-hub-'));
  const repo = (name: string, target: string) => {
    mkdirSync(join(dir, 'test-org', name, 'resolve'), { recursive: true });
    symlinkSync(resolve(target), join(dir, 'test-org', name, 'resolve', 'main'));
  };
  repo('tiny-policy', POLICY);
  repo('tiny-policy-2', POLICY);
  repo('tiny-dino', 'dist/models/sgp-tiny-dino');
  // A repository without the optional generation_config.json.
  const without = (name: string, lacking: string) => {
    const root = join(dir, 'test-org', name, 'resolve', 'main');
    mkdirSync(join(root, 'onnx'), { recursive: true });
    for (const f of hubFiles.filter((f) => f !== lacking)) symlinkSync(resolve(POLICY, f), join(root, f));
  };
  without('no-generation-config', 'generation_config.json');
  without('no-tokenizer', 'tokenizer.json');
  repo('huge-policy', POLICY); // its weights claim 200 GB (below)
  // A repository whose weights URL answers with a login page, as a gated repo behind a proxy might.
  const html = join(dir, 'test-org', 'html-policy', 'resolve', 'main');
  mkdirSync(join(html, 'onnx'), { recursive: true });
  for (const f of hubFiles.slice(0, 4)) cpSync(join(POLICY, f), join(html, f));
  writeFileSync(join(html, 'onnx', 'model_quantized.onnx'), '<!DOCTYPE html><html><body>Sign in</body></html>');
  hub = await servePlainStatic(dir, (path) => {
    served.push(path);
    const huge = path === '/test-org/huge-policy/resolve/main/onnx/model_quantized.onnx';
    return { 'Access-Control-Allow-Origin': '*', ...(huge ? { 'Content-Length': String(200e9) } : {}) };
  });
  session = await openSession();
  page = await openHeadless(session, { workers: 1 }, hub.baseUrl);
});

after(async () => {
  await session?.close();
  await hub?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Opts = { variant?: string; device?: 'wasm' | 'webgpu' | 'auto'; hub?: string };
const load = (key: string, id: string, opts: Opts = {}) =>
  page.evaluate(([k, i, o]) => (window as unknown as Win).sgp.modelLoad(k, i, o), [key, id, { device: 'wasm', hub: hub.baseUrl, ...opts }] as const);
const loadError = (key: string, id: string, opts: Opts = {}) =>
  page.evaluate(([k, i, o]) => (window as unknown as Win).sgp.modelLoad(k, i, o).then(() => 'loaded', (e: Error) => e.message), [key, id, { device: 'wasm', hub: hub.baseUrl, ...opts }] as const);
const release = (key: string) => page.evaluate((k) => (window as unknown as Win).sgp.onnxRelease(k), key);
const expectedBytes = hubFiles.reduce((s, f) => s + statSync(join(POLICY, f)).size, 0);

test('a hub id downloads with progress per file and overall, and the session runs on WASM', async () => {
  const { model, events } = await load('hub', 'test-org/tiny-policy');
  assert.equal(model.variant, 'model_quantized', 'WASM gets the quantized default');
  assert.equal(model.task, 'policy');
  assert.deepEqual([model.downloadedFiles, model.cachedFiles], [hubFiles.length, 0]);
  assert.deepEqual(model.texts.sort(), hubFiles.slice(0, 4).sort());
  assert.equal(model.graphs.model?.device, 'wasm');
  assert.ok(model.graphs.model?.inputNames.includes('input_ids'));
  assert.deepEqual(served.filter((p) => p.startsWith('/test-org/tiny-policy/')).sort(), hubFiles.map((f) => `/test-org/tiny-policy/resolve/main/${f}`).sort());
  const last = events.at(-1)!;
  assert.deepEqual([last.received, last.total], [expectedBytes, expectedBytes]);
  assert.ok(Object.values(last.files).every((f) => f.done && !f.fromCache));
  const weights = events.map((e) => e.files['onnx/model_quantized.onnx']).filter((f) => f !== undefined);
  assert.ok(weights.some((f) => !f.done && f.received > 0 && f.received < f.total!), `a partial progress event for the weights: ${JSON.stringify(weights)}`);
  for (let i = 1; i < events.length; i++) assert.ok(events[i]!.received >= events[i - 1]!.received, 'progress never goes back');
});

test('with the network cut, the same id loads from the cache; an uncached one says it is offline', async () => {
  await release('hub');
  const before = served.length;
  await page.context().setOffline(true);
  try {
    const { model, events } = await load('hub', 'test-org/tiny-policy');
    assert.deepEqual([model.downloadedFiles, model.cachedFiles], [0, hubFiles.length]);
    assert.equal(served.length, before, 'nothing was fetched from the hub');
    assert.ok(Object.values(events.at(-1)!.files).every((f) => f.fromCache));
    assert.equal(events.at(-1)!.received, expectedBytes);
    const err = await loadError('other', 'test-org/tiny-policy-2');
    assert.match(err, /^offline and test-org\/tiny-policy-2 is not cached: http:\/\/127\.0\.0\.1:\d+\/test-org\/tiny-policy-2\/resolve\/main\/config\.json could not be fetched \(.+\); connect to 127\.0\.0\.1:\d+ once to download it$/);
  } finally {
    await page.context().setOffline(false);
  }
});

test('a corrupt cached file is evicted: downloaded again online, named in the error offline', async () => {
  const url = `${hub.baseUrl}test-org/tiny-policy/resolve/main/onnx/model_quantized.onnx`;
  const corrupt = (u: string) =>
    page.evaluate(async (uu) => {
      const cache = await caches.open('sgp-models-v1');
      await cache.put(uu, new Response(new Uint8Array(10), { headers: { 'x-sgp-bytes': '6680887' } }));
    }, u);
  await corrupt(url);
  const { model } = await load('hub', 'test-org/tiny-policy');
  assert.deepEqual([model.downloadedFiles, model.cachedFiles], [1, hubFiles.length - 1]);
  assert.deepEqual(model.notices, [`the cached copy of ${url} was corrupt (10 bytes, expected 6680887) and was evicted`]);
  const status = await page.evaluate(() => (window as unknown as Win).sgp.mlStatus());
  assert.ok(status.notices.includes(model.notices[0]!), 'the notice reaches the status the UI shows');
  await corrupt(url);
  await page.context().setOffline(true);
  try {
    const err = await loadError('hub', 'test-org/tiny-policy');
    assert.match(err, /^offline and test-org\/tiny-policy is not cached: .*model_quantized\.onnx could not be fetched .* \(the cached copy of \S+ was corrupt \(10 bytes, expected 6680887\) and was evicted\)$/);
  } finally {
    await page.context().setOffline(false);
  }
});

test('a repository without the optional generation_config.json loads; without a required tokenizer file it does not', async () => {
  const { model } = await load('bare', 'test-org/no-generation-config');
  assert.ok(!model.texts.includes('generation_config.json') && model.texts.includes('tokenizer.json'));
  await release('bare');
  assert.match(await loadError('e', 'test-org/no-tokenizer'), /^test-org\/no-tokenizer: tokenizer\.json is missing: http:\S+\/test-org\/no-tokenizer\/resolve\/main\/tokenizer\.json answered HTTP 404; /);
});

test('errors: unknown id, missing file, HTML instead of weights, unsupported architecture, fp16 without shader-f16, out of memory', async () => {
  assert.match(await loadError('e', 'sgp-huge'), /^unknown model 'sgp-huge'; known: sgp-tiny-policy, sgp-tiny-siglip, sgp-tiny-dino, /);
  assert.match(await loadError('e', 'test-org/no-such-model'), /^test-org\/no-such-model: config\.json is missing: http:\/\/127\.0\.0\.1:\d+\/test-org\/no-such-model\/resolve\/main\/config\.json answered HTTP 404; /);
  assert.match(await loadError('e', 'test-org/tiny-policy', { variant: 'model_q4f16' }), /^variant 'model_q4f16' of test-org\/tiny-policy needs WebGPU with shader-f16, and this device runs wasm; usable here: model, model_quantized, model_q4$/);
  assert.match(await loadError('e', 'test-org/tiny-policy', { variant: 'model_fp16' }), /^variant 'model_fp16' of test-org\/tiny-policy needs WebGPU with shader-f16/);
  assert.match(await loadError('e', 'test-org/html-policy'), /^test-org\/html-policy: http:\S+\/onnx\/model_quantized\.onnx sent an HTML page instead of onnx\/model_quantized\.onnx/);
  const before = served.length;
  assert.match(await loadError('e', 'test-org/tiny-dino'), /^test-org\/tiny-dino is a 'dinov2' model \(Dinov2Model\); the sampler runs decoders of type llama, qwen2$/);
  assert.deepEqual(served.slice(before), ['/test-org/tiny-dino/resolve/main/config.json'], 'refused before any weights were fetched');
  assert.match(await loadError('e', 'test-org/huge-policy'), /^out of memory: http:\S+\/onnx\/model_quantized\.onnx needs 200\.00 GB and the tab could not allocate it \(.+\); choose a smaller variant$/);
  const status = await page.evaluate(() => (window as unknown as Win).sgp.mlStatus());
  assert.equal(status.models.e?.state, 'unloaded');
});

test('bundled ids load from the site; a two-graph encoder gets a session per graph', async () => {
  const policy = await load('fp32', 'sgp-tiny-policy', { variant: 'model' });
  assert.equal(policy.model.variant, 'model');
  assert.ok(policy.model.bytes > 20e6, `fp32 weights with their external data: ${policy.model.bytes} bytes`);
  await release('fp32');
  const { model } = await load('siglip', 'sgp-tiny-siglip');
  assert.equal(model.variant, 'model_quantized');
  assert.deepEqual(Object.keys(model.graphs).sort(), ['text_model', 'vision_model']);
  const sessions = await page.evaluate(() => (window as unknown as Win).sgp.onnxSessions());
  assert.ok('siglip/text_model' in sessions && 'siglip/vision_model' in sessions, Object.keys(sessions).join(', '));
  await release('siglip');
  const after = await page.evaluate(() => (window as unknown as Win).sgp.onnxSessions());
  assert.ok(!Object.keys(after).some((k) => k.startsWith('siglip')), 'release drops every graph');
});

test('after a crash the fresh worker reloads the hub model from the cache with the hub unreachable', async () => {
  await load('hub', 'test-org/tiny-policy'); // the last test left the weights evicted
  // Not setOffline: the fresh worker's own script and ORT's wasm come from the site.
  const hubOrigin = (url: URL) => url.origin === new URL(hub.baseUrl).origin;
  const refuse = (route: import('playwright-core').Route) => route.abort('internetdisconnected');
  await page.context().route(hubOrigin, refuse);
  const before = served.length;
  try {
    const err = await page.evaluate(() => (window as unknown as Win).sgp.mlCrash('simulated abort'));
    assert.equal(err?.code, 'crashed');
    await page.waitForFunction(() => (window as unknown as Win).sgp.mlStatus().models.hub?.state === 'loaded', null, { timeout: 120_000 }).catch(async (e: Error) => {
      assert.fail(`${e.message}: ${JSON.stringify(await page.evaluate(() => (window as unknown as Win).sgp.mlStatus()))}`);
    });
    const sessions = await page.evaluate(() => (window as unknown as Win).sgp.onnxSessions());
    assert.equal(sessions.hub?.device, 'wasm');
    assert.equal(served.length, before);
    assert.match(await loadError('other', 'test-org/tiny-policy-2'), /^test-org\/tiny-policy-2 is not cached and http:\S+\/config\.json could not be fetched \(Failed to fetch\): the network is down, or 127\.0\.0\.1:\d+ refused the connection or its CORS headers$/);
  } finally {
    await page.context().unroute(hubOrigin, refuse);
  }
});
