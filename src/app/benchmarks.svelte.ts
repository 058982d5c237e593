// Benchmarks page state: the bundled SGP-MiniBench, plus the benchmarks the user imports (our JSON
// or an SGP-CompBench prompt file), kept in IndexedDB so they survive a reload. A stored entry goes
// through the same checks as an import; one that fails them is listed as broken, with a way to
// forget it. Without IndexedDB (private modes, sandboxed frames) imports last for the session.
import { del, get, keys, set } from 'idb-keyval';
import { BUNDLED_BENCHMARKS, benchmarkSummary, checkFileSize, loadBenchmark, parseBenchmarkFile, type Benchmark, type BenchSummary } from '../lib/world';

/** Every stored benchmark's key starts with this; `PREFIX:name` since imports are kept side by side. */
const PREFIX = 'sgp-studio.benchmarks.imported';

export interface LoadedBenchmark {
  bench: Benchmark;
  summary: BenchSummary;
  origin: 'bundled' | 'imported';
}

/** An imported benchmark as stored: loaded, or broken with the reason. */
export type StoredBenchmark =
  | { readonly key: string; readonly loaded: LoadedBenchmark; readonly error?: undefined }
  | { readonly key: string; readonly name: string; readonly error: string; readonly loaded?: undefined };

const loaded = (bench: Benchmark, origin: LoadedBenchmark['origin']): LoadedBenchmark => ({ bench, summary: benchmarkSummary(bench), origin });
/** DOMException names (SecurityError, QuotaExceededError) say what happened; our own errors need no prefix. */
const message = (err: unknown): string =>
  err instanceof Error ? `${['Error', 'BenchmarkError'].includes(err.name) ? '' : `${err.name}: `}${err.message}` : String(err);
const nameOfKey = (key: string): string => key.slice(PREFIX.length + 1) || 'imported benchmark';

function fromStore(key: string, value: unknown): StoredBenchmark {
  try {
    return { key, loaded: loaded(loadBenchmark(value, nameOfKey(key)), 'imported') };
  } catch (err) {
    return { key, name: nameOfKey(key), error: message(err) };
  }
}

export class BenchmarksState {
  /** Every entry of the BUNDLED_BENCHMARKS registry, in registry order. */
  bundled: LoadedBenchmark[] = $state([]);
  stored: StoredBenchmark[] = $state([]);
  /** Why the last import was refused. */
  error: string | null = $state(null);
  /** Why the bundled benchmarks could not be shown. */
  loadError: string | null = $state(null);
  /** Set when IndexedDB is unusable and imports are kept in memory for this session only. */
  storageNote: string | null = $state(null);
  loading = $state(true);

  private memory: Map<string, unknown> | null = null;

  /** Bundled and stored benchmarks load independently: a failure of one never hides the other. */
  async load(): Promise<void> {
    this.loading = true;
    await Promise.all([this.loadBundled(), this.loadStored()]);
    this.loading = false;
  }

  private async loadBundled(): Promise<void> {
    try {
      this.bundled = await Promise.all(
        Object.entries(BUNDLED_BENCHMARKS).map(async ([key, { path }]) => {
          const url = new URL(path, document.baseURI);
          const res = await fetch(url);
          if (!res.ok) throw new Error(`could not fetch ${url.pathname}: HTTP ${res.status}`);
          return loaded(loadBenchmark(await res.json(), key), 'bundled');
        }),
      );
    } catch (err) {
      this.loadError = `Loading the bundled benchmarks failed: ${message(err)}`;
    }
  }

  private async loadStored(): Promise<void> {
    let found: string[];
    try {
      found = (await keys()).filter((k): k is string => typeof k === 'string' && (k === PREFIX || k.startsWith(`${PREFIX}:`)));
    } catch (err) {
      this.toMemory(err);
      return;
    }
    // One entry at a time, so a value that cannot even be read is one broken entry, not a failed page.
    this.stored = await Promise.all(
      found.sort().map(async (key) => {
        try {
          return fromStore(key, await get(key));
        } catch (err) {
          return { key, name: nameOfKey(key), error: `could not be read: ${message(err)}` };
        }
      }),
    );
  }

  private toMemory(err: unknown): void {
    this.memory ??= new Map();
    this.storageNote = `Imported benchmarks are kept for this session only: this browser's IndexedDB is unavailable (${message(err).slice(0, 120)}).`;
  }

  /** Checks a user's file; a bad file changes nothing and says what was wrong. */
  async importFile(file: File): Promise<void> {
    try {
      checkFileSize(file.size, file.name);
      const bench = parseBenchmarkFile(await file.text(), file.name);
      const key = `${PREFIX}:${bench.name}`;
      // Stored as accepted, name included, so a reload shows the same benchmark with the same title.
      const value = { name: bench.name, version: bench.version, ...(bench.description ? { description: bench.description } : {}), items: bench.items };
      await this.put(key, value);
      this.stored = [...this.stored.filter((s) => s.key !== key), { key, loaded: loaded(bench, 'imported') }];
      this.error = null;
    } catch (err) {
      this.error = `Import failed: ${message(err)}`;
    }
  }

  private async put(key: string, value: unknown): Promise<void> {
    if (!this.memory) {
      try {
        await set(key, value);
        return;
      } catch (err) {
        this.toMemory(err);
      }
    }
    this.memory?.set(key, value);
  }

  /** Removes a stored benchmark, readable or not. */
  async forget(key: string): Promise<void> {
    try {
      // Entries listed before IndexedDB failed still live there.
      if (!this.memory?.delete(key)) await del(key);
      this.stored = this.stored.filter((s) => s.key !== key);
    } catch (err) {
      this.error = `Forgetting the benchmark failed: ${message(err)}`;
    }
  }
}
