// A GRPO group as the train-step graph takes it: rows right-padded to the smallest length bucket that
// holds the longest one, a loss mask over the sampled tokens, one advantage per row, and padding rows
// (mask 0, advantage 0) up to the graph's batch so a smaller group adds nothing to loss or gradient.

/** One group: each row is prompt ids then the sampled ids (eos included when it was sampled). */
export interface TrainBatch {
  ids: number[][];
  /** Prompt tokens at the start of each row (not trained on). */
  promptLen: number[];
  /** Tokens of each row that count (the loss covers [promptLen, length)); default: the row's length. */
  length?: number[];
  advantages: number[];
  /** The sampler's log-prob of each sampled token, per row, when it differs from the learner (trainer.ts). */
  oldLogp?: number[][];
  /** The reference's log-prob of each sampled token, per row; default (klBeta > 0): the base policy, LoRA off. */
  refLogp?: number[][];
}

/** Packs a group into the bucket's (B, T) arrays: right padding, loss mask over the sampled tokens. */
export function packBatch(batch: TrainBatch, B: number, buckets: number[], padId: number) {
  const rows = batch.ids.length;
  if (rows < 1 || rows > B) throw new Error(`a train step takes 1 to ${B} rows (one group of G ≤ ${B}); got ${rows}`);
  for (const [what, arr] of [['promptLen', batch.promptLen], ['advantages', batch.advantages], ['length', batch.length], ['oldLogp', batch.oldLogp], ['refLogp', batch.refLogp]] as const) {
    if (arr && arr.length !== rows) throw new Error(`${what} has ${arr.length} entries for ${rows} rows; give one per row`);
  }
  const lengths = batch.ids.map((r, i) => Math.min(r.length, batch.length?.[i] ?? r.length));
  const longest = Math.max(...lengths);
  const seq = buckets.find((t) => t >= longest) ?? buckets.at(-1)!;
  const ids = new Array<number>(B * seq).fill(padId);
  const mask = new Float32Array(B * seq);
  const advantages = new Float32Array(B);
  const oldLogp = batch.oldLogp ? new Float32Array(B * seq) : null;
  const refLogp = batch.refLogp ? new Float32Array(B * seq) : null;
  let tokens = 0;
  let truncated = 0;
  batch.ids.forEach((row, b) => {
    const p = batch.promptLen[b]!;
    if (!(Number.isInteger(p) && p >= 1 && p <= lengths[b]!)) throw new Error(`row ${b}: promptLen ${p} must be an integer in [1, ${lengths[b]}] (the row's length)`);
    if (!Number.isFinite(batch.advantages[b])) throw new Error(`row ${b}: advantage ${batch.advantages[b]} is not a finite number`);
    const n = Math.min(lengths[b]!, seq);
    truncated += n < lengths[b]! ? 1 : 0;
    for (let t = 0; t < n; t++) ids[b * seq + t] = row[t]!;
    mask.fill(1, b * seq + Math.min(p, n), b * seq + n);
    tokens += Math.max(0, n - p);
    advantages[b] = batch.advantages[b]!;
    for (const [dense, given] of [[oldLogp, batch.oldLogp?.[b]], [refLogp, batch.refLogp?.[b]]] as const) {
      if (dense && given) for (let t = p; t < n; t++) dense[b * seq + t] = given[t - p] ?? 0;
    }
  });
  return { seq, ids, mask, advantages, oldLogp, refLogp, tokens, truncated };
}

