// Bundled encoders in the browser, through the reward's own path: each golden SVG is rendered by the
// app's worker pool at the encoder's input size, preprocessed and embedded in the ml worker
// (EncoderClient → ml.worker → reward/encoder-host.ts) on WASM and WebGPU; the embeddings must match
// Python onnxruntime on the factory's renders (goldens.json in each folder).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { useHeadlessPage, type Win } from './setup';
import { cosine, inputSize, type PreprocessorConfig } from '../../src/lib/reward/encoders';
import type { EncoderRole } from '../../src/lib/workers/encoder-client';

const ctx = useHeadlessPage();
const read = (path: string) => JSON.parse(readFileSync(`public/models/${path}`, 'utf8'));

interface Golden {
  inputs: { images: { name: string; svg: string }[]; texts?: string[] };
  tolerance_abs: { fp32: number; quantized: number };
  fp32: { images: { pixel_sum: number; pooler_output: number[] }[]; texts?: { text: string; pooler_output: number[] }[] };
  quantized: { images: { pooler_output: number[] }[]; texts?: { text: string; pooler_output: number[] }[] };
}

const maxAbs = (a: ArrayLike<number>, b: number[]) => Math.max(...b.map((v, i) => Math.abs(v - Number(a[i]))));
const loadOnly = (role: EncoderRole, id: string, variant: string, device: string) =>
  ctx.page.evaluate(([r, i, v, d]) => (window as unknown as Win).sgp.encodersLoad({ siglip: null, dino: null, [r]: i, variant: v, device: d as 'wasm' | 'webgpu' }), [role, id, variant, device] as const);
const embedSvgs = (role: EncoderRole, svgs: string[]) => ctx.page.evaluate(([r, s]) => (window as unknown as Win).sgp.encoderEmbedSvgs(r, s), [role, svgs] as const);

for (const [model, role] of [['sgp-tiny-siglip', 'siglip'], ['sgp-tiny-dino', 'dino']] as const) {
  const golden = read(`${model}/goldens.json`) as Golden;
  const side = inputSize(read(`${model}/preprocessor_config.json`) as PreprocessorConfig);

  test(`${model}: app renders of the golden SVGs are pixel-identical to the Python side's`, async () => {
    const sums: number[] = [];
    for (const im of golden.inputs.images) {
      const px = await ctx.page.evaluate(([svg, s]) => (window as unknown as Win).sgp.renderPixels(svg, s), [im.svg, side] as const);
      sums.push(px.data.reduce((sum, v, i) => (i % 4 === 3 ? sum : sum + v), 0));
    }
    assert.deepEqual(sums, golden.fp32.images.map((g) => g.pixel_sum));
  });

  for (const [variant, device] of [['fp32', 'wasm'], ['fp32', 'webgpu'], ['quantized', 'wasm']] as const) {
    test(`${model} images (${variant}) on ${device}, batched in the ml worker, match onnxruntime`, async () => {
      const loaded = await loadOnly(role, model, variant === 'fp32' ? 'model' : 'model_quantized', device);
      assert.equal(loaded[role]?.inputSize, side);
      // SwiftShader WebGPU is slow: two images there (one batch), all six on WASM.
      const images = golden.inputs.images.slice(0, device === 'webgpu' ? 2 : undefined);
      const embs = await embedSvgs(role, images.map((im) => im.svg));
      for (const [i, emb] of embs.entries()) {
        const want = golden[variant].images[i]!.pooler_output;
        const cos = cosine(emb, want);
        if (variant === 'fp32') assert.ok(maxAbs(emb, want) <= golden.tolerance_abs.fp32, `${images[i]!.name}: max abs error ${maxAbs(emb, want)}`);
        // int8 kernels round differently in onnxruntime-web than in native onnxruntime: compare directions.
        assert.ok(cos >= (variant === 'fp32' ? 0.9999 : 0.999), `${images[i]!.name}: cosine ${cos}`);
      }
    });
  }
}

test('sgp-tiny-siglip texts on wasm and webgpu: our tokenizer + the ml worker match the goldens', async () => {
  const golden = read('sgp-tiny-siglip/goldens.json') as Golden;
  for (const device of ['wasm', 'webgpu']) {
    await loadOnly('siglip', 'sgp-tiny-siglip', 'model', device);
    const texts = golden.inputs.texts!.slice(0, device === 'webgpu' ? 2 : undefined);
    const embs = await ctx.page.evaluate((t) => (window as unknown as Win).sgp.encoderEmbedTexts(t), texts);
    for (const [i, emb] of embs.entries()) {
      const err = maxAbs(emb, golden.fp32.texts![i]!.pooler_output);
      assert.ok(err <= golden.tolerance_abs.fp32, `${device} "${texts[i]}": max abs error ${err}`);
    }
  }
});
