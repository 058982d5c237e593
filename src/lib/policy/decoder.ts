// The policy graph as the sampler sees it: one forward pass of a decoder with a KV cache. The cache
// is an opaque handle so a backend can keep it where it was computed (on the GPU for WebGPU); only
// the last position's logits come back as numbers.

export interface ForwardPass<C> {
  /** Token ids, row-major [rows, length]. */
  ids: number[];
  rows: number;
  /** Tokens already in `past` (every row has the same: the group shares its prompt, nothing is padded). */
  pastLength: number;
  past: C | null;
}

export interface DecoderGraph<C> {
  readonly vocabSize: number;
  /** Runs the new tokens; returns each row's logits at its last position ([rows, vocab]) and the grown cache. */
  forward(pass: ForwardPass<C>): Promise<{ logits: Float32Array; cache: C }>;
  /** A one-row cache repeated to `rows` rows; the one-row cache is released. */
  expand(cache: C, rows: number): Promise<C>;
  /**
   * Only the rows `rows` (indices into the cache's rows, in that order); the old cache is released.
   * Optional: the sampler drops finished rows with it, so a group's long tail decodes fewer rows;
   * without it finished rows ride along to the end.
   */
  keep?(cache: C, rows: number[]): Promise<C>;
  release(cache: C): void;
}
