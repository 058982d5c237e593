// Evaluation runs kept in IndexedDB (idb-keyval, its own database), so a run survives a reload and
// resumes where it stopped: the run's request once, then each item's result under its own key as it
// comes (a result is written once; the run is never rewritten whole).
import { createStore, del, delMany, get, keys, set, type UseStore } from 'idb-keyval';
import type { ItemResult } from '../lib/eval/metrics';
import type { EvalConfig } from '../lib/eval/runner';
import type { EvalRequest } from '../lib/workers/eval-deps';

export interface RunMeta {
  id: string;
  createdAt: number;
  /** Benchmark and source, e.g. "minibench:compositional × policy sgp-tiny-policy". */
  bench: string;
  source: string;
  config: EvalConfig;
  /** What to run, for resuming; null for a run imported from a file (finished, nothing to resume). */
  request: EvalRequest | null;
  /** 'done' once every item is in (or the run was imported from a file). */
  status: 'running' | 'done';
  encoders: { siglip: string | null; dino: string | null } | null;
  missing: string[];
}

let store: UseStore | null = null;
const db = (): UseStore => (store ??= createStore('sgp-eval', 'runs'));
const metaKey = (id: string) => `meta:${id}`;
const itemPrefix = (id: string) => `item:${id}:`;

export const saveMeta = (meta: RunMeta): Promise<void> => set(metaKey(meta.id), meta, db());

export async function saveItem(runId: string, seq: number, result: ItemResult): Promise<void> {
  await set(`${itemPrefix(runId)}${String(seq).padStart(6, '0')}`, result, db());
}

/** Every stored run, newest first. */
export async function listRuns(): Promise<RunMeta[]> {
  const all = (await keys(db())).filter((k): k is string => typeof k === 'string' && k.startsWith('meta:'));
  const metas = await Promise.all(all.map((k) => get<RunMeta>(k, db())));
  return metas.filter((m): m is RunMeta => !!m).sort((a, b) => b.createdAt - a.createdAt);
}

/** A run's results in the order they came. */
export async function loadItems(runId: string): Promise<ItemResult[]> {
  const prefix = itemPrefix(runId);
  const ks = (await keys(db())).filter((k): k is string => typeof k === 'string' && k.startsWith(prefix)).sort();
  const items = await Promise.all(ks.map((k) => get<ItemResult>(k, db())));
  return items.filter((r): r is ItemResult => !!r);
}

export async function deleteRun(runId: string): Promise<void> {
  const prefix = itemPrefix(runId);
  await delMany((await keys(db())).filter((k) => typeof k === 'string' && k.startsWith(prefix)), db());
  await del(metaKey(runId), db());
}
