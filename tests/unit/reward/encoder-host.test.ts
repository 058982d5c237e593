// The ml worker's encoder host in Node (onnxruntime-web on WASM, the bundled int8 DINO and SigLIP):
// renders made at the input size, batches split at MAX_IMAGE_BATCH give the same vectors as one image
// at a time, text embeddings are cached per text, and misuse says what to do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createSession } from '../../../src/lib/models/backend';
import type { LoadedModel } from '../../../src/lib/models/load';
import { loadRenderer } from '../../../src/lib/render/node';
import { EncoderHost, MAX_IMAGE_BATCH } from '../../../src/lib/reward/encoder-host';
import { cosine } from '../../../src/lib/reward/encoders';
import { buildMiniBench } from '../../../src/lib/world';

const dir = (id: string) => `public/models/${id}/`;
const texts = (id: string, files: string[]) => Object.fromEntries(files.map((f) => [f, readFileSync(dir(id) + f, 'utf8')]));
const model = (id: string, task: LoadedModel['task'], files: string[]): LoadedModel =>
  ({ id, task, variant: 'model_quantized', graphs: {}, texts: texts(id, files), bytes: 0, cachedFiles: 0, downloadedFiles: 0, notices: [] });

const sessions: Record<string, Awaited<ReturnType<typeof createSession>>['session']> = {};
sessions.dino = (await createSession(readFileSync(dir('sgp-tiny-dino') + 'onnx/model_quantized.onnx'), 'wasm', [])).session;
sessions['siglip/text_model'] = (await createSession(readFileSync(dir('sgp-tiny-siglip') + 'onnx/text_model_quantized.onnx'), 'wasm', [])).session;
let textRuns = 0;
const host = new EncoderHost((key) => {
  if (key === 'siglip/text_model') textRuns++;
  const s = sessions[key];
  if (!s) throw new Error(`no session ${key}`);
  return s;
});
const render = await loadRenderer();

test('images in batches larger than MAX_IMAGE_BATCH embed as they do one at a time', async () => {
  const info = host.register('dino', model('sgp-tiny-dino', 'image-encoder', ['config.json', 'preprocessor_config.json']))!;
  assert.equal(info.inputSize, 128);
  const svgs = buildMiniBench({ object: 4, scene: 4, compositional: 2, heldout: 0 }).items.map((it) => it.svg!);
  assert.ok(svgs.length > MAX_IMAGE_BATCH);
  const px = svgs.map((svg) => {
    const r = render(svg, { size: info.inputSize });
    assert.ok(r.ok);
    return r.pixels;
  });
  const batched = await host.embedImages('dino', px);
  assert.equal(batched.length, svgs.length);
  for (const [i, p] of px.entries()) {
    const [one] = await host.embedImages('dino', [p]);
    assert.ok(cosine(one!, batched[i]!) > 0.9999, `image ${i}: cosine ${cosine(one!, batched[i]!)}`);
  }
  const big = render(svgs[0]!, { size: 224 });
  assert.ok(big.ok);
  await assert.rejects(host.embedImages('dino', [big.pixels]), /must be 128×128 px \(render at that size\), got 224×224/);
  await assert.rejects(host.embedTexts('dino', ['a red car']), /is an image encoder; text needs a text-image encoder/);
});

test('text embeddings: padded to the text tower length, cached per text, in the order asked', async () => {
  const info = host.register('siglip', model('sgp-tiny-siglip', 'text-image-encoder', ['config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json']))!;
  assert.equal(info.textLength, 64);
  const golden = JSON.parse(readFileSync(dir('sgp-tiny-siglip') + 'goldens.json', 'utf8')) as { inputs: { texts: string[] }; quantized: { texts: { pooler_output: number[] }[] } };
  const [a, b] = golden.inputs.texts;
  const first = await host.embedTexts('siglip', [a!, b!, a!]);
  assert.equal(textRuns, 1, 'one batched run for the missing texts');
  assert.ok(cosine(first[0]!, golden.quantized.texts[0]!.pooler_output) > 0.999);
  assert.deepEqual(first[0], first[2]);
  const again = await host.embedTexts('siglip', [b!]);
  assert.equal(textRuns, 1, 'cached: no run');
  assert.deepEqual(again[0], first[1]);
  assert.throws(() => host.info('nothing'), /no encoder loaded as 'nothing'; loaded: dino, siglip/);
  assert.equal(host.register('policy', model('sgp-tiny-policy', 'policy', [])), null);
});
