// Headless hook for the evaluator (part of window.sgp), driven by `npm run eval`: the same run as the
// Evaluate page (src/lib/workers/eval-deps.ts). Each item's result is streamed to the CLI through a
// page function it exposes (`sgpEvalItem`), so a long run prints as it goes.
import { evaluateOn, type EvalRequest } from './lib/workers/eval-deps';
import { EncoderClient, RewardScorer } from './lib/workers/encoder-client';
import type { MlClient } from './lib/workers/ml-client';
import type { PolicyClient } from './lib/workers/policy-client';
import type { SvgPool } from './lib/workers/svg-client';
import { TrainerClient } from './lib/workers/trainer-client';
import { summarize, type ItemResult } from './lib/eval/metrics';

type Stream = { sgpEvalItem?: (r: ItemResult) => Promise<void>; sgpEvalMissing?: (id: string) => Promise<void> };

export function evalHooks(pool: SvgPool, ml: MlClient, policy: PolicyClient) {
  // Its own handle on the encoders (same worker keys as the reward hooks: a model loaded by one is reloaded, not doubled).
  const encoders = new EncoderClient(ml);
  // A checkpoint's learner under its own key, apart from the trainer hooks' 'trainer'.
  const workers = { pool, policy, encoders, scorer: new RewardScorer(pool, encoders), trainer: new TrainerClient(ml, 'eval-checkpoint') };
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
