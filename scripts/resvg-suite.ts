// resvg's own test suite through the app's render path: a check for false refusals.
//   npm run resvg-suite -- DIR [--workers 2] [--timeout-ms 2000]
// DIR is resvg's crates/resvg/tests/tests (or the committed sample, tests/fixtures/resvg-suite/svg).
// Every SVG under DIR goes through `npm run render` (scripts/cli.ts: headless Chromium, the worker
// pool, the limits); each outcome is classified against tests/fixtures/resvg-suite/expected.ts.
// Prints one JSON object per file, then a summary; exits 1 on a false refusal, a mishandled crash
// or a render over 1 s.
//   npm run resvg-suite -- DIR --sample OUT   copies the committed sample's files from DIR to OUT instead.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { CRASHES, FORMER_FALSE_REFUSALS, JUSTIFIED_REFUSALS, classify, type Verdict } from '../tests/fixtures/resvg-suite/expected';

const SLOW_MS = 1000;

interface Outcome {
  file: string;
  ok: boolean;
  code?: string;
  error?: string;
  ms: number;
  verdict: Verdict;
}

function svgFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.svg') && statSync(join(dir, f)).isFile())
    .map((f) => f.split('\\').join('/'))
    .sort();
}

/** Runs the files through `scripts/cli.ts render` and yields its per-file JSON lines. */
async function* renderAll(dir: string, files: string[], passFlags: string[]): AsyncGenerator<{ file: string; ok: boolean; error?: string; ms: number }> {
  const cli = resolve(dirname(new URL(import.meta.url).pathname), 'cli.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', cli, 'render', ...files.map((f) => join(dir, f)), ...passFlags], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number>((done) => child.on('close', (code) => done(code ?? 1)));
  let summary: { ok: boolean | number; error?: string } | undefined;
  for await (const line of createInterface({ input: child.stdout })) {
    const obj = JSON.parse(line) as { summary?: boolean; file: string; ok: boolean; error?: string; ms: number };
    if (obj.summary) summary = obj;
    else yield { ...obj, file: relative(dir, obj.file).split('\\').join('/') };
  }
  const status = await exited;
  if (status !== 0) throw new Error(`npm run render exited with ${status}${summary?.error ? `: ${summary.error}` : ''}`);
}

/**
 * The committed sample: every file named in expected.ts (refusals, crashes, former false refusals), then
 * per folder a fifth of its files (at least one), preferring those that use costly or referencing
 * features, then the smallest. Deterministic, so the README can say how it was chosen.
 */
const ALWAYS_SAMPLED = [
  ...Object.keys(JUSTIFIED_REFUSALS),
  ...Object.keys(CRASHES),
  ...FORMER_FALSE_REFUSALS,
];
const COSTLY = [/<filter\b|filter\s*[:=]/, /<pattern\b/, /<mask\b/, /marker/, /<use\b/, /<image\b|<feImage\b/, /<clipPath\b/, /data:/, /<style\b/, /xmlns:(?!xlink=)/];

function pickSample(dir: string, files: string[]): string[] {
  const byFolder = new Map<string, string[]>();
  for (const f of files) byFolder.set(dirname(f), [...(byFolder.get(dirname(f)) ?? []), f]);
  const picked = new Set(ALWAYS_SAMPLED.filter((f) => files.includes(f)));
  for (const group of byFolder.values()) {
    const info = group.map((f) => {
      const text = readFileSync(join(dir, f), 'utf8');
      return { f, score: COSTLY.filter((re) => re.test(text)).length, bytes: text.length };
    });
    info.sort((a, b) => b.score - a.score || a.bytes - b.bytes || (a.f < b.f ? -1 : 1));
    const quota = Math.max(1, Math.ceil(group.length / 5));
    let have = group.filter((f) => picked.has(f)).length;
    for (const { f } of info) {
      if (have >= quota) break;
      if (!picked.has(f)) {
        picked.add(f);
        have++;
      }
    }
  }
  return [...picked].sort();
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const dir = argv.find((a, i) => !a.startsWith('--') && !argv[i - 1]?.startsWith('--'));
  if (!dir) throw new Error('usage: npm run resvg-suite -- DIR [--workers 2] [--timeout-ms 2000] | DIR --sample OUT');
  const files = svgFiles(dir);
  if (files.length === 0) throw new Error(`no .svg files under ${dir}; expected resvg's crates/resvg/tests/tests`);

  const sampleAt = argv.indexOf('--sample');
  if (sampleAt >= 0) {
    const out = argv[sampleAt + 1];
    if (!out) throw new Error('--sample needs an output folder');
    const sample = pickSample(dir, files);
    for (const f of sample) {
      mkdirSync(dirname(join(out, f)), { recursive: true });
      copyFileSync(join(dir, f), join(out, f));
    }
    console.log(JSON.stringify({ summary: true, command: 'resvg-suite --sample', files: sample.length, of: files.length, out }));
    return 0;
  }

  const passFlags = argv.filter((a, i) => ['--workers', '--timeout-ms'].includes(a) || ['--workers', '--timeout-ms'].includes(argv[i - 1] ?? ''));
  const outcomes: Outcome[] = [];
  const t0 = performance.now();
  for await (const r of renderAll(dir, files, passFlags)) {
    // cli.ts writes errors as "code: message"; an error without a code comes from program extraction.
    const code = r.ok ? undefined : (/^([a-z-]+): /.exec(r.error ?? '')?.[1] ?? 'no-program');
    const o: Outcome = { file: r.file, ok: r.ok, ...(code ? { code, error: r.error } : {}), ms: r.ms, verdict: classify(r.file, code) };
    outcomes.push(o);
    console.log(JSON.stringify(o));
  }
  const count = (pred: (o: Outcome) => boolean) => outcomes.filter(pred).length;
  const byCode: Record<string, number> = {};
  for (const o of outcomes) if (o.code) byCode[o.code] = (byCode[o.code] ?? 0) + 1;
  const bad = (o: Outcome) => o.verdict === 'false-refusal' || o.verdict === 'crash-mishandled' || o.ms > SLOW_MS;
  console.log(
    JSON.stringify({
      summary: true,
      command: 'resvg-suite',
      files: outcomes.length,
      rendered: count((o) => o.ok),
      refused: byCode,
      overOneSecond: count((o) => o.ms > SLOW_MS),
      slowestMs: Math.max(...outcomes.map((o) => o.ms)),
      justified: count((o) => o.verdict === 'justified'),
      crashHandled: count((o) => o.verdict === 'crash-handled'),
      falseRefusals: count((o) => o.verdict === 'false-refusal'),
      crashMishandled: count((o) => o.verdict === 'crash-mishandled'),
      notRendered: outcomes.filter((o) => !o.ok).map((o) => ({ file: o.file, verdict: o.verdict, error: o.error })),
      ms: Math.round(performance.now() - t0),
    }),
  );
  return outcomes.some(bad) ? 1 : 0;
}

main().then(
  (status) => process.exit(status),
  (err) => {
    console.log(JSON.stringify({ summary: true, command: 'resvg-suite', ok: false, error: err instanceof Error ? err.message : String(err) }));
    process.exit(1);
  },
);
