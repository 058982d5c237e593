// Where GRPO's prompts come from: a split of the world (scenes with specs, so the verifier can score
// them), a benchmark file, or prompts typed by the user (one a line, no spec). Training and held-out
// prompts come from different streams of the world, so the held-out set is never trained on.
import { CATEGORIES, CATEGORY_NAMES, SPLITS, makeItem, type Benchmark, type Split } from '../world';
import type { RlPrompt } from './grpo';

/** The held-out set is fixed (seed and stream), so runs with different seeds are measured on the same prompts. */
export const HELDOUT_SEED = 2027;
export const HELDOUT_STREAM = 'rl-heldout';
export const TRAIN_STREAM = 'rl-train';

export const isSplit = (s: string): s is Split => (SPLITS as readonly string[]).includes(s);

/** `n` items of `split`, its categories taken round-robin so each gets an equal share. */
export function worldPrompts(split: Split, n: number, seed: number, stream: string): RlPrompt[] {
  const cats = CATEGORY_NAMES.filter((c) => split === 'heldout' || CATEGORIES[c]?.split === split);
  return Array.from({ length: n }, (_, i) => {
    const it = makeItem({ seed, stream: `${stream}-${split}`, index: i, split, category: cats[i % cats.length]! });
    return { id: it.id, prompt: it.prompt, spec: it.spec, reference: it.svg };
  });
}

/** The fixed held-out prompts for a split: same categories, a stream training never draws from. */
export const heldOutPrompts = (split: Split, n: number): RlPrompt[] => worldPrompts(split, n, HELDOUT_SEED, HELDOUT_STREAM);

/** A benchmark's items (optionally one split) as prompts; imported prompt files bring no spec. */
export function benchmarkPrompts(b: Benchmark, split?: string): RlPrompt[] {
  const items = split ? b.items.filter((it) => it.split === split) : b.items;
  if (items.length === 0) throw new Error(`benchmark '${b.name.slice(0, 100)}' has no items${split ? ` in split '${split.slice(0, 100)}'` : ''}; splits: ${[...new Set(b.items.map((it) => it.split))].join(', ')}`);
  return items.map((it) => ({ id: it.id, prompt: it.prompt, ...(it.spec ? { spec: it.spec } : {}), ...(it.svg ? { reference: it.svg } : {}) }));
}

/** Typed prompts, one a line; blank lines are skipped. */
export function typedPrompts(text: string): RlPrompt[] {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  if (lines.length === 0) throw new Error('no prompts typed; write one prompt a line');
  return lines.map((prompt, i) => ({ id: `typed-${i}`, prompt }));
}

/** The prompts of step `step`: the pool read in order, `count` at a time, wrapping around. */
export function promptsForStep(pool: readonly RlPrompt[], step: number, count: number): RlPrompt[] {
  if (pool.length === 0) throw new Error('the prompt pool is empty; choose a split, a benchmark or type prompts');
  return Array.from({ length: count }, (_, i) => pool[(step * count + i) % pool.length]!);
}
