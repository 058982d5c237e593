// Loads a registry model: config.json first (a policy of an architecture the sampler does not run is
// refused before any weights move), then the chosen variant's graphs, their external data and the
// tokenizer files, all through the cache with one progress stream, then an ORT session per graph.
import { createSession, detectDevice, type Device, type SessionInfo } from './backend';
import { formatBytes, getFile, MissingFile, overall, type FileProgress } from './hub';
import { autoDevice } from './stage-device';
import { checkArchitecture, chooseVariant, externalDataFiles, fileUrl, graphFile, lookupModel, quote, type Bases, type ModelEntry, type Variant } from './registry';

/** What a page asks for; plain data, so the client can replay it in a fresh worker. */
export interface ModelRequest {
  id: string;
  /** A variant name (e.g. 'model_quantized'); default: chosen by device capability. */
  variant?: string;
  device: Device | 'auto';
  bases: Bases;
}

export interface LoadProgress {
  id: string;
  files: Record<string, FileProgress>;
  received: number;
  total: number | null;
}

export interface LoadedModel {
  id: string;
  task: ModelEntry['task'];
  variant: Variant['name'];
  /** Session info per graph, e.g. { model } or { text_model, vision_model }. */
  graphs: Record<string, SessionInfo>;
  /** config.json and the other JSON files, as text (the tokenizer is built from them). */
  texts: Record<string, string>;
  /** Bytes of weights loaded, and how many came from the cache. */
  bytes: number;
  cachedFiles: number;
  downloadedFiles: number;
  notices: string[];
}

type Session = Awaited<ReturnType<typeof createSession>>['session'];

/** Progress reaches the page at most this often (plus each file's start and end): each event is a postMessage. */
const PROGRESS_MS = 100;

export async function loadModel(
  request: ModelRequest,
  onProgress?: (p: LoadProgress) => void,
): Promise<{ model: LoadedModel; sessions: Record<string, Session> }> {
  const entry = lookupModel(request.id);
  const cap = await detectDevice();
  const target = request.device === 'auto' ? autoDevice(entry, cap.device, globalThis.crossOriginIsolated === true, cap.emulated === true) : request.device;
  const variant = chooseVariant(entry, { device: target, shaderF16: cap.shaderF16 }, request.variant);
  // 'auto' that chose WASM over an available WebGPU is a decision, not a fallback: no notice
  const sessionDevice = request.device === 'auto' && target !== cap.device ? target : request.device;

  const files: Record<string, FileProgress> = {};
  let last = 0;
  const report = (p: FileProgress) => {
    const first = !(p.file in files);
    files[p.file] = p;
    const now = Date.now();
    // A file's first and last events always go out, so the bar learns of every file and its total.
    if (!onProgress || (!first && !p.done && now - last < PROGRESS_MS)) return;
    last = now;
    const sum = overall(files);
    onProgress({ id: entry.id, files: { ...files }, received: sum.received, total: sum.total });
  };
  const notices: string[] = [];
  let cachedFiles = 0;
  const get = async (file: string) => {
    const got = await getFile(fileUrl(entry, file, request.bases), { id: entry.id, file, onProgress: report });
    if (got.notice) notices.push(got.notice);
    cachedFiles += got.fromCache ? 1 : 0;
    return got.bytes;
  };

  const configText = new TextDecoder().decode(await get('config.json'));
  const config = parseJson(configText, `${entry.id}/config.json`);
  checkArchitecture(entry, config);

  const texts: Record<string, string> = { 'config.json': configText };
  const others = entry.files.filter((f) => f !== 'config.json');
  const graphFiles = entry.graphs.map((g) => ({ graph: g, file: graphFile(g, variant) }));
  const [, weights] = await Promise.all([
    Promise.all(
      others.map(async (f) => {
        try {
          texts[f] = new TextDecoder().decode(await get(f));
        } catch (err) {
          if (!(err instanceof MissingFile && entry.optional?.includes(f))) throw err;
          delete files[f];
        }
      }),
    ),
    Promise.all(
      graphFiles.map(async ({ graph, file }) => {
        const external = externalDataFiles(file, config, entry);
        const [bytes, ...data] = await Promise.all([get(file), ...external.map(get)]);
        return { graph, file, bytes: bytes!, external: external.map((path, i) => ({ path: path.split('/').pop()!, data: data[i]! })) };
      }),
    ),
  ]);
  const size = weights.reduce((s, w) => s + w.bytes.byteLength + w.external.reduce((t, e) => t + e.data.byteLength, 0), 0);

  const sessions: Record<string, Session> = {};
  const graphs: Record<string, SessionInfo> = {};
  try {
    for (const w of weights) {
      const what = `${entry.id} ${w.file}`;
      try {
        const made = await createSession(w.bytes, sessionDevice, w.external, what);
        sessions[w.graph] = made.session;
        graphs[w.graph] = made.info;
        if (made.info.notice) notices.push(made.info.notice);
      } catch (err) {
        throw outOfMemory(err) ? new Error(`out of memory loading ${quote(entry.id)} ${variant.name} (${formatBytes(size)} of weights): ${message(err).slice(0, 200)}; choose a smaller variant (${entry.variants.map((v) => v.name).join(', ')}) or close other tabs`) : err;
      }
    }
  } catch (err) {
    await Promise.all(Object.values(sessions).map((s) => s.release()));
    throw err;
  }
  const count = Object.keys(files).length;
  return {
    model: { id: entry.id, task: entry.task, variant: variant.name, graphs, texts, bytes: size, cachedFiles, downloadedFiles: count - cachedFiles, notices },
    sessions,
  };
}

/** ORT's wasm heap and WebGPU report exhaustion in these words. */
export function outOfMemory(err: unknown): boolean {
  return /out of memory|\bOOM\b|bad_alloc|allocation failed|Cannot enlarge memory|failed to allocate|could not allocate|Array buffer allocation/i.test(message(err));
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${quote(what)} is not JSON (${message(err)}); starts with '${quote(text.slice(0, 60))}'`);
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
