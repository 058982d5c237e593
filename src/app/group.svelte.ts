// The Sample panel's group: programs (sampled, the hack demo, the editor's) and their reward. Cards come
// from SamplingState, terms from RewardState; this sequences the two so that every new group is scored
// once, and the preset only re-composes (`breakdowns`).
import { compose, type Breakdown, type Preset } from '../lib/reward/compose';
import { hackProgram, makeRng, type WorldItem } from '../lib/world';
import { RewardState, type GroupInput } from './reward.svelte';
import { SamplingState, type SampleSettings } from './sampling.svelte';
import { loadGroup, saveGroup } from './saved-group';

export class Group {
  readonly sampling = new SamplingState();
  readonly reward = new RewardState();

  /** Each card's breakdown under `preset`, in card order; null until the whole group is scored. */
  breakdowns(preset: Preset): Breakdown[] | null {
    const scores = this.reward.scores;
    if (!scores || scores.samples.length !== this.sampling.cards.length) return null;
    return compose(scores.samples.map((x) => x.terms), preset);
  }

  /** What the current cards are scored on; `world` (the item the prompt came from) adds its spec and drawing. */
  private input(prompt: string, world: WorldItem | null): GroupInput {
    return { prompt, programs: this.sampling.cards.map((c) => c.text), spec: world?.spec ?? null, worldSvg: world?.svg ?? null };
  }

  /** Samples a group for `prompt` (`world`: the world item it is the prompt of), then scores it. */
  async sample(prompt: string, world: WorldItem | null, s: SampleSettings, size: number): Promise<void> {
    this.reward.clear();
    await this.sampling.sample(prompt, s, size);
    const phase = this.sampling.phase;
    if (phase === 'done' || phase === 'stopped') {
      const input = this.input(prompt, world);
      this.save(input); // a reload while scoring shows the cards and scores them again
      await this.reward.score(input, s.backend);
      this.save(input);
    }
  }

  /** Keeps the group and its scores for a reload (saved-group.ts); `input`: what it is being scored on. */
  private save(input: GroupInput | null = null): void {
    const { sampling: st, reward } = this;
    if (st.phase !== 'done' && st.phase !== 'stopped') return;
    const scored = reward.phase === 'done' && reward.scores !== null && reward.input !== null;
    saveGroup({
      version: 1,
      cards: st.cards.map((c) => c.saved()),
      firstTokenMs: st.firstTokenMs,
      tokPerS: st.tokPerS,
      loadedAs: st.loadedAs,
      phase: st.phase,
      input: reward.input ?? input,
      scores: scored ? reward.scores : null,
      reference: reward.reference.kind,
    });
  }

  /** Shows the group saved before a reload, if any: its scores as saved, or scored again when they were
   *  made against an uploaded image (not kept) or never finished. Whether there was one. */
  restore(size: number, backend: SampleSettings['backend']): boolean {
    const saved = loadGroup();
    if (!saved) return false;
    void this.sampling.restore(saved, size).then(async () => {
      const input = saved.input;
      if (input && saved.scores && saved.reference !== 'upload') this.reward.restore(input, saved.scores, { kind: saved.reference });
      else if (input) await this.reward.score({ ...input, programs: this.sampling.cards.map((c) => c.text) }, backend);
    });
    return true;
  }

  /** Cheap reward hacks for `prompt` beside the world's own drawing (for a world prompt): see which preset they fool. */
  async demo(prompt: string, world: WorldItem | null, s: SampleSettings, size: number): Promise<void> {
    const rng = makeRng(s.sampleSeed);
    const programs = [
      { label: 'prompt as text', program: hackProgram('prompt-as-text', prompt, rng) },
      { label: 'blank canvas', program: hackProgram('empty', prompt, rng) },
      { label: 'every colour', program: hackProgram('all-colours', prompt, rng) },
      ...(world ? [{ label: 'world reference', program: world.svg }] : []),
    ];
    this.reward.clear();
    await this.sampling.show(programs, size);
    await this.reward.score(this.input(prompt, world), s.backend);
    this.save();
  }

  /** Adds `program` to the current group (on that group's prompt; `fallback` when there is none) and scores the group again. */
  async add(label: string, program: string, fallback: { prompt: string; world: WorldItem | null }, s: SampleSettings, size: number): Promise<void> {
    const base = this.reward.input ?? this.input(fallback.prompt, fallback.world);
    await this.sampling.add(label, program, size);
    await this.reward.score({ ...base, programs: this.sampling.cards.map((c) => c.text) }, s.backend);
    this.save();
  }
}
