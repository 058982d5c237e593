// The fused graphs that keep their KV cache in JS (cache-decoder.ts) in onnxruntime-web's WASM backend
// (Node): the fused LoRA sampler against the exported LoRA graph it replaces (model_lora.onnx, whose
// cache round-trips through the graph), with a non-zero LoRA, over enough steps that the cache grows
// past several capacity chunks; with the initial (no-op) LoRA against the fp32 greedy goldens; and the
// default int8 graph sampling the same group for the same seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createSession, type PlainTensor } from '../../../src/lib/models/backend';
import { readSafetensors } from '../../../src/lib/models/safetensors';
import { TextTokenizer } from '../../../src/lib/models/tokenizer';
import { cacheDecoder, keepsCacheOutside } from '../../../src/lib/policy/cache-decoder';
import { decoderShape, onnxDecoder } from '../../../src/lib/policy/onnx-decoder';
import { chatPromptIds } from '../../../src/lib/policy/prompt';
import { DEFAULT_SAMPLE_PARAMS, generate, type SampleParams } from '../../../src/lib/policy/sampler';
import { makeRng } from '../../../src/lib/world/rng';

const dir = 'public/models/sgp-tiny-policy/';
const json = <T>(p: string): T => JSON.parse(readFileSync(dir + p, 'utf8')) as T;
const tok = new TextTokenizer(json('tokenizer.json'), json('tokenizer_config.json'));
const shape = decoderShape(json('config.json'));
const manifest = json<{ sampler: { file: string; lora_inputs: string[] } }>('train_step.json');
const greedy = json<{ cases: { prompt: string; prompt_ids: number[]; ids: number[]; text: string }[] }>('goldens/greedy.json');
const weights = [{ path: 'policy_weights.onnx_data', data: readFileSync(dir + 'onnx/policy_weights.onnx_data') }];
const open = async (file: string) => (await createSession(readFileSync(dir + file), 'wasm', weights)).session;
const params = (p: Partial<SampleParams>): SampleParams => ({ ...DEFAULT_SAMPLE_PARAMS, ...p });

const fused = await open(manifest.sampler.file);
const exported = await open('onnx/model_lora.onnx');
const init = readSafetensors(readFileSync(dir + 'lora_init.safetensors'));

/** The folder's initial LoRA with every B drawn from ±0.05: an adapter that visibly moves the policy. */
function randomLora(seed: number): Record<string, PlainTensor> {
  const rng = makeRng(seed);
  return Object.fromEntries(
    manifest.sampler.lora_inputs.map((n) => {
      const t = init[n]!;
      return [n, n.endsWith('lora_B') ? { ...t, data: Float32Array.from(t.data as Float32Array, () => (rng.next() - 0.5) * 0.1) } : t];
    }),
  );
}

test('train_step.json names the fused LoRA sampler, which keeps its cache outside the graph', () => {
  assert.equal(manifest.sampler.file, 'onnx/model_lora_fused.onnx');
  assert.ok(keepsCacheOutside(fused));
  assert.ok(!keepsCacheOutside(exported), 'model_lora.onnx is the transformers.js layout');
});

test('the fused LoRA sampler with a non-zero LoRA decodes as model_lora.onnx: same greedy tokens, log-probs within 1e-3, past 3 cache chunks', async () => {
  const lora = randomLora(5);
  const prompt = chatPromptIds(tok, 'a red circle above a blue square');
  // 110 tokens in 3 rows: the cache grows past 32, 64, 96 and 128 slots on the way.
  const p = params({ n: 3, temperature: 0, maxNewTokens: 110, minNewTokens: 110, stop: [] });
  const a = await generate(cacheDecoder(fused, shape, lora), tok, prompt, p);
  const b = await generate(onnxDecoder(exported, shape, lora), tok, prompt, p);
  const base = await generate(cacheDecoder(fused, shape, init), tok, prompt, p);
  let worst = 0;
  for (const [i, s] of a.samples.entries()) {
    assert.deepEqual(s.tokens, b.samples[i]!.tokens, `row ${i}`);
    s.logprobs.forEach((lp, k) => (worst = Math.max(worst, Math.abs(lp - b.samples[i]!.logprobs[k]!))));
  }
  assert.ok(worst <= 1e-3, `largest log-prob difference ${worst}`);
  assert.equal(a.samples[0]!.tokens.length, 110);
  const moved = a.samples[0]!.logprobs.some((lp, k) => Math.abs(lp - base.samples[0]!.logprobs[k]!) > 1e-2);
  assert.ok(moved, 'the LoRA changed nothing: the sampler ignores its LoRA inputs');
});

test('the fused LoRA sampler with the initial LoRA (B = 0) reproduces every fp32 greedy golden', async () => {
  const graph = cacheDecoder(fused, shape, init);
  for (const c of greedy.cases) {
    const g = await generate(graph, tok, c.prompt_ids, params({ n: 2, temperature: 0, maxNewTokens: c.ids.length + 5 }));
    for (const s of g.samples) assert.deepEqual(s.tokens, c.ids, c.prompt);
    assert.equal(g.samples[1]!.text, c.text);
  }
});

test('the default int8 graph keeps its cache outside; the same seed samples the same group twice', async () => {
  const int8 = await open('onnx/model_quantized.onnx');
  assert.ok(keepsCacheOutside(int8));
  const graph = cacheDecoder(int8, shape);
  const prompt = chatPromptIds(tok, 'a purple triangle above a yellow square');
  // (a row alone and the same row in a group can differ here: dynamic int8 quantizes each activation
  // tensor with one scale for the whole batch)
  const p = params({ n: 4, temperature: 1, seed: 3, maxNewTokens: 70 });
  const a = await generate(graph, tok, prompt, p);
  const b = await generate(graph, tok, prompt, p);
  assert.deepEqual(a.samples.map((s) => s.tokens), b.samples.map((s) => s.tokens));
  assert.ok(a.samples.some((s) => s.text !== a.samples[0]!.text), 'rows of one group differ (their own seeds)');
});
