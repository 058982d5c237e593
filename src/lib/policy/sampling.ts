// Choosing the next token from one row of logits: greedy, or temperature / top-k / top-p sampling
// with a seeded generator. Ties break towards the lower token id, so the same logits and seed pick
// the same token everywhere.
import type { Rng } from '../world/rng';

export interface SamplingParams {
  /** 0 = greedy (argmax). */
  temperature: number;
  /** Keep the k most likely tokens; 0 = all. */
  topK: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p; 1 = all. */
  topP: number;
}

export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if ((logits[i] as number) > (logits[best] as number)) best = i;
  return best;
}

/** log p(token) under softmax(logits) at temperature 1: the policy's own log-prob, as RL needs it. */
export function logProb(logits: ArrayLike<number>, token: number): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i] as number);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp((logits[i] as number) - max);
  return (logits[token] as number) - max - Math.log(sum);
}

export function pickToken(logits: ArrayLike<number>, p: SamplingParams, rng: Rng): number {
  if (p.temperature <= 0) return argmax(logits);
  let ids = Array.from({ length: logits.length }, (_, i) => i);
  const filtered = p.topK > 0 || p.topP < 1;
  if (filtered) ids.sort((a, b) => (logits[b] as number) - (logits[a] as number) || a - b);
  if (p.topK > 0) ids = ids.slice(0, p.topK);
  const max = Math.max(...ids.map((i) => logits[i] as number));
  let weights = ids.map((i) => Math.exp(((logits[i] as number) - max) / p.temperature));
  if (p.topP < 1) {
    const total = weights.reduce((a, b) => a + b, 0);
    let cum = 0;
    let keep = 0;
    while (keep < weights.length && cum < p.topP * total) cum += weights[keep++] as number;
    ids = ids.slice(0, Math.max(1, keep));
    weights = weights.slice(0, ids.length);
  }
  let r = rng.next() * weights.reduce((a, b) => a + b, 0);
  for (let k = 0; k < ids.length; k++) {
    r -= weights[k] as number;
    if (r < 0) return ids[k] as number;
  }
  return ids[ids.length - 1] as number; // rounding left r ≥ 0 after the last weight
}

/** Exp weights of one row, reused across calls: sampling allocates nothing per token. */
let weights = new Float64Array(0);

/**
 * The token `pickToken` would choose and its `logProb`, in one pass over the row and without
 * allocating (the sampler's per-token path: at batch 8 it runs 8 times a step). Same sums in the same
 * order as those two, so the same seed picks the same token. `banned` (≥ 0) is never chosen, as if its
 * logit were −∞; its log-prob still counts in the normaliser (it is the policy's own distribution).
 */
export function chooseToken(logits: Float32Array, p: SamplingParams, rng: Rng, banned = -1): { token: number; logprob: number } {
  const V = logits.length;
  if (p.temperature > 0 && (p.topK > 0 || p.topP < 1)) {
    // top-k / top-p sort the row: rare in the app, so the general path.
    const row = banned >= 0 ? logits.slice() : logits;
    if (banned >= 0) row[banned] = -Infinity;
    const token = pickToken(row, p, rng);
    return { token, logprob: logProb(logits, token) };
  }
  let maxAll = -Infinity;
  let maxPick = -Infinity;
  let best = -1;
  for (let i = 0; i < V; i++) {
    const x = logits[i]!;
    if (x > maxAll) maxAll = x;
    if (i !== banned && (best < 0 || x > logits[best]!)) [best, maxPick] = [i, x];
  }
  if (weights.length < V) weights = new Float64Array(V);
  let sumAll = 0;
  for (let i = 0; i < V; i++) sumAll += Math.exp(logits[i]! - maxAll);
  let token = best; // greedy: the first of the largest, as argmax
  if (p.temperature > 0) {
    let total = 0;
    for (let i = 0; i < V; i++) total += weights[i] = i === banned ? 0 : Math.exp((logits[i]! - maxPick) / p.temperature);
    let r = rng.next() * total;
    token = V - 1; // rounding left r ≥ 0 after the last weight
    for (let k = 0; k < V; k++) {
      r -= weights[k]!;
      if (r < 0) {
        token = k;
        break;
      }
    }
  }
  return { token, logprob: logits[token]! - maxAll - Math.log(sumAll) };
}
