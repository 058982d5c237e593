// Decode speed of the app's sampler in headless Chromium: the policy variants on WASM (2 threads,
// the plain ORT build the app uses, and the asyncify build the WebGPU bundle brings, for the
// build choice), at batch 1 and 8, a fixed number of new tokens (eos suppressed). Each
// configuration gets a fresh page, so each ml worker loads the ORT build and thread count it is
// told to. Reports tokens/s after the first token and the time to first token (prefill included), and
// tokens per CPU-second of the browser (every process this bench started): on a shared machine wall
// time swings with other people's load, CPU time much less, so that column compares variants fairly.
// `benchLoraSampler` measures the RL sampler the same way: train_step.json's `sampler` graph in the ml
// worker's learner, fed its live LoRA (what GRPO samples with).
import { readdirSync, readFileSync } from 'node:fs';
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
  /** New tokens per CPU-second of the browser's processes (null where /proc is not readable). */
  tok_per_cpu_s: number | null;
}

/** CPU seconds used so far by every descendant of this process (Chromium and its helpers), from /proc. */
function childCpuSeconds(): number | null {
  try {
    const parent = new Map<number, number>();
    const ticks = new Map<number, number>();
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields after the command name
        parent.set(Number(d), Number(f[1]));
        ticks.set(Number(d), Number(f[11]) + Number(f[12])); // utime + stime
      } catch {
        // the process ended while we read
      }
    }
    let sum = 0;
    for (const [pid, t] of ticks) {
      let p = parent.get(pid) ?? 0;
      while (p > 1 && p !== process.pid) p = parent.get(p) ?? 0;
      if (p === process.pid) sum += t;
    }
    return sum / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
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
          let top = null as DecodeResult | null;
          for (let trial = 1; trial <= opts.trials; trial++) {
            const cpu0 = childCpuSeconds();
            const r = await page.evaluate(([p, q]) => (window as unknown as Win).sgp.sample(p, q, { render: false }), [PROMPT, params] as const);
            const cpu1 = childCpuSeconds();
            const perCpu = cpu0 !== null && cpu1 !== null && cpu1 > cpu0 ? Math.round(r.newTokens / (cpu1 - cpu0)) : null;
            const row: DecodeResult = { variant, build, batch, tok_s: Math.round(r.tokPerS), total_tok_s: Math.round((r.newTokens * 1000) / r.totalMs), first_token_ms: Math.round(r.firstTokenMs), tok_per_cpu_s: perCpu };
            emit({ bench: `decode_${variant}_${build}_b${batch}`, trial, threads: opts.threads, new_tokens: opts.newTokens, ...row });
            const bestPerCpu: number | null = Math.max(row.tok_per_cpu_s ?? 0, top?.tok_per_cpu_s ?? 0) || null; // each column's best trial
            top = { ...(!top || row.tok_s > top.tok_s ? row : top), tok_per_cpu_s: bestPerCpu };
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

/** The learner's LoRA sampler (train_step.json `sampler`) through `trainerGenerate`, plain WASM build. */
export async function benchLoraSampler(
  session: Session,
  opts: { batch: number; newTokens: number; trials: number; threads: number },
  emit: (obj: unknown) => void,
): Promise<DecodeResult> {
  const page: Page = await openHeadless(session, { workers: 1 });
  try {
    await page.evaluate((t) => (window as unknown as Win).sgp.trainerInit({ device: 'wasm', threads: t }), opts.threads);
    const params = { n: opts.batch, temperature: 1, seed: 1, maxNewTokens: opts.newTokens, minNewTokens: opts.newTokens, stop: [] };
    const gen = (q: typeof params) => page.evaluate(([p, x]) => (window as unknown as Win).sgp.trainerGenerate(p, x), [PROMPT, q] as const);
    await gen({ ...params, maxNewTokens: 8, minNewTokens: 8 }); // warm-up
    let top = null as DecodeResult | null;
    for (let trial = 1; trial <= opts.trials; trial++) {
      const cpu0 = childCpuSeconds();
      const r = await gen(params);
      const cpu1 = childCpuSeconds();
      const perCpu = cpu0 !== null && cpu1 !== null && cpu1 > cpu0 ? Math.round(r.newTokens / (cpu1 - cpu0)) : null;
      const row: DecodeResult = { variant: 'lora_sampler', build: 'plain', batch: opts.batch, tok_s: Math.round(r.tokPerS), total_tok_s: Math.round((r.newTokens * 1000) / r.totalMs), first_token_ms: Math.round(r.firstTokenMs), tok_per_cpu_s: perCpu };
      emit({ bench: `decode_lora_sampler_plain_b${opts.batch}`, trial, threads: opts.threads, new_tokens: opts.newTokens, ...row });
      const bestPerCpu: number | null = Math.max(row.tok_per_cpu_s ?? 0, top?.tok_per_cpu_s ?? 0) || null; // each column's best trial
      top = { ...(!top || row.tok_s > top.tok_s ? row : top), tok_per_cpu_s: bestPerCpu };
    }
    return top!;
  } finally {
    await page.close();
  }
}
