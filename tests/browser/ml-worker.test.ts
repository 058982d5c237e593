// The ml worker's robustness in Chromium, with the real onnxruntime-web: a crash mid-call and the
// reload that follows, failed loads that leave nothing half-made, errors that name the file and the
// cause, and the WebGPU → WASM fallback with its notice. (Call-queue deadlines: tests/unit/workers.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { useHeadlessPage, type Win } from './setup';

const ctx = useHeadlessPage();
const model = [...readFileSync('tests/fixtures/onnx/affine.onnx')];
const golden = JSON.parse(readFileSync('tests/fixtures/onnx/affine.golden.json', 'utf8')) as { x: number[]; dims: number[]; probs: number[] };

type Device = 'wasm' | 'webgpu' | 'auto';
const load = (key: string, m: string | number[], device: Device, external: { path: string; url: string }[] = []) =>
  ctx.page.evaluate(([k, mm, d, e]) => (window as unknown as Win).sgp.onnxLoad(k, mm, d, e), [key, m, device, external] as const);
const loadError = (key: string, m: string | number[], device: Device, external: { path: string; url: string }[] = []) =>
  ctx.page.evaluate(
    ([k, mm, d, e]) => (window as unknown as Win).sgp.onnxLoad(k, mm, d, e).then((info) => `loaded on ${info.device}`, (err: Error) => err.message),
    [key, m, device, external] as const,
  );
const status = () => ctx.page.evaluate(() => (window as unknown as Win).sgp.mlStatus());
const sessions = () => ctx.page.evaluate(() => (window as unknown as Win).sgp.onnxSessions());

/** Runs the affine model under `key` and returns the largest deviation from numpy's softmax. */
async function affineError(key: string): Promise<number> {
  const probs = await ctx.page.evaluate(
    ([k, x, dims]) => (window as unknown as Win).sgp.onnxRun(k, { x: { type: 'float32', dims, data: x } }).then((o) => Array.from(o.probs!.data)),
    [key, golden.x, golden.dims] as const,
  );
  assert.equal(probs.length, golden.probs.length);
  return Math.max(...golden.probs.map((p, i) => Math.abs(p - probs[i]!)));
}

test('a crash mid-call is reported once as crashed; the fresh worker reloads the model and runs it', async () => {
  await load('reloads', model, 'wasm');
  const before = await status();
  const err = await ctx.page.evaluate(() => (window as unknown as Win).sgp.mlCrash('simulated runtime abort'));
  assert.equal(err?.code, 'crashed');
  assert.match(err?.message ?? '', /ml worker crashed: .*simulated runtime abort/);
  await ctx.page.waitForFunction(
    (gen) => {
      const s = (window as unknown as Win).sgp.mlStatus();
      return s.generation > gen && s.models.reloads?.state === 'loaded';
    },
    before.generation,
    { timeout: 60_000 },
  );
  const after = await status();
  assert.equal(after.respawns, before.respawns + 1);
  assert.match(after.lastError ?? '', /simulated runtime abort/);
  assert.ok(await affineError('reloads') < 1e-5, 'the reloaded model runs and matches numpy');
});

test('a failed load leaves no session under its key, and runs say why', async () => {
  await load('swap', model, 'wasm');
  const corrupt = model.slice(0, 100); // a truncated .onnx
  assert.match(await loadError('swap', corrupt, 'wasm'), /^model 'swap' \(100 bytes\) could not be loaded: .{10,}/);
  assert.equal('swap' in (await sessions()), false, 'neither the old nor a half-made session is kept');
  const run = await ctx.page.evaluate(() => (window as unknown as Win).sgp.onnxRun('swap', {}).then(() => '', (e: Error) => e.message));
  assert.match(run, /no model loaded as 'swap': its last load failed \(model 'swap' \(100 bytes\) could not be loaded/);
  assert.equal((await status()).models.swap?.state, 'unloaded');
  // The key works again after a good load.
  await load('swap', model, 'wasm');
  assert.ok(await affineError('swap') < 1e-5);
});

test('corrupt or missing model and external-data files: the error names the URL and the cause', async () => {
  const onnx = 'models/sgp-tiny-policy/onnx';
  const notOnnx = await loadError('bad', 'models/sgp-tiny-policy/tokenizer.json', 'wasm');
  assert.match(notOnnx, /^model http:\/\/\S+\/models\/sgp-tiny-policy\/tokenizer\.json could not be loaded: .{10,}/);
  const missingData = await loadError('bad', `${onnx}/model_lora.onnx`, 'wasm', [{ path: 'policy_weights.onnx_data', url: `${onnx}/missing.onnx_data` }]);
  assert.match(missingData, /external data policy_weights\.onnx_data: http:\/\/\S+\/missing\.onnx_data not found \(HTTP (404|200, an HTML page)\)/);
  const wrongData = await loadError('bad', `${onnx}/model_lora.onnx`, 'wasm', [{ path: 'policy_weights.onnx_data', url: 'models/sgp-tiny-policy/config.json' }]);
  assert.match(wrongData, /^model http:\/\/\S+\/model_lora\.onnx with external data policy_weights\.onnx_data \(http:\/\/\S+\/config\.json\) could not be loaded: .{10,}/);
});

test('when WebGPU fails the model runs on WASM with a visible notice; a fresh worker uses WebGPU again', async () => {
  // A fresh worker in which requestAdapter() resolves null, as on a blocklisted GPU.
  await ctx.page.evaluate(() => (window as unknown as Win).sgp.mlRestart({ webgpuUnavailable: true }));
  const device = await ctx.page.evaluate(() => (window as unknown as Win).sgp.mlDevice());
  assert.equal(device.device, 'wasm');
  const asked = await load('gpu', model, 'webgpu');
  assert.equal(asked.device, 'wasm');
  assert.match(asked.notice ?? '', /^WebGPU could not run model 'gpu' \(402 bytes\) \(.+\); running on WASM$/);
  const auto = await load('auto', model, 'auto');
  assert.equal(auto.device, 'wasm');
  assert.match(auto.notice ?? '', /^WebGPU unavailable \(no WebGPU adapter/);
  const s = await status();
  assert.equal(s.models.gpu?.notice, asked.notice);
  assert.ok(s.notices.includes(asked.notice!) && s.notices.includes(auto.notice!), JSON.stringify(s.notices));
  assert.ok(await affineError('gpu') < 1e-5);

  // Without the fault the reload honours the device that was asked for, not the fallback it got.
  const gen = s.generation;
  await ctx.page.evaluate(() => (window as unknown as Win).sgp.mlRestart());
  await ctx.page.waitForFunction((g) => {
    const st = (window as unknown as Win).sgp.mlStatus();
    return st.generation > g && st.models.gpu?.state === 'loaded';
  }, gen, { timeout: 120_000 });
  const back = (await status()).models.gpu;
  assert.equal(back?.device, 'webgpu', JSON.stringify(back));
  assert.equal(back?.notice, undefined);
  assert.ok(await affineError('gpu') < 1e-5);
});
