// The ml worker's named ORT sessions. Loading under a key replaces what was there: the old session is
// released first (two copies of a WebGPU model can exhaust the device) and a load that fails leaves
// the key empty — never a released or half-made session, and never the old model answering silently
// for the new one. The failure is remembered so a later `run` says why nothing is loaded.
import { createSession, fetchBytes, type Device, type ExternalData, type SessionInfo, type WasmBuild } from './backend';
import { loadModel, type LoadedModel, type LoadProgress, type ModelRequest } from './load';

type Session = Awaited<ReturnType<typeof createSession>>['session'];

/** Everything needed to load a model again, e.g. in a fresh worker after a crash. */
export interface LoadSpec {
  /** URL (absolute: workers resolve against their own script) or the .onnx bytes. */
  model: string | Uint8Array;
  device: Device | 'auto';
  externalData?: ExternalData[];
  /** The ORT build for WASM: 'plain' (default, faster) or 'asyncify' (the WebGPU bundle's). */
  wasmBuild?: WasmBuild;
  /** WASM threads; the ml worker's first load decides for all its sessions (ORT reads it once). */
  threads?: number;
}

export class SessionTable {
  private readonly sessions = new Map<string, { session: Session; info: SessionInfo }>();
  private readonly failures = new Map<string, string>();

  async load(key: string, spec: LoadSpec): Promise<SessionInfo> {
    const old = this.sessions.get(key);
    this.sessions.delete(key);
    this.failures.delete(key);
    await old?.session.release();
    const ext = (spec.externalData ?? []).map((e) => `${e.path} (${typeof e.data === 'string' ? e.data : `${e.data.byteLength} bytes`})`);
    const what = `${typeof spec.model === 'string' ? `model ${spec.model}` : `model '${key}' (${spec.model.byteLength} bytes)`}${ext.length ? ` with external data ${ext.join(', ')}` : ''}`;
    try {
      const bytes = typeof spec.model === 'string' ? await fetchBytes(spec.model, 'model') : spec.model;
      const external = await Promise.all(
        (spec.externalData ?? []).map(async (e) => ({
          path: e.path,
          data: typeof e.data === 'string' ? await fetchBytes(e.data, `external data ${e.path}:`) : e.data,
        })),
      );
      const made = await createSession(bytes, spec.device, external, what, spec.wasmBuild);
      this.sessions.set(key, made);
      return made.info;
    } catch (err) {
      this.failures.set(key, err instanceof Error ? err.message : String(err));
      throw err;
    }
  }

  /**
   * Loads a registry model: one session under `key`, or `key/<graph>` for each graph of a model with
   * several (a text-image encoder's text_model and vision_model).
   */
  async loadModel(key: string, request: ModelRequest, onProgress?: (p: LoadProgress) => void): Promise<LoadedModel> {
    await this.release(key);
    try {
      const { model, sessions } = await loadModel(request, onProgress);
      const single = Object.keys(sessions).length === 1;
      for (const [graph, session] of Object.entries(sessions)) this.sessions.set(single ? key : `${key}/${graph}`, { session, info: model.graphs[graph]! });
      return model;
    } catch (err) {
      this.failures.set(key, err instanceof Error ? err.message : String(err));
      throw err;
    }
  }

  get(key: string): Session {
    const found = this.sessions.get(key);
    if (found) return found.session;
    const failed = this.failures.get(key);
    if (failed) throw new Error(`no model loaded as '${key}': its last load failed (${failed})`);
    throw new Error(`no model loaded as '${key}'; loaded: ${[...this.sessions.keys()].join(', ') || 'none'}`);
  }

  /** Releases `key` and, for a model of several graphs, each `key/<graph>`. */
  async release(key: string): Promise<void> {
    this.failures.delete(key);
    for (const k of [...this.sessions.keys()].filter((k) => k === key || k.startsWith(`${key}/`))) {
      const found = this.sessions.get(k)!;
      this.sessions.delete(k);
      await found.session.release();
    }
  }

  /** What is loaded now, by key. */
  list(): Record<string, SessionInfo> {
    return Object.fromEntries([...this.sessions].map(([k, v]) => [k, v.info]));
  }
}
