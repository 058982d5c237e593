// The GPU driver runs in a plain page (gpu.html) and drives the app's own headless page in a
// same-origin iframe: `frame.sgp` is the same `window.sgp` the CLI and browser tests drive from
// Node, so no Node or Playwright is needed on the GPU machine. Results go to the small Python
// server that serves the bundle (POST /result).
import type { HeadlessApi } from '../../../src/headless';
import type { PlainTensor } from '../../../src/lib/models/backend';

export type Sgp = HeadlessApi;

/** Opens headless.html in a fresh iframe (a fresh ml worker: each decode configuration gets its own). */
export async function openFrame(params: Record<string, string | number> = { workers: 2 }): Promise<{ sgp: Sgp; close(): void }> {
  const frame = document.createElement('iframe');
  frame.src = `headless.html?${new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]))}`;
  document.body.append(frame);
  const t0 = performance.now();
  for (;;) {
    const sgp = (frame.contentWindow as unknown as { sgp?: Sgp } | null)?.sgp;
    if (sgp?.ready) return { sgp, close: () => frame.remove() };
    if (performance.now() - t0 > 120_000) throw new Error('headless.html did not set window.sgp.ready within 120 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const json = async <T>(path: string): Promise<T> => {
  const r = await fetch(path);
  if (!r.ok) throw new Error(`GET ${path}: HTTP ${r.status}`);
  return (await r.json()) as T;
};

export async function post(body: unknown): Promise<void> {
  await fetch('/result', { method: 'POST', body: JSON.stringify(body) });
}

export const int64 = (rows: number[][]): PlainTensor => ({ type: 'int64', dims: [rows.length, rows[0]!.length], data: rows.flat() });
export const scalar = (v: number): PlainTensor => ({ type: 'float32', dims: [], data: [v] });

export function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(Number(a[i]) - Number(b[i])));
  return worst;
}

export const argmax = (row: ArrayLike<number>): number => {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
};

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
export const round = (x: number, digits = 1): number => Number(x.toFixed(digits));
