// The bookkeeping both samplers share — sampler.ts (it draws from rows of logits) and step-sampler.ts
// (the graph draws): G rows, each with its seeded generator and text stream; one StepEvent per decode
// step; cancelling by signal or by onStep's reply; the timings of the Generation it ends with.
// A sampler's loop only feeds its graph and hands each row's token to `add`.
import { hash32, makeRng, type Rng } from '../world/rng';
import type { Generation, GenerateOptions, Sample, SampleParams, StepEvent, TextDecoder } from './sampler';
import { TextStream } from './text-stream';

export class GroupRun {
  readonly samples: Sample[];
  /** One generator per row, keyed by the seed: row i samples the same tokens whatever G is. */
  readonly rngs: Rng[];
  private readonly streams: TextStream[];
  private readonly t0 = performance.now();
  private cancelled: boolean;
  private lastReply: Promise<void> | undefined;
  private event: StepEvent | null = null;
  private firstTokenMs = 0;
  private firstTokens = 0;
  private newTokens = 0;
  private readonly cancel = () => void (this.cancelled = true);

  constructor(
    private readonly tokenizer: TextDecoder,
    private readonly params: SampleParams,
    /** New tokens a row may have (params.maxNewTokens, or less where the graph holds fewer positions). */
    readonly maxNew: number,
    private readonly options: GenerateOptions,
  ) {
    const G = params.n;
    this.rngs = Array.from({ length: G }, (_, i) => makeRng(hash32(`${params.seed}/sample/${i}`)));
    this.samples = Array.from({ length: G }, (_, i) => ({ i, tokens: [], logprobs: [], text: '', finish: null }));
    this.streams = this.samples.map(() => new TextStream((ids) => tokenizer.decode(ids)));
    this.cancelled = options.signal?.aborted ?? false;
    options.signal?.addEventListener('abort', this.cancel);
  }

  get isCancelled(): boolean {
    return this.cancelled;
  }

  /** Whether row s may not end yet: eos is banned before params.minNewTokens. */
  eosBanned(s: Sample): boolean {
    return s.tokens.length < (this.params.minNewTokens ?? 0);
  }

  /** Records the token row s chose at `step`. */
  add(step: number, s: Sample, token: number, logprob: number): void {
    this.event ??= { step, tokens: [], ms: 0 };
    const delta = appendToken(s, token, logprob, this.tokenizer.eosId, this.streams[s.i]!, this.params.stop, this.maxNew);
    this.newTokens++;
    this.event.tokens.push({ i: s.i, token, delta, logprob, finish: s.finish });
  }

  /** Ends a step: sends its event, then yields between steps. Whether another step should be decoded. */
  async endStep(step: number): Promise<boolean> {
    const event = this.event ?? { step, tokens: [], ms: 0 };
    this.event = null;
    if (step === 0) [this.firstTokenMs, this.firstTokens] = [performance.now() - this.t0, this.newTokens];
    event.ms = performance.now() - this.t0;
    const reply = this.options.onStep?.(event);
    if (reply instanceof Promise) this.lastReply = reply.then((ok) => void (ok === false && this.cancel()), () => undefined);
    else if (reply === false) this.cancel();
    if (this.samples.every((s) => s.finish) || step + 1 >= this.maxNew) return false;
    await this.options.betweenSteps?.();
    return !this.cancelled;
  }

  /** Stops listening to the signal (call it in a finally). */
  close(): void {
    this.options.signal?.removeEventListener('abort', this.cancel);
  }

  /** The Generation, once the last onStep promise has settled. */
  async result(promptTokens: number): Promise<Generation> {
    this.close();
    const totalMs = performance.now() - this.t0;
    const decodeMs = totalMs - this.firstTokenMs;
    const stopped = this.cancelled; // a cancel that arrives with the last reply comes too late to stop anything
    await this.lastReply;
    for (const s of this.samples) s.finish ??= stopped ? 'cancelled' : 'length';
    const tokPerS = decodeMs > 0 ? ((this.newTokens - this.firstTokens) * 1000) / decodeMs : 0;
    return { samples: this.samples, promptTokens, firstTokenMs: this.firstTokenMs, totalMs, newTokens: this.newTokens, tokPerS };
  }
}

/**
 * Adds a drawn token to a row: its log-prob, its text through the row's stream, and why the row
 * finished (eos, a stop string — the text cut where it ends —, or the length limit), if it did.
 * Returns the text it added.
 */
export function appendToken(s: Sample, token: number, logprob: number, eosId: number, stream: TextStream, stops: readonly string[], maxNew: number): string {
  s.tokens.push(token);
  s.logprobs.push(logprob);
  s.finish = token === eosId ? 'eos' : null;
  if (s.finish) return '';
  const before = s.text.length;
  stream.push(token);
  s.text = stream.text;
  const longestStop = Math.max(0, ...stops.map((x) => x.length)); // a stop can only end in the new text
  const hit = firstStop(s.text, stops, Math.max(0, before - longestStop));
  if (hit >= 0) [s.text, s.finish] = [s.text.slice(0, hit), 'stop'];
  else if (s.tokens.length >= maxNew) s.finish = 'length';
  return s.text.slice(before);
}

/** Where the first stop string ends in `text` (searching from `from`), or -1. */
function firstStop(text: string, stops: readonly string[], from: number): number {
  let end = -1;
  for (const stop of stops) {
    const at = text.indexOf(stop, from);
    if (at >= 0 && (end < 0 || at + stop.length < end)) end = at + stop.length;
  }
  return end;
}
