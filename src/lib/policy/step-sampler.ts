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
// min/max tokens, events and cancelling are sampler.ts's (group-run.ts).
import type { Generation, GenerateOptions, SampleParams, TextDecoder } from './sampler';
import { GroupRun } from './group-run';

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
  const G = params.n;
  const V = graph.vocabSize;
  const run = new GroupRun(tokenizer, params, maxNew, { onStep, signal, betweenSteps });
  const { samples } = run;
  const noise = new Float32Array(G * V);
  const ids = new Int32Array(G);

  const fillNoise = (): Float32Array => {
    for (const s of samples) {
      if (s.finish) continue; // a finished row's choice is ignored
      const row = noise.subarray(s.i * V, (s.i + 1) * V);
      if (params.temperature > 0) {
        const rng = run.rngs[s.i]!;
        // Gumbel(u) = −log(−log u); u = 0 gives −∞: that token is never drawn, as its probability is 0 there
        for (let k = 0; k < V; k++) row[k] = -params.temperature * Math.log(-Math.log(rng.next()));
      } else row.fill(0);
      if (run.eosBanned(s)) row[tokenizer.eosId] = BANNED;
    }
    return noise;
  };

  try {
    let next: Float32Array | null = null;
    for (let p = 0; p < promptIds.length; p++) {
      ids.fill(promptIds[p]!);
      next = await graph.step(ids, p, p === promptIds.length - 1 ? fillNoise() : null);
    }
    for (let step = 0; !run.isCancelled; step++) {
      for (const s of samples) if (!s.finish) run.add(step, s, next![s.i * 2]!, next![s.i * 2 + 1]!);
      if (!(await run.endStep(step))) break;
      for (const s of samples) ids[s.i] = s.finish ? tokenizer.eosId : s.tokens.at(-1)!;
      next = await graph.step(ids, promptIds.length + step, fillNoise());
    }
  } finally {
    run.close();
  }
  return run.result(promptIds.length);
}
