// Bundled encoders in the browser: each golden SVG is rendered by the app's worker pool (resvg-wasm),
// preprocessed by src/lib/reward/encoders.ts and embedded by onnxruntime-web on WASM and WebGPU;
// the embeddings must match Python onnxruntime on resvg-js renders (goldens.json in each folder).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { useHeadlessPage, type Win } from './setup';
import { cosine, inputSize, pixelValues, type PreprocessorConfig } from '../../src/lib/reward/encoders';
import { TextTokenizer } from '../../src/lib/models/tokenizer';
import type { PlainTensor } from '../../src/lib/models/backend';

const ctx = useHeadlessPage();
const read = (path: string) => JSON.parse(readFileSync(`public/models/${path}`, 'utf8'));

interface ImageGolden { name: string; pixel_sum: number; pooler_output: number[] }
interface Golden {
  inputs: { images: { name: string; svg: string }[]; texts?: string[]; input_ids?: number[][] };
  tolerance_abs: { fp32: number; quantized: number };
  fp32: { images: ImageGolden[]; texts?: { text: string; pooler_output: number[] }[] };
  quantized: { images: ImageGolden[]; texts?: { text: string; pooler_output: number[] }[] };
}

const maxAbs = (a: ArrayLike<number>, b: number[]) => Math.max(...b.map((v, i) => Math.abs(v - Number(a[i]))));
const load = (key: string, url: string, device: string) =>
  ctx.page.evaluate(([k, u, d]) => (window as unknown as Win).sgp.onnxLoad(k, u, d as 'wasm' | 'webgpu'), [key, url, device] as const);
const run = (key: string, feeds: Record<string, PlainTensor>) =>
  ctx.page.evaluate(
    ([k, f]) => (window as unknown as Win).sgp.onnxRun(k, f).then((o) => Object.fromEntries(Object.entries(o).map(([n, t]) => [n, { dims: t.dims, data: Array.from(t.data) }]))),
    [key, feeds] as const,
  );

/** Renders every golden image once (through the worker pool) and preprocesses it for `pre`. */
async function goldenInputs(golden: Golden, pre: PreprocessorConfig) {
  const side = inputSize(pre);
  const out: { name: string; rgbSum: number; pixel_values: PlainTensor }[] = [];
  for (const im of golden.inputs.images) {
    const px = await ctx.page.evaluate(([svg, s]) => (window as unknown as Win).sgp.renderPixels(svg, s), [im.svg, side] as const);
    let rgbSum = 0;
    for (let i = 0; i < px.data.length; i++) if (i % 4 !== 3) rgbSum += px.data[i]!;
    const pv = pixelValues({ ...px, data: Uint8Array.from(px.data) }, pre);
    out.push({ name: im.name, rgbSum, pixel_values: { ...pv, data: Array.from(pv.data) } });
  }
  return out;
}

for (const [model, file] of [['sgp-tiny-siglip', 'vision_model'], ['sgp-tiny-dino', 'model']] as const) {
  const golden = read(`${model}/goldens.json`) as Golden;
  const pre = read(`${model}/preprocessor_config.json`) as PreprocessorConfig;
  // rendered once, by whichever test needs them first: each test runs alone too (--test-name-pattern)
  let rendered: ReturnType<typeof goldenInputs> | undefined;
  const goldenRenders = () => (rendered ??= goldenInputs(golden, pre));

  test(`${model}: app renders of the golden SVGs are pixel-identical to the Python side's`, async () => {
    const inputs = await goldenRenders();
    assert.deepEqual(inputs.map((i) => i.rgbSum), golden.fp32.images.map((g) => g.pixel_sum));
  });

  for (const [variant, device] of [['fp32', 'wasm'], ['fp32', 'webgpu'], ['quantized', 'wasm']] as const) {
    test(`${model} ${file} (${variant}) on ${device} matches onnxruntime`, async () => {
      const key = `${model}-${variant}-${device}`;
      const inputs = await goldenRenders();
      await load(key, `models/${model}/onnx/${file}${variant === 'quantized' ? '_quantized' : ''}.onnx`, device);
      // SwiftShader WebGPU is slow: two images there, all of them on WASM.
      for (const [i, input] of inputs.slice(0, device === 'webgpu' ? 2 : undefined).entries()) {
        const out = await run(key, { pixel_values: input.pixel_values });
        const want = golden[variant].images[i]!.pooler_output;
        if (variant === 'fp32') {
          const err = maxAbs(out.pooler_output!.data, want);
          assert.ok(err <= golden.tolerance_abs.fp32, `${input.name}: max abs error ${err}`);
        }
        // int8 kernels round differently in onnxruntime-web than in native onnxruntime: compare directions.
        const cos = cosine(out.pooler_output!.data, want);
        assert.ok(cos > (variant === 'fp32' ? 0.9999 : 0.99), `${input.name}: cosine ${cos}`);
      }
    });
  }
}

test('sgp-tiny-siglip text_model on wasm and webgpu: our tokenizer + ORT match the goldens', async () => {
  const golden = read('sgp-tiny-siglip/goldens.json') as Golden;
  const tok = new TextTokenizer(read('sgp-tiny-siglip/tokenizer.json'), read('sgp-tiny-siglip/tokenizer_config.json'));
  for (const device of ['wasm', 'webgpu']) {
    await load(`siglip-text-${device}`, 'models/sgp-tiny-siglip/onnx/text_model.onnx', device);
    for (const [i, text] of golden.inputs.texts!.slice(0, device === 'webgpu' ? 2 : undefined).entries()) {
      const ids = tok.encodePadded(text, 64);
      assert.deepEqual(ids, golden.inputs.input_ids![i]);
      const out = await run(`siglip-text-${device}`, { input_ids: { type: 'int64', dims: [1, 64], data: ids } });
      const err = maxAbs(out.pooler_output!.data, golden.fp32.texts![i]!.pooler_output);
      assert.ok(err <= golden.tolerance_abs.fp32, `${device} "${text}": max abs error ${err}`);
    }
  }
});
