// The learner's checkpoints in IndexedDB (idb-keyval), one per run: the latest state survives a page
// reload or a replaced ml worker, and the run resumes with TrainerClient.init({ state }). A checkpoint
// is the plain TrainerState (LoRA, AdamW moments, step; ≈ 2.2 MB for the bundled policy) plus whatever
// the caller needs to resume the loop (its settings, history).
import { createStore, del, get, keys, set, type UseStore } from 'idb-keyval';
import type { TrainerState } from './trainer';

export interface Checkpoint<Meta = unknown> {
  run: string;
  /** Date.now() when saved. */
  savedAt: number;
  state: TrainerState;
  meta: Meta;
}

let store: UseStore | null = null;
/** Its own database, so clearing it never touches the model cache or other app data. */
const db = (): UseStore => (store ??= createStore('sgp-checkpoints', 'runs'));

/** Saves (replaces) the run's checkpoint. */
export async function saveCheckpoint<Meta>(run: string, state: TrainerState, meta: Meta): Promise<Checkpoint<Meta>> {
  const cp: Checkpoint<Meta> = { run, savedAt: Date.now(), state, meta };
  await set(run, cp, db());
  return cp;
}

export async function loadCheckpoint<Meta = unknown>(run: string): Promise<Checkpoint<Meta> | null> {
  return ((await get(run, db())) as Checkpoint<Meta> | undefined) ?? null;
}

/** Runs with a checkpoint, newest first. */
export async function listCheckpoints(): Promise<{ run: string; savedAt: number; step: number }[]> {
  const found = await Promise.all((await keys(db())).map((k) => get(k, db()) as Promise<Checkpoint | undefined>));
  return found.filter((c): c is Checkpoint => !!c).map((c) => ({ run: c.run, savedAt: c.savedAt, step: c.state.step })).sort((a, b) => b.savedAt - a.savedAt);
}

export function deleteCheckpoint(run: string): Promise<void> {
  return del(run, db());
}
