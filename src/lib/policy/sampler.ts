// Samples a group of G programs for one prompt from a KV-cache decoder. The shared prompt is
// prefilled once (one row), its cache repeated to G rows, then all rows decode together, one token
// per row per step. A row stops at eos or once its text holds a stop string (`</svg>`); finished rows
// leave the batch when the graph can drop them (`keep`: programs of one group differ in length by 2–3×,
// and the tail would otherwise decode all G rows), else they ride along (fed eos, ignored) until every
// row is done, max new tokens is reached, or the caller cancels. Same prompt, params, seed and graph (backend + variant) → the same programs.
import type { DecoderGraph } from './decoder';
import { chooseToken, type SamplingParams } from './sampling';
import { GroupRun } from './group-run';

export interface SampleParams extends SamplingParams {
  /** Group size G. */
  n: number;
  maxNewTokens: number;
  /** eos is not chosen before this many tokens (benchmarks use it to decode a fixed length). */
  minNewTokens?: number;
  seed: number;
  /** A row stops once its text contains one of these (kept in the text). */
  stop: string[];
}

export const DEFAULT_SAMPLE_PARAMS: SampleParams = { n: 8, temperature: 1, topK: 0, topP: 1, maxNewTokens: 700, seed: 0, stop: ['</svg>'] };

export type FinishReason = 'stop' | 'eos' | 'length' | 'cancelled';

export interface Sample {
  i: number;
  tokens: number[];
  /** log p(token) under the policy at temperature 1, one per token. */
  logprobs: number[];
  text: string;
  finish: FinishReason | null;
}

/** One decode step: the token each still-running row chose. */
export interface StepEvent {
  step: number;
  tokens: { i: number; token: number; delta: string; logprob: number; finish: FinishReason | null }[];
  /** Since generation started. */
  ms: number;
}

export interface Generation {
  samples: Sample[];
  promptTokens: number;
  /** Prefill + first token of every row. */
  firstTokenMs: number;
  totalMs: number;
  /** Tokens chosen by running rows, all rows together. */
  newTokens: number;
  /** newTokens over the time after the first token: the decode rate. */
  tokPerS: number;
}

export interface TextDecoder {
  eosId: number;
  decode(ids: readonly number[]): string;
}

export interface GenerateOptions {
  /**
   * Called after every step; returning false (or a promise of false) cancels at the next step. Promises
   * it returns are settled before `generate` resolves: across a worker boundary, the last steps reach
   * the page before the result does.
   */
  onStep?: (e: StepEvent) => unknown;
  signal?: AbortSignal;
  /**
   * Awaited after each step. In a worker, pass `nextTask`: a step that never leaves the microtask
   * queue would never read the page's messages, so a cancel sent from the page would arrive only
   * after the whole group.
   */
  betweenSteps?: () => Promise<void>;
}

/** Resolves in a new task (a message event: not clamped to 4 ms like nested timers). */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}

export async function generate<C>(
  graph: DecoderGraph<C>,
  tokenizer: TextDecoder,
  promptIds: readonly number[],
  params: SampleParams,
  { onStep, signal, betweenSteps }: GenerateOptions = {},
): Promise<Generation> {
  if (promptIds.length === 0) throw new Error('the prompt has no tokens; pass at least one token id');
  if (!(params.n >= 1 && Number.isInteger(params.n))) throw new Error(`n must be a positive integer, got ${params.n}`);
  const G = params.n;
  const V = graph.vocabSize;
  const run = new GroupRun(tokenizer, params, params.maxNewTokens, { onStep, signal, betweenSteps });
  const { samples } = run;
  let { logits, cache } = await graph.forward({ ids: [...promptIds], rows: 1, pastLength: 0, past: null });
  let shared = true; // after prefill every row reads the one row of logits
  let live = samples.map((s) => s.i); // the batch's rows, as sample indices
  try {
    if (G > 1) cache = await graph.expand(cache, G);
    for (let step = 0; !run.isCancelled; step++) {
      for (const [r, i] of live.entries()) {
        const s = samples[i]!;
        if (s.finish) continue;
        const row = shared ? logits.subarray(0, V) : logits.subarray(r * V, (r + 1) * V);
        const { token, logprob } = chooseToken(row, params, run.rngs[s.i]!, run.eosBanned(s) ? tokenizer.eosId : -1);
        run.add(step, s, token, logprob);
      }
      if (!(await run.endStep(step))) break;
      const running = live.filter((i) => !samples[i]!.finish);
      if (graph.keep && running.length < live.length) {
        cache = await graph.keep(cache, running.map((i) => live.indexOf(i)));
        live = running;
      }
      const ids = live.map((i) => (samples[i]!.finish ? tokenizer.eosId : samples[i]!.tokens.at(-1)!));
      const next = await graph.forward({ ids, rows: live.length, pastLength: promptIds.length + step, past: cache });
      graph.release(cache);
      ({ logits, cache } = next);
      shared = false;
    }
  } finally {
    graph.release(cache);
    run.close();
  }
  return run.result(promptIds.length);
}
