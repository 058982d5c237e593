// The Playground's last group and prompt in localStorage, so a reload shows what was there: the prompt
// box's text, the cards (programs, token counts, decode times) and their reward terms. Scores are kept
// with the group (no encoder has to load to show them again) unless they were made against an uploaded
// reference image, which is not kept: that group is scored again against the world's drawing.
// Storage that throws (privacy modes, a full quota) only means nothing is kept.
import type { FinishReason } from '../lib/policy/sampler';
import type { GroupScore } from '../lib/workers/encoder-client';
import type { GroupInput, ReferenceChoice } from './reward.svelte';

const GROUP_KEY = 'sgp-studio.playground.group';
const PROMPT_KEY = 'sgp-studio.playground.prompt';
const VERSION = 1;

export interface SavedCard {
  label: string | null;
  text: string;
  tokens: number;
  ms: number;
  finish: FinishReason | null;
}

export interface SavedGroup {
  version: typeof VERSION;
  cards: SavedCard[];
  firstTokenMs: number | null;
  tokPerS: number | null;
  loadedAs: string | null;
  phase: 'done' | 'stopped';
  /** What the group is scored on (null: no prompt to score it for). */
  input: GroupInput | null;
  scores: GroupScore | null;
  reference: ReferenceChoice['kind'];
}

function quietly<T>(access: () => T): T | undefined {
  try {
    return access();
  } catch {
    return undefined;
  }
}

export function saveGroup(group: SavedGroup): void {
  quietly(() => localStorage.setItem(GROUP_KEY, JSON.stringify(group)));
}

/** The saved group, or null when there is none or it is not one this version wrote. */
export function loadGroup(): SavedGroup | null {
  const raw = quietly(() => localStorage.getItem(GROUP_KEY));
  if (!raw) return null;
  const g = quietly(() => JSON.parse(raw) as Partial<SavedGroup>);
  const cardOk = (c: Partial<SavedCard>) => typeof c?.text === 'string' && typeof c.tokens === 'number' && typeof c.ms === 'number';
  if (!g || g.version !== VERSION || !Array.isArray(g.cards) || !g.cards.every(cardOk)) return null;
  const input = g.input && typeof g.input.prompt === 'string' && Array.isArray(g.input.programs) ? g.input : null;
  const scored = input && g.scores && Array.isArray(g.scores.samples) && g.scores.samples.length === g.cards.length;
  return { ...(g as SavedGroup), input, scores: scored ? g.scores! : null };
}

export function savePrompt(prompt: string): void {
  quietly(() => localStorage.setItem(PROMPT_KEY, prompt));
}

export function loadPrompt(): string | null {
  return quietly(() => localStorage.getItem(PROMPT_KEY)) ?? null;
}
