// Sample panel state: prompt → a group of G programs from the policy in the ml worker, each card
// drawn as its text grows (partial programs repaired), then rendered whole. Its reward terms (rules,
// defects, verifier, encoders) are computed off the page by the reward scorer (reward.svelte.ts).
// Components only display this.
import { prepareProgram } from '../lib/program/prepare';
import type { Pixels } from '../lib/render/rasterize';
import { renderSample, renderSvg } from '../lib/workers/svg-client';
import type { LoadProgress } from '../lib/models/load';
import type { MlStatus } from '../lib/workers/ml-client';
import type { FinishReason } from '../lib/policy/sampler';
import { mlServices, svgRenderer } from './services';
import type { SavedCard, SavedGroup } from './saved-group';
import type { Settings } from './settings';

/** A card redraws at most this often while its program grows (one render in flight per card). */
const DRAW_EVERY_MS = 100;
/** Long enough for the bundled policy's programs; the registry's larger hub models stop here too. */
export const MAX_NEW_TOKENS = 700;

/** The Sample panel's settings: the sampler's, and the reward preset that ranks its group. */
export type SampleSettings = Pick<Settings, 'model' | 'variant' | 'backend' | 'g' | 'temperature' | 'sampleSeed' | 'reward'>;

export class SampleCard {
  text = $state('');
  /** The latest render: of the partial program while it grows, of the final one after. */
  pixels: Pixels | null = $state(null);
  tokens = $state(0);
  finish: FinishReason | null = $state(null);
  /** Since generation started, when this row chose its last token. */
  ms = $state(0);
  /** A complete <svg> that renders. */
  valid: boolean | null = $state(null);
  error: string | null = $state(null);
  /** The extracted program (what Copy, Download and Open in editor use). */
  program = $state('');

  private drawing: Promise<void> | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastDraw = 0;
  private closed = false;

  constructor(
    readonly i: number,
    private readonly size: number,
    /** Where a program that was not sampled came from (the hack demo, the editor). */
    readonly label: string | null = null,
  ) {}

  append(delta: string, ms: number, finish: FinishReason | null): void {
    this.text += delta;
    this.tokens += 1;
    this.ms = ms;
    this.finish = finish;
    this.scheduleDraw();
  }

  /** Redraws the partial program, throttled: the next draw waits for the one in flight. */
  private scheduleDraw(): void {
    if (this.closed || this.timer !== undefined || this.drawing) return;
    const wait = Math.max(0, DRAW_EVERY_MS - (performance.now() - this.lastDraw));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.drawing = this.draw().finally(() => {
        this.drawing = null;
        this.lastDraw = performance.now();
      });
    }, wait);
  }

  private async draw(): Promise<void> {
    const { svg } = prepareProgram(this.text, { prefer: 'latest' });
    if (!svg) return;
    const r = await renderSvg(svgRenderer(), svg, { size: this.size, timeoutMs: 10_000 });
    if (r.ok && !this.closed) this.pixels = r.pixels;
  }

  /** The final render of the whole output (the card's picture and validity). */
  async finalise(text: string): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.drawing;
    this.text = text;
    const r = await renderSample(svgRenderer(), text, { size: this.size });
    const { extraction } = r;
    this.program = extraction.kind === 'none' ? text : extraction.svg;
    this.valid = r.valid;
    if (r.error) this.error = r.error;
    const pixels = r.result?.ok ? r.result.pixels : undefined;
    if (pixels) this.pixels = pixels;
  }

  /** A card saved before a reload: its counts as they were, then its final render. */
  async restore(saved: SavedCard): Promise<void> {
    [this.tokens, this.ms, this.finish] = [saved.tokens, saved.ms, saved.finish];
    await this.finalise(saved.text);
  }

  /** What a reload needs to show this card again. */
  saved(): SavedCard {
    return { label: this.label, text: this.text, tokens: this.tokens, ms: this.ms, finish: this.finish };
  }

  /** Decode rate of this row: its tokens over the time it took. */
  get tokPerS(): number {
    return this.ms > 0 ? (this.tokens * 1000) / this.ms : 0;
  }
}

export type Phase = 'idle' | 'loading' | 'sampling' | 'scoring' | 'done' | 'stopped' | 'error';

export class SamplingState {
  /** The prompt to sample for: the world's prompt, or free text. */
  prompt = $state('');
  cards: SampleCard[] = $state([]);
  phase: Phase = $state('idle');
  error: string | null = $state(null);
  progress: LoadProgress | null = $state(null);
  firstTokenMs: number | null = $state(null);
  tokPerS: number | null = $state(null);
  /** The variant and device the loaded policy runs as, e.g. 'model_quantized on wasm'. */
  loadedAs: string | null = $state(null);
  status: MlStatus = $state(mlServices().client.status);

  private loadedKey: string | null = null;
  private abort: AbortController | null = null;
  private run = 0;

  constructor() {
    mlServices().client.subscribe((s) => (this.status = s));
  }

  get busy(): boolean {
    return this.phase === 'loading' || this.phase === 'sampling' || this.phase === 'scoring';
  }

  /** Samples G programs for `prompt`. */
  async sample(prompt: string, s: SampleSettings, size: number): Promise<void> {
    this.abort?.abort();
    const run = ++this.run;
    const ctl = new AbortController();
    this.abort = ctl;
    this.error = null;
    this.firstTokenMs = null;
    this.tokPerS = null;
    this.cards = [];
    const { policy } = mlServices();
    try {
      const key = `${s.model}|${s.variant}|${s.backend}`;
      if (key !== this.loadedKey) {
        this.phase = 'loading';
        this.progress = null;
        this.loadedKey = null;
        const bases = { bundled: new URL('models/', document.baseURI).href };
        const loaded = await policy.loadModel(
          { id: s.model, device: s.backend, bases, ...(s.variant === 'auto' ? {} : { variant: s.variant }) },
          (p) => (this.progress = p),
        );
        this.loadedKey = key;
        this.loadedAs = `${loaded.variant} on ${Object.values(loaded.graphs)[0]?.device ?? s.backend}`;
      }
      if (run !== this.run) return;
      this.phase = 'sampling';
      const cards = Array.from({ length: s.g }, (_, i) => new SampleCard(i, size));
      this.cards = cards;
      const params = { n: s.g, temperature: s.temperature, seed: s.sampleSeed, maxNewTokens: MAX_NEW_TOKENS };
      const g = await policy.generate(prompt, params, (e) => {
        if (this.firstTokenMs === null) this.firstTokenMs = e.ms;
        for (const t of e.tokens) cards[t.i]?.append(t.delta, e.ms, t.finish);
      }, { signal: ctl.signal });
      if (run !== this.run) return;
      this.firstTokenMs = g.firstTokenMs;
      this.tokPerS = g.tokPerS;
      this.phase = 'scoring';
      await Promise.all(g.samples.map((x) => cards[x.i]?.finalise(x.text)));
      if (run === this.run) this.phase = ctl.signal.aborted ? 'stopped' : 'done';
    } catch (err) {
      // Load again next time: a failed load, or a worker that restarted and could not reload it.
      this.loadedKey = null;
      if (run !== this.run) return;
      this.phase = 'error';
      this.error = err instanceof Error ? err.message : String(err);
    }
  }

  stop(): void {
    this.abort?.abort();
  }

  /** A group of given programs, e.g. the reward-hack demo: cards rendered and checked, nothing sampled. */
  async show(programs: readonly { label: string; program: string }[], size: number): Promise<void> {
    this.abort?.abort();
    const run = ++this.run;
    this.error = null;
    this.firstTokenMs = null;
    this.tokPerS = null;
    const cards = programs.map((p, i) => new SampleCard(i, size, p.label));
    this.cards = cards;
    this.phase = 'scoring';
    await Promise.all(cards.map((c, i) => c.finalise(programs[i]!.program)));
    if (run === this.run) this.phase = 'done';
  }

  /** The group saved before a reload, shown as it was (nothing is sampled). */
  async restore(saved: SavedGroup, size: number): Promise<void> {
    const run = ++this.run;
    [this.firstTokenMs, this.tokPerS, this.loadedAs] = [saved.firstTokenMs, saved.tokPerS, saved.loadedAs];
    const cards = saved.cards.map((c, i) => new SampleCard(i, size, c.label));
    this.cards = cards;
    this.phase = 'scoring';
    await Promise.all(cards.map((c, i) => c.restore(saved.cards[i]!)));
    if (run === this.run) this.phase = saved.phase;
  }

  /** Adds one program (e.g. the editor's) to the current group, to see where it ranks. */
  async add(label: string, program: string, size: number): Promise<void> {
    const card = new SampleCard(this.cards.length, size, label);
    this.cards = [...this.cards, card];
    await card.finalise(program);
  }
}

/** Puts a card's program on the clipboard. */
export function copyProgram(card: SampleCard): Promise<void> {
  return navigator.clipboard.writeText(card.program || card.text);
}

/** Saves a card's program as sample-<i>.svg (a blob download; the SVG never enters the DOM). */
export function downloadProgram(card: SampleCard): void {
  const url = URL.createObjectURL(new Blob([card.program || card.text], { type: 'image/svg+xml' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `sample-${card.i + 1}.svg`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000); // the download has its own copy by then
}
