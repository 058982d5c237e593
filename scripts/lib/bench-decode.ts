// Decode speed of the app's sampler in headless Chromium: the policy variants on WASM (2 threads,
// the plain ORT build the app uses, and the asyncify build the WebGPU bundle brings, for the
// build choice), at batch 1 and 8, a fixed number of new tokens (eos suppressed). Each
// configuration gets a fresh page, so each ml worker loads the ORT build and thread count it is
// told to. Reports tokens/s after the first token and the time to first token (prefill included).
import type { Page } from 'playwright-core';
import type { Session } from './browser';
import { openHeadless } from './browser';
import type { HeadlessApi } from '../../src/headless';

type Win = { sgp: HeadlessApi };

export interface DecodeResult {
  variant: string;
  build: 'plain' | 'asyncify';
  batch: number;
  /** After the first token: the decode rate. */
  tok_s: number;
  /** All new tokens over the whole call, prefill included (how the CPU anchors count). */
  total_tok_s: number;
  first_token_ms: number;
}

const PROMPT = 'a red circle above a blue square';

export async function benchDecode(
  session: Session,
  opts: { variants: string[]; builds: ('plain' | 'asyncify')[]; batches: number[]; newTokens: number; trials: number; threads: number },
  emit: (obj: unknown) => void,
): Promise<DecodeResult[]> {
  const best: DecodeResult[] = [];
  for (const build of opts.builds) {
    for (const variant of opts.variants) {
      const page: Page = await openHeadless(session, { workers: 1 });
      try {
        const isolated = await page.evaluate(() => (window as unknown as Win).sgp.crossOriginIsolated());
        if (!isolated) throw new Error('the headless page is not cross-origin isolated: WASM would run on 1 thread');
        await page.evaluate(([v, b, t]) => (window as unknown as Win).sgp.policyLoad(v, 'wasm', b, t), [variant, build, opts.threads] as const);
        for (const batch of opts.batches) {
          const params = { n: batch, temperature: 1, seed: 1, maxNewTokens: opts.newTokens, minNewTokens: opts.newTokens, stop: [] };
          await page.evaluate(([p, q]) => (window as unknown as Win).sgp.sample(p, q, { render: false }), [PROMPT, { ...params, maxNewTokens: 8, minNewTokens: 8 }] as const); // warm-up
          let top: DecodeResult | null = null;
          for (let trial = 1; trial <= opts.trials; trial++) {
            const r = await page.evaluate(([p, q]) => (window as unknown as Win).sgp.sample(p, q, { render: false }), [PROMPT, params] as const);
            const row: DecodeResult = { variant, build, batch, tok_s: Math.round(r.tokPerS), total_tok_s: Math.round((r.newTokens * 1000) / r.totalMs), first_token_ms: Math.round(r.firstTokenMs) };
            emit({ bench: `decode_${variant}_${build}_b${batch}`, trial, threads: opts.threads, new_tokens: opts.newTokens, ...row });
            if (!top || row.tok_s > top.tok_s) top = row;
          }
          best.push(top!);
        }
      } finally {
        await page.close();
      }
    }
  }
  return best;
}
