// Sampling a group through a decode step that chooses tokens itself (gpu-step.ts: the WebGPU graph of
// training/policy/gpu_graph.py). The caller's side of the Gumbel-max trick: per row and step it writes
// noise = T·Gumbel(u) for every token (u from the row's seeded generator; 0 everywhere for greedy),
// −1e9 on a banned token, and the graph returns argmax(logits + noise) and its log-prob at T = 1.
// Only token ids and log-probs come back each step, never a row of logits.
//
// Same prompt, params, seed and graph → the same programs; greedy picks the same tokens as sampler.ts
// (argmax, first of ties). With T > 0 the draws differ from sampler.ts's inverse-CDF draws (another
// way to sample the same distribution), so seeds are comparable only within one path. The prompt goes
// through the step one token at a time (rows alike): the graph has one static shape. Stop strings, eos,
// min/max tokens, events and cancelling behave as in sampler.ts.
import { hash32, makeRng, type Rng } from '../world/rng';
import type { Generation, GenerateOptions, Sample, SampleParams, StepEvent, TextDecoder } from './sampler';
import { appendToken } from './sampler';
import { TextStream } from './text-stream';

export interface StepGraph {
  readonly rows: number;
  readonly vocabSize: number;
  /** Positions the cache holds: prompt + new tokens must fit. */
  readonly maxLength: number;
  /**
   * Feeds one token per row at `position` (the cache holds positions < `position` from earlier calls);
   * `noise` [rows, vocab] is added to the logits before the argmax, or null to reuse the last (its
   * result is not used). Returns [rows, 2]: token id, log p(token) at temperature 1.
   */
  step(ids: Int32Array, position: number, noise: Float32Array | null): Promise<Float32Array>;
}

/** Whether a request can use a step graph: plain temperature sampling or greedy (no top-k/top-p). */
export function stepGraphCan(params: Pick<SampleParams, 'topK' | 'topP'>): boolean {
  return params.topK === 0 && params.topP >= 1;
}

const BANNED = -1e9;

export async function generateWithStep(
  graph: StepGraph,
  tokenizer: TextDecoder,
  promptIds: readonly number[],
  params: SampleParams,
  { onStep, signal, betweenSteps }: GenerateOptions = {},
): Promise<Generation> {
  if (promptIds.length === 0) throw new Error('the prompt has no tokens; pass at least one token id');
  if (params.n !== graph.rows) throw new Error(`this step graph decodes ${graph.rows} rows; the request asks for n = ${params.n}`);
  if (!stepGraphCan(params)) throw new Error(`a step graph samples with temperature only; top-k ${params.topK} / top-p ${params.topP} need sampler.ts`);
  const maxNew = Math.min(params.maxNewTokens, graph.maxLength - promptIds.length);
  if (maxNew < 1) throw new Error(`the prompt has ${promptIds.length} tokens; the step graph holds ${graph.maxLength} positions`);
  const t0 = performance.now();
  const G = params.n;
  const V = graph.vocabSize;
  const rngs: Rng[] = Array.from({ length: G }, (_, i) => makeRng(hash32(`${params.seed}/sample/${i}`)));
  const samples: Sample[] = Array.from({ length: G }, (_, i) => ({ i, tokens: [], logprobs: [], text: '', finish: null }));
  const streams = samples.map(() => new TextStream((ids) => tokenizer.decode(ids)));
  const noise = new Float32Array(G * V);
  const ids = new Int32Array(G);
  let cancelled = signal?.aborted ?? false;
  const cancel = () => (cancelled = true);
  signal?.addEventListener('abort', cancel);

  const fillNoise = (): Float32Array => {
    for (const s of samples) {
      if (s.finish) continue; // a finished row's choice is ignored
      const row = noise.subarray(s.i * V, (s.i + 1) * V);
      if (params.temperature > 0) {
        const rng = rngs[s.i]!;
        // Gumbel(u) = −log(−log u); u = 0 gives −∞: that token is never drawn, as its probability is 0 there
        for (let k = 0; k < V; k++) row[k] = -params.temperature * Math.log(-Math.log(rng.next()));
      } else row.fill(0);
      if (s.tokens.length < (params.minNewTokens ?? 0)) row[tokenizer.eosId] = BANNED;
    }
    return noise;
  };

  let next: Float32Array | null = null;
  for (let p = 0; p < promptIds.length; p++) {
    ids.fill(promptIds[p]!);
    next = await graph.step(ids, p, p === promptIds.length - 1 ? fillNoise() : null);
  }
  let firstTokenMs = 0;
  let firstTokens = 0;
  let newTokens = 0;
  let lastReply: Promise<void> | undefined;
  try {
    for (let step = 0; step < maxNew && !cancelled; step++) {
      const event: StepEvent = { step, tokens: [], ms: 0 };
      for (const s of samples) {
        if (s.finish) continue;
        const token = next![s.i * 2]!;
        const logprob = next![s.i * 2 + 1]!;
        const delta = appendToken(s, token, logprob, tokenizer.eosId, streams[s.i]!, params.stop, maxNew);
        newTokens++;
        event.tokens.push({ i: s.i, token, delta, logprob, finish: s.finish });
      }
      if (step === 0) [firstTokenMs, firstTokens] = [performance.now() - t0, newTokens];
      event.ms = performance.now() - t0;
      const reply = onStep?.(event);
      if (reply instanceof Promise) lastReply = reply.then((ok) => void (ok === false && cancel()), () => undefined);
      else if (reply === false) cancel();
      if (samples.every((s) => s.finish)) break;
      await betweenSteps?.();
      if (cancelled || step + 1 >= maxNew) break;
      for (const s of samples) ids[s.i] = s.finish ? tokenizer.eosId : s.tokens.at(-1)!;
      next = await graph.step(ids, promptIds.length + step, fillNoise());
    }
  } finally {
    signal?.removeEventListener('abort', cancel);
  }
  const totalMs = performance.now() - t0;
  const decodeMs = totalMs - firstTokenMs;
  const stopped = cancelled;
  await lastReply;
  for (const s of samples) s.finish ??= stopped ? 'cancelled' : 'length';
  return { samples, promptTokens: promptIds.length, firstTokenMs, totalMs, newTokens, tokPerS: decodeMs > 0 ? ((newTokens - firstTokens) * 1000) / decodeMs : 0 };
}
