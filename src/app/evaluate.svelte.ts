// Evaluate page state: choose a benchmark × source, run it on the workers (the same run code as
// `npm run eval`, src/lib/workers/eval-deps.ts), persist each result as it comes (eval-store.ts) and
// resume after a reload; summaries, comparisons and exports come from src/lib/eval/report.ts.
import { summarize, type ItemResult, type Summary } from '../lib/eval/metrics';
import { parseRunFile, runFile, samplesCsv, summaryCsv } from '../lib/eval/report';
import { DEFAULT_EVAL_CONFIG, parseBenchChoice, selectItems } from '../lib/eval/runner';
import { outputsFromFile, type Outputs } from '../lib/eval/sources';
import type { LoadProgress } from '../lib/models/load';
import { EncoderClient, RewardScorer } from '../lib/workers/encoder-client';
import { TrainerClient } from '../lib/workers/trainer-client';
import { listCheckpoints } from '../lib/rl/checkpoints';
import { evaluateOn, sourceLabel, type EvalRequest, type EvalWorkers, type SourceSpec } from '../lib/workers/eval-deps';
import { BUNDLED_BENCHMARKS, loadBenchmark, SPLITS, type Benchmark } from '../lib/world';
import { deleteRun, listRuns, loadItems, saveItem, saveMeta, type RunMeta } from './eval-store';
import { BenchmarksState } from './benchmarks.svelte';
import { mlServices, svgRenderer } from './services';

export type Phase = 'idle' | 'loading' | 'running' | 'done' | 'stopped' | 'error';
export type SourceKind = SourceSpec['kind'];

/** The benchmarks on offer: SGP-MiniBench (all, or one split) and every benchmark imported on the Benchmarks page. */
export const MINIBENCH_CHOICES = ['minibench', ...SPLITS.map((s) => `minibench:${s}`)];

let workers: EvalWorkers | null = null;
function evalWorkers(): EvalWorkers {
  if (!workers) {
    const { client, policy } = mlServices();
    const pool = svgRenderer();
    const encoders = new EncoderClient(client);
    // A checkpoint's learner under its own key, so evaluating never disturbs a run on the Train page.
    workers = { pool, policy, encoders, scorer: new RewardScorer(pool, encoders), trainer: new TrainerClient(client, 'eval-checkpoint') };
  }
  return workers;
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** The URL settings the form starts from (settings.ts). */
export interface EvalSettings {
  evalBench: string;
  evalSource: SourceKind;
  model: string;
  evalSamples: number;
  evalTemperature: number;
  evalSeed: number;
  evalLimit: number;
}

export class EvaluateState {
  // What to run.
  bench: string;
  sourceKind: SourceKind;
  policyId: string;
  samples: number;
  temperature: number;
  seed: number;
  /** Items per split; 0 = all. */
  limit: number;
  outputs: { name: string; outputs: Outputs } | null = $state(null);
  /** Runs the Train page saved (newest first), and the one chosen for the checkpoint source. */
  checkpoints: { run: string; savedAt: number; step: number }[] = $state([]);
  checkpointRun: string | null = $state(null);

  // Runs.
  runs: RunMeta[] = $state([]);
  current: RunMeta | null = $state(null);
  results: ItemResult[] = $state([]);
  summary: Summary | null = $derived(this.results.length ? summarize(this.results) : null);
  compareWith: { meta: RunMeta; summary: Summary } | null = $state(null);

  phase: Phase = $state('idle');
  error: string | null = $state(null);
  load: LoadProgress | null = $state(null);
  /** Items done in this session and when the first began, for the ETA. */
  private session = { t0: 0, done: 0 };
  etaS: number | null = $state(null);
  readonly imported = new BenchmarksState();
  private abort: AbortController | null = null;

  constructor(s: EvalSettings) {
    this.bench = $state(s.evalBench);
    this.sourceKind = $state(s.evalSource);
    this.policyId = $state(s.model);
    this.samples = $state(s.evalSamples);
    this.temperature = $state(s.evalTemperature);
    this.seed = $state(s.evalSeed);
    this.limit = $state(s.evalLimit);
  }

  /** The form as URL settings. */
  settings(): EvalSettings {
    return { evalBench: this.bench, evalSource: this.sourceKind, model: this.policyId, evalSamples: this.samples, evalTemperature: this.temperature, evalSeed: this.seed, evalLimit: this.limit };
  }

  get busy(): boolean {
    return this.phase === 'loading' || this.phase === 'running';
  }
  get total(): number {
    return this.current?.request?.items.length ?? this.results.length;
  }

  async init(): Promise<void> {
    await Promise.all([this.refresh(), this.imported.load(), this.refreshCheckpoints()]);
  }

  /** The saved LoRA checkpoints (IndexedDB, written by the Train page). */
  async refreshCheckpoints(): Promise<void> {
    try {
      this.checkpoints = await listCheckpoints();
      if (!this.checkpoints.some((c) => c.run === this.checkpointRun)) this.checkpointRun = this.checkpoints[0]?.run ?? null;
    } catch (err) {
      this.error = `Saved checkpoints cannot be read (${message(err)}).`;
    }
  }

  async refresh(): Promise<void> {
    try {
      this.runs = await listRuns();
    } catch (err) {
      this.error = `Stored runs cannot be read (${message(err)}); runs last for this session only.`;
    }
  }

  /** Benchmark menu keys: SGP-MiniBench choices, then imported benchmarks as `import:<name>`. */
  benchChoices(): string[] {
    return [...MINIBENCH_CHOICES, ...this.imported.stored.flatMap((s) => (s.loaded ? [`import:${s.loaded.bench.name}`] : []))];
  }

  private async benchmark(): Promise<Benchmark> {
    if (this.bench.startsWith('import:')) {
      const found = this.imported.stored.find((s) => s.loaded && `import:${s.loaded.bench.name}` === this.bench);
      if (!found?.loaded) throw new Error(`the imported benchmark ${this.bench.slice(7, 107)} is no longer stored; import it again on the Benchmarks page`);
      return found.loaded.bench;
    }
    const url = new URL(BUNDLED_BENCHMARKS['sgp-minibench']!.path, document.baseURI);
    const res = await fetch(url);
    if (!res.ok) throw new Error(`could not fetch ${url.pathname}: HTTP ${res.status}`);
    return loadBenchmark(await res.json());
  }

  async importOutputs(file: File): Promise<void> {
    try {
      this.outputs = { name: file.name, outputs: outputsFromFile(file.name, new Uint8Array(await file.arrayBuffer())) };
      this.sourceKind = 'outputs';
      this.error = null;
    } catch (err) {
      this.error = message(err);
    }
  }

  private sourceSpec(): SourceSpec {
    if (this.sourceKind === 'policy') return { kind: 'policy', id: this.policyId, device: 'wasm' };
    if (this.sourceKind === 'references') return { kind: 'references' };
    if (this.sourceKind === 'checkpoint') {
      const cp = this.checkpoints.find((c) => c.run === this.checkpointRun);
      if (!cp) throw new Error('no checkpoint chosen: train on the Train page (it saves one per run), then choose it here');
      return { kind: 'checkpoint', name: `${cp.run} step ${cp.step}`, run: cp.run };
    }
    if (!this.outputs) throw new Error('no outputs imported: choose a JSONL file of {id, output} or a zip of <id>.svg files');
    return { kind: 'outputs', name: this.outputs.name, outputs: [...this.outputs.outputs].map(([id, o]) => [id, [...o]]) };
  }

  /** Starts a new run from the form. */
  async start(): Promise<void> {
    if (this.busy) return;
    try {
      const b = await this.benchmark();
      const choice = this.bench.startsWith('import:') ? null : parseBenchChoice(this.bench);
      const split = choice?.kind === 'minibench' ? choice.split : null;
      const items = selectItems(b.items, split, this.limit > 0 ? this.limit : null);
      const source = this.sourceSpec();
      const config = { ...DEFAULT_EVAL_CONFIG, samples: this.samples, temperature: this.temperature, seed: this.seed };
      const meta: RunMeta = { id: `run-${Date.now().toString(36)}`, createdAt: Date.now(), bench: this.bench.replace(/^import:/, ''), source: sourceLabel(source), config, request: { items, source, config }, status: 'running', encoders: null, missing: [] };
      await saveMeta(meta).catch(() => undefined); // without IndexedDB the run still runs, for this session
      this.current = meta;
      this.results = [];
      await this.refresh();
      await this.continueRun();
    } catch (err) {
      this.phase = 'error';
      this.error = message(err);
    }
  }

  /** Opens a stored run (its results so far). */
  async open(meta: RunMeta): Promise<void> {
    if (this.busy) return;
    this.current = meta;
    this.results = await loadItems(meta.id);
    this.phase = meta.status === 'done' ? 'done' : 'stopped';
    this.error = null;
  }

  /** Runs (or resumes) the current run's remaining items; each result is stored as it comes. */
  async continueRun(): Promise<void> {
    const meta = this.current;
    if (!meta?.request || this.busy) return;
    const ctl = new AbortController();
    this.abort = ctl;
    this.error = null;
    this.phase = 'loading';
    this.session = { t0: 0, done: 0 };
    this.etaS = null;
    let seq = this.results.length;
    try {
      const bases = { bundled: new URL('models/', document.baseURI).href };
      // A snapshot: $state proxies cannot be posted to the workers.
      const request = $state.snapshot(meta.request) as EvalRequest;
      const run = await evaluateOn(evalWorkers(), bases, { ...request, done: this.results.map((r) => r.id) }, {
        signal: ctl.signal,
        onLoad: (p) => (this.load = p),
        onItem: async (r) => {
          this.results = [...this.results, r];
          // The ETA counts from the first result, so the model's load time does not skew it.
          if (this.phase === 'loading') [this.phase, this.session] = ['running', { t0: performance.now(), done: 0 }];
          else {
            this.session.done++;
            const perItem = (performance.now() - this.session.t0) / 1000 / this.session.done;
            this.etaS = perItem * (this.total - this.results.length - meta.missing.length);
          }
          await saveItem(meta.id, seq++, r).catch(() => undefined);
        },
        onMissing: (id) => meta.missing.push(id),
      });
      meta.encoders = run.encoders;
      if (!ctl.signal.aborted) meta.status = 'done';
      this.phase = ctl.signal.aborted ? 'stopped' : 'done';
      await saveMeta($state.snapshot(meta) as RunMeta).catch(() => undefined);
      await this.refresh();
    } catch (err) {
      this.phase = 'error';
      this.error = message(err);
    } finally {
      this.abort = null;
    }
  }

  stop(): void {
    this.abort?.abort();
  }

  async remove(meta: RunMeta): Promise<void> {
    await deleteRun(meta.id);
    if (this.current?.id === meta.id) [this.current, this.results, this.phase] = [null, [], 'idle'];
    if (this.compareWith?.meta.id === meta.id) this.compareWith = null;
    await this.refresh();
  }

  async compare(meta: RunMeta | null): Promise<void> {
    this.compareWith = meta ? { meta, summary: summarize(await loadItems(meta.id)) } : null;
  }

  /** A run file (from `npm run eval --out` or an export) becomes a stored, finished run. */
  async importRun(file: File): Promise<void> {
    try {
      const f = parseRunFile(await file.text(), file.name);
      const meta: RunMeta = { id: `run-${Date.now().toString(36)}`, createdAt: Date.now(), bench: f.bench, source: `${f.source} (imported ${file.name.slice(0, 60)})`, config: f.config, request: null, status: 'done', encoders: f.encoders, missing: f.missing };
      await saveMeta(meta);
      await Promise.all(f.items.map((r, k) => saveItem(meta.id, k, r)));
      await this.refresh();
      await this.open(meta);
    } catch (err) {
      this.error = message(err);
    }
  }

  /** Files for the export buttons. */
  exportJson(): string {
    const m = this.current!;
    return JSON.stringify(runFile({ bench: m.bench, source: m.source, config: m.config, encoders: m.encoders ?? { siglip: null, dino: null }, missing: m.missing }, $state.snapshot(this.results) as ItemResult[]));
  }
  exportSummaryCsv = (): string => summaryCsv(this.summary!);
  exportSamplesCsv = (): string => samplesCsv(this.results);
}
