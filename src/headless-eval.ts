// Headless hook for the evaluator (part of window.sgp), driven by `npm run eval`: the same run as the
// Evaluate page (src/lib/workers/eval-deps.ts). Each item's result is streamed to the CLI through a
// page function it exposes (`sgpEvalItem`), so a long run prints as it goes.
import { evaluateOn, type EvalRequest, type EvalWorkers } from './lib/workers/eval-deps';
import { summarize, type ItemResult } from './lib/eval/metrics';

type Stream = { sgpEvalItem?: (r: ItemResult) => Promise<void>; sgpEvalMissing?: (id: string) => Promise<void> };

export function evalHooks(workers: EvalWorkers) {
  return {
    /** Runs an evaluation; results stream to `window.sgpEvalItem` when the caller exposed it. */
    async evalRun(req: EvalRequest, opts: { hub?: string } = {}) {
      const w = window as unknown as Stream;
      const bases = { bundled: new URL('models/', document.baseURI).href, ...(opts.hub ? { hub: opts.hub } : {}) };
      const t0 = performance.now();
      const run = await evaluateOn(workers, bases, req, {
        onItem: (r) => w.sgpEvalItem?.(r),
        onMissing: (id) => void w.sgpEvalMissing?.(id),
      });
      return { summary: summarize(run.results), missing: run.missing, encoders: run.encoders, ms: performance.now() - t0, results: w.sgpEvalItem ? [] : run.results };
    },
  };
}
