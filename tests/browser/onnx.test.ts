// The ORT backend in the ml worker runs a model on WASM and on WebGPU (SwiftShader here) and both
// match numpy (tests/fixtures/onnx/make.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { useHeadlessPage, type Win } from './setup';

const ctx = useHeadlessPage();
const model = [...readFileSync('tests/fixtures/onnx/affine.onnx')];
const golden = JSON.parse(readFileSync('tests/fixtures/onnx/affine.golden.json', 'utf8')) as { x: number[]; dims: number[]; logits: number[]; probs: number[] };

function assertClose(actual: ArrayLike<number>, expected: number[], tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const worst = Math.max(...expected.map((e, i) => Math.abs(e - Number(actual[i]))));
  assert.ok(worst <= tol, `${what}: max abs error ${worst} > ${tol}`);
}

test('the ml worker reports WebGPU under the harness flags (no shader-f16 on SwiftShader)', async () => {
  const d = await ctx.page.evaluate(() => (window as unknown as Win).sgp.mlDevice());
  assert.equal(d.device, 'webgpu', d.reason);
});

for (const device of ['wasm', 'webgpu'] as const) {
  test(`affine+softmax runs on ${device} and matches numpy`, async () => {
    const info = await ctx.page.evaluate(([m, d]) => (window as unknown as Win).sgp.onnxLoad(`affine-${d}`, m, d), [model, device] as const);
    assert.equal(info.device, device);
    assert.equal(info.notice, undefined, 'no fallback notice when the asked-for device works');
    assert.deepEqual(info.inputNames, ['x']);
    const out = await ctx.page.evaluate(
      ([d, x, dims]) => (window as unknown as Win).sgp.onnxRun(`affine-${d}`, { x: { type: 'float32', dims, data: x } }).then((o) => ({
        logits: Array.from(o.logits!.data), probs: Array.from(o.probs!.data), dims: o.probs!.dims,
      })),
      [device, golden.x, golden.dims] as const,
    );
    assert.deepEqual(out.dims, [3, 5]);
    assertClose(out.logits, golden.logits, 1e-4, 'logits');
    assertClose(out.probs, golden.probs, 1e-5, 'probs');
  });
}

test('a missing input and an unknown model are clear errors', async () => {
  const err = await ctx.page.evaluate(() => (window as unknown as Win).sgp.onnxRun('affine-wasm', {}).then(() => '', (e: Error) => e.message));
  assert.match(err, /missing inputs: x; the model takes x/);
  const err2 = await ctx.page.evaluate(() => (window as unknown as Win).sgp.onnxRun('nope', {}).then(() => '', (e: Error) => e.message));
  assert.match(err2, /no model loaded as 'nope'/);
  const err3 = await ctx.page.evaluate(() => (window as unknown as Win).sgp.onnxLoad('x', 'models/does-not-exist/onnx/model.onnx').then(() => '', (e: Error) => e.message));
  assert.match(err3, /model .*does-not-exist.* not found/);
});
