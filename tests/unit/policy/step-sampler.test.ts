// The step-graph sampling loop (step-sampler.ts) on the real step graph (onnx/model_gpu.onnx, built by
// training/policy/gpu_graph.py) in onnxruntime-web's WASM backend: the browser runs it on WebGPU with its
// cache in place (gpu-step.ts); here the present cache is fed back as the next past, same function.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createSession, run, type PlainTensor } from '../../../src/lib/models/backend';
import { TextTokenizer } from '../../../src/lib/models/tokenizer';
import { decoderShape } from '../../../src/lib/policy/onnx-decoder';
import { DEFAULT_SAMPLE_PARAMS, type SampleParams } from '../../../src/lib/policy/sampler';
import { generateWithStep, stepGraphCan, type StepGraph } from '../../../src/lib/policy/step-sampler';
import { readSafetensors } from '../../../src/lib/models/safetensors';

const dir = 'public/models/sgp-tiny-policy/';
const json = <T>(p: string): T => JSON.parse(readFileSync(dir + p, 'utf8')) as T;
const tok = new TextTokenizer(json('tokenizer.json'), json('tokenizer_config.json'));
const greedy = json<{ cases: { prompt_ids: number[]; ids: number[]; text: string }[] }>('goldens/greedy.json');
const shape = decoderShape(json('config.json'));
const weights = [{ path: 'policy_weights.onnx_data', data: readFileSync(dir + 'onnx/policy_weights.onnx_data') }];
const { session } = await createSession(readFileSync(dir + 'onnx/model_gpu.onnx'), 'wasm', weights);
const lora = await createSession(readFileSync(dir + 'onnx/model_gpu_lora.onnx'), 'wasm', weights);
const params = (p: Partial<SampleParams>): SampleParams => ({ ...DEFAULT_SAMPLE_PARAMS, ...p });

function wasmStep(rows: number, maxLength: number, extra: { session: typeof session; feeds: Record<string, PlainTensor> } = { session, feeds: {} }): StepGraph & { noises: (Float32Array | null)[] } {
  const cacheDims = [rows, shape.kvHeads, maxLength, shape.headDim];
  let cache: Record<string, PlainTensor> = {};
  for (let l = 0; l < shape.layers; l++) for (const kv of ['key', 'value']) cache[`past_key_values.${l}.${kv}`] = { type: 'float32', dims: cacheDims, data: new Float32Array(cacheDims.reduce((a, b) => a * b)) };
  let noise = new Float32Array(rows * shape.vocabSize);
  const noises: (Float32Array | null)[] = [];
  return {
    rows, vocabSize: shape.vocabSize, maxLength, noises,
    async step(ids, position, next) {
      noises.push(next && next.slice());
      if (next) noise = next.slice();
      const out = await run(extra.session, {
        ...extra.feeds,
        input_ids: { type: 'int32', dims: [rows, 1], data: ids }, seqlens_k: { type: 'int32', dims: [rows], data: new Int32Array(rows).fill(position) },
        total_sequence_length: { type: 'int32', dims: [1], data: [position + 1] }, noise: { type: 'float32', dims: [rows, shape.vocabSize], data: noise }, ...cache,
      });
      cache = Object.fromEntries(Object.entries(out).filter(([k]) => k.startsWith('present.')).map(([k, v]) => [`past_key_values.${k.slice('present.'.length)}`, v]));
      return out.next!.data as Float32Array;
    },
  };
}

test('greedy through the step graph reproduces the goldens (2 rows alike), stop string kept', async () => {
  for (const c of greedy.cases.slice(0, 3)) {
    const g = await generateWithStep(wasmStep(2, 256), tok, c.prompt_ids, params({ n: 2, temperature: 0, maxNewTokens: c.ids.length + 5 }));
    for (const s of g.samples) {
      assert.deepEqual(s.tokens, c.ids);
      assert.equal(s.text, c.text);
      assert.equal(s.finish, 'stop');
      assert.ok(s.logprobs.every((x) => x <= 0 && Number.isFinite(x)));
    }
  }
});

test('seeded sampling: same seed, same tokens; rows and seeds differ; min tokens bans eos through the noise; greedy noise is 0', async () => {
  const prompt = greedy.cases[0]!.prompt_ids;
  const p = params({ n: 3, temperature: 1, seed: 3, maxNewTokens: 20, minNewTokens: 20, stop: [] });
  const a = await generateWithStep(wasmStep(3, 256), tok, prompt, p);
  const b = await generateWithStep(wasmStep(3, 256), tok, prompt, p);
  const c = await generateWithStep(wasmStep(3, 256), tok, prompt, { ...p, seed: 4 });
  assert.deepEqual(a.samples.map((s) => s.tokens), b.samples.map((s) => s.tokens));
  assert.notDeepEqual(a.samples.map((s) => s.tokens), c.samples.map((s) => s.tokens));
  assert.ok(a.samples.every((s) => s.tokens.length === 20 && !s.tokens.includes(tok.eosId) && s.finish === 'length'));
  const graph = wasmStep(1, 256);
  await generateWithStep(graph, tok, prompt, params({ n: 1, temperature: 0, maxNewTokens: 3, minNewTokens: 2, stop: [] }));
  const written = graph.noises.filter((n): n is Float32Array => n !== null);
  assert.equal(graph.noises.length - written.length, prompt.length - 1, 'the prompt steps before the last write no noise');
  assert.equal(written[0]![tok.eosId], -1e9, 'eos banned while below min tokens');
  assert.equal(written.at(-1)![tok.eosId], 0, 'and allowed after');
  assert.ok(written.every((n) => n.every((x, k) => x === 0 || k === tok.eosId)), 'greedy adds nothing else');
});

test('requests the step graph cannot serve are refused with the reason', async () => {
  assert.equal(stepGraphCan({ topK: 0, topP: 1 }), true);
  assert.equal(stepGraphCan({ topK: 5, topP: 1 }), false);
  assert.equal(stepGraphCan({ topK: 0, topP: 0.9 }), false);
  await assert.rejects(generateWithStep(wasmStep(2, 256), tok, [1, 2], params({ n: 3 })), /decodes 2 rows; the request asks for n = 3/);
  await assert.rejects(generateWithStep(wasmStep(1, 16), tok, Array(16).fill(5), params({ n: 1 })), /holds 16 positions/);
});

test('the LoRA step graph with the initial (no-op) adapter decodes the goldens; a changed adapter changes the tokens', async () => {
  const init = readSafetensors(new Uint8Array(readFileSync(dir + 'lora_init.safetensors')));
  const c = greedy.cases[0]!;
  const g = await generateWithStep(wasmStep(1, 256, { session: lora.session, feeds: init }), tok, c.prompt_ids, params({ n: 1, temperature: 0, maxNewTokens: c.ids.length + 5 }));
  assert.deepEqual(g.samples[0]!.tokens, c.ids);
  const bumped = Object.fromEntries(Object.entries(init).map(([k, t]) => [k, k.endsWith('lora_B') ? { ...t, data: (t.data as Float32Array).map((_, i) => Math.sin(i) * 0.5) } : t]));
  const h = await generateWithStep(wasmStep(1, 256, { session: lora.session, feeds: bumped }), tok, c.prompt_ids, params({ n: 1, temperature: 0, maxNewTokens: c.ids.length + 5 }));
  assert.notDeepEqual(h.samples[0]!.tokens, c.ids);
});
