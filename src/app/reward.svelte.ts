// Reward panel state: the encoders (loaded on the policy's backend, in the same ml worker), the DINO
// reference (none, the world's reference drawing, or an uploaded image), and the current group's terms.
// Terms are computed once per group and reference (renders in the svg pool, embeddings in the ml
// worker); the preset composes them into rewards on every change (reward/compose.ts), cheaply — that
// is what lets the sliders re-rank a group live without re-sampling or re-embedding.
import { decodeImage } from '../lib/render/image';
import type { Pixels } from '../lib/render/rasterize';
import type { LoadProgress } from '../lib/models/load';
import { DEFAULT_ENCODERS, type GroupScore, type Reference } from '../lib/workers/encoder-client';
import type { SceneSpec } from '../lib/world';
import { rewardScorer } from './services';
import type { Settings } from './settings';

export type ReferenceChoice = { kind: 'none' } | { kind: 'world' } | { kind: 'upload'; name: string; pixels: Pixels };

/** What a group is scored on: the prompt, the model outputs, and the world's spec and drawing when the prompt is the world's. */
export interface GroupInput {
  prompt: string;
  programs: readonly string[];
  spec: SceneSpec | null;
  worldSvg: string | null;
}

type Backend = Settings['backend'];

export class RewardState {
  // Raw state (replaced whole, never mutated): a deep proxy could not be posted to the workers.
  reference: ReferenceChoice = $state.raw({ kind: 'world' });
  phase: 'idle' | 'loading' | 'scoring' | 'done' | 'error' = $state('idle');
  error: string | null = $state(null);
  /** Download progress of the encoder being loaded (the first load fetches ≈ 28 MB; later ones come from the cache). */
  progress: LoadProgress | null = $state.raw(null);
  /** The current group's terms, in card order; null until scored. */
  scores: GroupScore | null = $state.raw(null);
  /** The input `scores` belong to (re-scored when the reference changes). */
  input: GroupInput | null = $state.raw(null);

  private loadedOn: Backend | null = null;
  private run = 0;

  /** Loads the bundled SigLIP and DINO on `backend` (once; again when the backend changes). */
  private async encoders(backend: Backend): Promise<void> {
    if (this.loadedOn === backend) return;
    const scorer = rewardScorer();
    this.loadedOn = null; // stays null if a load fails: the next call tries again
    const bases = { bundled: new URL('models/', document.baseURI).href };
    for (const role of ['siglip', 'dino'] as const) {
      await scorer.encoders.load(role, { id: DEFAULT_ENCODERS[role], device: backend, bases }, (p) => (this.progress = p));
    }
    this.progress = null;
    this.loadedOn = backend;
  }

  /** The reference the scorer sees for `input`: the world's drawing applies only to a world prompt. */
  referenceFor(input: GroupInput): Reference | null {
    const r = this.reference;
    if (r.kind === 'upload') return { pixels: r.pixels };
    if (r.kind === 'world' && input.worldSvg) return { svg: input.worldSvg };
    return null;
  }

  /** Scores a group: every term of every sample. A newer call supersedes an older one. */
  async score(input: GroupInput, backend: Backend): Promise<void> {
    const run = ++this.run;
    this.input = input;
    this.scores = null;
    this.error = null;
    try {
      this.phase = 'loading';
      await this.encoders(backend);
      if (run !== this.run) return;
      this.phase = 'scoring';
      const { prompt, programs, spec } = input;
      const scores = await rewardScorer().scoreGroup({ prompt, programs, spec, reference: this.referenceFor(input) });
      if (run !== this.run) return;
      this.scores = scores;
      this.phase = 'done';
    } catch (err) {
      if (run !== this.run) return;
      this.phase = 'error';
      this.error = err instanceof Error ? err.message : String(err);
    }
  }

  /** Scores saved before a reload, shown without scoring again. */
  restore(input: GroupInput, scores: GroupScore, reference: ReferenceChoice): void {
    this.run++;
    [this.input, this.scores, this.reference, this.phase, this.error] = [input, scores, reference, 'done', null];
  }

  /** Forgets the scores (a new group is being sampled). */
  clear(): void {
    this.run++;
    this.scores = null;
    this.input = null;
    this.phase = 'idle';
  }

  /** Switches the reference and re-scores the current group with it. */
  async setReference(choice: ReferenceChoice, backend: Backend): Promise<void> {
    this.reference = choice;
    if (this.input) await this.score(this.input, backend);
  }

  /** Decodes an uploaded image at the DINO input size (letterboxed on white) and uses it as the reference. */
  async upload(file: File, backend: Backend): Promise<void> {
    this.error = null;
    try {
      this.phase = 'loading';
      await this.encoders(backend);
      this.phase = this.scores ? 'done' : 'idle';
      const size = rewardScorer().encoders.info('dino')?.inputSize;
      if (!size) throw new Error('no DINO encoder is loaded, so an image reference cannot be used');
      const pixels = await decodeImage(new Uint8Array(await file.arrayBuffer()), file.name, size);
      await this.setReference({ kind: 'upload', name: file.name, pixels }, backend);
    } catch (err) {
      this.phase = 'error';
      this.error = err instanceof Error ? err.message : String(err);
    }
  }
}
