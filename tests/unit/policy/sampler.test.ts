// The sampler on the bundled policy in onnxruntime-web's WASM backend (Node), through the same
// backend module and decoder adapter the ml worker uses: greedy decoding against the goldens that
// onnxruntime (Python) wrote, log-probs against their logits, and seeded sampling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createSession } from '../../../src/lib/models/backend';
import { TextTokenizer } from '../../../src/lib/models/tokenizer';
import { decoderShape, onnxDecoder } from '../../../src/lib/policy/onnx-decoder';
import { chatPromptIds } from '../../../src/lib/policy/prompt';
import { DEFAULT_SAMPLE_PARAMS, generate, type SampleParams, type StepEvent } from '../../../src/lib/policy/sampler';

const dir = 'public/models/sgp-tiny-policy/';
const json = <T>(p: string): T => JSON.parse(readFileSync(dir + p, 'utf8')) as T;
const tok = new TextTokenizer(json('tokenizer.json'), json('tokenizer_config.json'));
const greedy = json<{ cases: { prompt: string; prompt_ids: number[]; ids: number[]; text: string; finished: boolean }[] }>('goldens/greedy.json');
const logits = json<{ tolerance: { fp32_abs: number }; prefill: { attention_mask: number[][]; input_ids: number[][]; last_logits: number[][] }; step: { input_ids: number[][]; logits: number[][] } }>('goldens/logits.json');

// fp32 keeps its weights in the file it shares with the LoRA, log-prob and train-step graphs.
const { session } = await createSession(readFileSync(dir + 'onnx/model.onnx'), 'wasm', [{ path: 'policy_weights.onnx_data', data: readFileSync(dir + 'onnx/policy_weights.onnx_data') }]);
const graph = onnxDecoder(session, decoderShape(json('config.json')));
const params = (p: Partial<SampleParams>): SampleParams => ({ ...DEFAULT_SAMPLE_PARAMS, ...p });

function logSoftmax(row: number[]): number[] {
  const max = Math.max(...row);
  const lse = max + Math.log(row.reduce((a, x) => a + Math.exp(x - max), 0));
  return row.map((x) => x - lse);
}

test('greedy decoding reproduces every golden program token for token', async () => {
  for (const c of greedy.cases) {
    assert.deepEqual(chatPromptIds(tok, c.prompt), c.prompt_ids, c.prompt);
    const g = await generate(graph, tok, c.prompt_ids, params({ n: 1, temperature: 0, maxNewTokens: c.ids.length + 5 }));
    const [s] = g.samples;
    assert.deepEqual(s!.tokens, c.ids, c.prompt);
    assert.equal(s!.text, c.text);
    assert.equal(s!.finish, 'stop');
  }
});

test('per-token log-probs match the golden logits within 1e-3 (prefill and one cached step)', async () => {
  const tol = logits.tolerance.fp32_abs;
  for (const [r, row] of logits.prefill.input_ids.entries()) {
    const prompt = row.filter((_, j) => logits.prefill.attention_mask[r]![j] === 1);
    const g = await generate(graph, tok, prompt, params({ n: 2, temperature: 0, maxNewTokens: 2 }));
    const first = logits.prefill.last_logits[r]!;
    const next = logits.step.logits[r]!;
    assert.equal(g.samples[0]!.tokens[0], logits.step.input_ids[r]![0], 'greedy first token is the golden step input');
    for (const s of g.samples) {
      const want = [logSoftmax(first)[s.tokens[0]!]!, logSoftmax(next)[s.tokens[1]!]!];
      s.logprobs.forEach((lp, k) => assert.ok(Math.abs(lp - want[k]!) <= tol, `row ${r} token ${k}: log-prob ${lp}, golden ${want[k]}`));
    }
  }
});

test('the same seed samples the same group; another seed a different one; rows match the stream', async () => {
  const prompt = chatPromptIds(tok, 'a green square next to a blue circle');
  const p = params({ n: 3, temperature: 1, topK: 50, topP: 0.95, maxNewTokens: 24, seed: 7 });
  const events: StepEvent[] = [];
  const a = await generate(graph, tok, prompt, p, { onStep: (e) => void events.push(e) });
  const b = await generate(graph, tok, prompt, p);
  const c = await generate(graph, tok, prompt, { ...p, seed: 8 });
  assert.deepEqual(a.samples.map((s) => s.tokens), b.samples.map((s) => s.tokens));
  assert.notDeepEqual(a.samples.map((s) => s.tokens), c.samples.map((s) => s.tokens));
  for (const s of a.samples) {
    assert.equal(s.logprobs.length, s.tokens.length);
    assert.ok(s.logprobs.every((lp) => lp <= 0 && Number.isFinite(lp)));
    const streamed = events.flatMap((e) => e.tokens.filter((t) => t.i === s.i));
    assert.deepEqual(streamed.map((t) => t.token), s.tokens);
    assert.equal(streamed.map((t) => t.delta).join(''), s.text);
  }
  assert.equal(a.newTokens, a.samples.reduce((n, s) => n + s.tokens.length, 0));
  assert.ok(a.firstTokenMs > 0 && a.tokPerS > 0);
});

test('cancel: an aborted signal or an onStep returning false stops the group', async () => {
  const prompt = chatPromptIds(tok, 'a red circle');
  const p = params({ n: 2, maxNewTokens: 50, seed: 1 });
  const stopped = await generate(graph, tok, prompt, p, { onStep: (e) => e.step < 3 });
  assert.deepEqual(stopped.samples.map((s) => [s.tokens.length, s.finish]), [[4, 'cancelled'], [4, 'cancelled']]);
  const ctl = new AbortController();
  ctl.abort();
  const none = await generate(graph, tok, prompt, p, { signal: ctl.signal });
  assert.deepEqual(none.samples.map((s) => [s.tokens.length, s.finish]), [[0, 'cancelled'], [0, 'cancelled']]);
});

test('max new tokens ends every row with finish "length"', async () => {
  const g = await generate(graph, tok, chatPromptIds(tok, 'a red circle'), params({ n: 2, maxNewTokens: 5, seed: 3 }));
  assert.deepEqual(g.samples.map((s) => [s.tokens.length, s.finish]), [[5, 'length'], [5, 'length']]);
});
