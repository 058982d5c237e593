// A GRPO group as the graphs take it. packSlots: the train step's layout, rows packed into as few slots as
// they fit (below). packBatch: the bucket layout of the log-prob graph (the KL reference pass) — rows
// right-padded to the smallest length bucket that holds the longest one, a loss mask over the sampled tokens,
// one advantage per row, and padding rows (mask 0, advantage 0) up to the graph's batch.

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

/** Packs a group into a bucket's (B, T) arrays: right padding, loss mask over the sampled tokens. */
export function packBatch(batch: TrainBatch, B: number, buckets: number[], padId: number) {
  checkBatch(batch, B);
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

/**
 * Attention's share of a step grows with the slot length: per token it costs as much as the rest of the step
 * (projections, MLP, LM head) at about this length — from the flops per token (≈ 20 M vs ≈ 18 k per key),
 * with softmax's elementwise passes weighed in. Slot lengths are chosen by S·L·(1 + L / ATTENTION_TOKENS).
 */
export const ATTENTION_TOKENS = 768;

/**
 * Packs a group for the packed train step (train_step_packed.onnx, dynamic shapes): rows sorted by length go
 * first-fit into slots of one length L, so a group costs about its real tokens instead of G × the longest
 * row (or × a bucket). L is the longest row, or a pair of rows' total when fewer, longer slots cost less
 * (ATTENTION_TOKENS). In a slot each row keeps its own positions (from 0) and a segment id (1, 2, … ;
 * 0 = padding) that keeps its attention to itself; advantages are per token. Same slots as
 * training/policy/train_step_packed.py's `pack`.
 */
export function packSlots(batch: TrainBatch, maxRows: number, maxLength: number, padId: number) {
  checkBatch(batch, maxRows);
  const full = batch.ids.map((r, i) => Math.min(r.length, batch.length?.[i] ?? r.length));
  const lengths = full.map((n) => Math.min(n, maxLength));
  const order = lengths.map((_, b) => b).sort((a, b) => lengths[b]! - lengths[a]!);
  const longest = Math.max(2, lengths[order[0]!]!);
  const candidates = [longest, ...lengths.flatMap((a, i) => lengths.slice(i + 1).map((b) => a + b)).filter((l) => l > longest && l <= maxLength)];
  const cost = (l: number) => firstFit(lengths, order, l).fill.length * l * (1 + l / ATTENTION_TOKENS);
  const L = candidates.reduce((best, l) => (cost(l) < cost(best) || (cost(l) === cost(best) && l < best) ? l : best)); // ties: the shorter
  const { fill, where } = firstFit(lengths, order, L);
  const n = fill.length * L;
  const ids = new Array<number>(n).fill(padId);
  const positions = new Array<number>(n).fill(0);
  const segments = new Array<number>(n).fill(0);
  const mask = new Float32Array(n);
  const advantages = new Float32Array(n);
  const oldLogp = batch.oldLogp ? new Float32Array(n) : null;
  const refLogp = batch.refLogp ? new Float32Array(n) : null;
  let tokens = 0;
  batch.ids.forEach((row, b) => {
    const p = batch.promptLen[b]!;
    const len = lengths[b]!;
    const at = where[b]!.slot * L + where[b]!.offset;
    for (let t = 0; t < len; t++) [ids[at + t], positions[at + t], segments[at + t]] = [row[t]!, t, where[b]!.segment];
    mask.fill(1, at + Math.min(p, len), at + len);
    advantages.fill(batch.advantages[b]!, at, at + len);
    tokens += Math.max(0, len - p);
    for (const [dense, given] of [[oldLogp, batch.oldLogp?.[b]], [refLogp, batch.refLogp?.[b]]] as const) {
      if (dense && given) for (let t = p; t < len; t++) dense[at + t] = given[t - p] ?? 0;
    }
  });
  const truncated = full.filter((f, b) => f > lengths[b]!).length;
  return { slots: fill.length, length: L, ids, positions, segments, mask, advantages, oldLogp, refLogp, tokens, truncated };
}

/** First-fit decreasing into slots of length L: each row's slot, offset and segment (1-based), and each slot's fill. */
function firstFit(lengths: number[], order: number[], L: number) {
  const fill: number[] = [];
  const where: { slot: number; offset: number; segment: number }[] = new Array(lengths.length);
  const count: number[] = [];
  for (const b of order) {
    let slot = fill.findIndex((f) => f + lengths[b]! <= L);
    if (slot < 0) {
      slot = fill.length;
      fill.push(0);
      count.push(0);
    }
    count[slot]! += 1;
    where[b] = { slot, offset: fill[slot]!, segment: count[slot]! };
    fill[slot]! += lengths[b]!;
  }
  return { fill, where };
}

/** The checks both packers share: row count, one entry per row, prompt lengths, finite advantages. */
function checkBatch(batch: TrainBatch, maxRows: number): number {
  const rows = batch.ids.length;
  if (rows < 1 || rows > maxRows) throw new Error(`a train step takes 1 to ${maxRows} rows (one group of G ≤ ${maxRows}); got ${rows}`);
  for (const [what, arr] of [['promptLen', batch.promptLen], ['advantages', batch.advantages], ['length', batch.length], ['oldLogp', batch.oldLogp], ['refLogp', batch.refLogp]] as const) {
    if (arr && arr.length !== rows) throw new Error(`${what} has ${arr.length} entries for ${rows} rows; give one per row`);
  }
  batch.ids.forEach((r, b) => {
    const n = Math.min(r.length, batch.length?.[b] ?? r.length);
    const p = batch.promptLen[b]!;
    if (!(Number.isInteger(p) && p >= 1 && p <= n)) throw new Error(`row ${b}: promptLen ${p} must be an integer in [1, ${n}] (the row's length)`);
    if (!Number.isFinite(batch.advantages[b])) throw new Error(`row ${b}: advantage ${batch.advantages[b]} is not a finite number`);
  });
  return rows;
}
