// Evaluation speed through the app's run code (window.sgp.evalRun, as `npm run eval` and the Evaluate
// page use it) in headless Chromium, on WASM: items/s for imported outputs (4 per item: render, rules,
// verifier, SigLIP, DINO, diversity) and for policy evaluation (sampling 4 per item at temperature 1
// on top). A warm-up item loads the encoders and the policy first, so load time is not counted.
import { readFileSync } from 'node:fs';
import type { Session } from './browser';
import { openHeadless } from './browser';
import type { HeadlessApi } from '../../src/headless';
import { DEFAULT_EVAL_CONFIG, selectItems } from '../../src/lib/eval/runner';
import { BUNDLED_BENCHMARKS, loadBenchmark } from '../../src/lib/world';

type Win = { sgp: HeadlessApi };

export interface EvalSpeed {
  source: 'outputs' | 'policy';
  items: number;
  items_s: number;
}

export async function benchEval(session: Session, opts: { perSplit: { outputs: number; policy: number }; trials: number }, emit: (obj: unknown) => void): Promise<EvalSpeed[]> {
  const bench = loadBenchmark(JSON.parse(readFileSync(`public/${BUNDLED_BENCHMARKS['sgp-minibench']!.path}`, 'utf8')));
  const page = await openHeadless(session, { workers: 2 });
  const run = async (source: 'outputs' | 'policy', perSplit: number, offset: number) => {
    const items = selectItems(bench.items.slice(offset), null, perSplit);
    const spec = source === 'outputs'
      ? { kind: 'outputs' as const, name: 'references×4', outputs: items.map((it): [string, string[]] => [it.id, Array(4).fill(it.svg!)]) }
      : { kind: 'policy' as const, id: 'sgp-tiny-policy', device: 'wasm' as const };
    const r = await page.evaluate((req) => (window as unknown as Win).sgp.evalRun(req), { items, source: spec, config: DEFAULT_EVAL_CONFIG });
    return { n: r.summary.n, ms: r.ms };
  };
  const best: Record<string, EvalSpeed> = {};
  for (const source of ['outputs', 'policy'] as const) {
    await run(source, 1, 0); // warm-up: encoders, policy
    for (let trial = 1; trial <= opts.trials; trial++) {
      const { n, ms } = await run(source, opts.perSplit[source], trial * 10);
      const items_s = +(n / (ms / 1000)).toFixed(3);
      emit({ bench: `eval_${source}`, trial, items: n, samples_per_item: 4, ms: Math.round(ms), items_s });
      if (!best[source] || items_s > best[source]!.items_s) best[source] = { source, items: n, items_s };
    }
  }
  await page.close();
  return Object.values(best);
}
