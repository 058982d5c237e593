// The page's handle on sampling: load a policy variant into the ml worker, then `generate` a group
// for a prompt, hearing every decode step as it happens (for cards that draw as they grow). The KV
// cache stays in the worker; only tokens, text deltas, log-probs and timings cross.
import * as Comlink from 'comlink';
import type { MlClient } from './ml-client';
import type { Device, SessionInfo, WasmBuild } from '../models/backend';
import type { Generation, SampleParams, StepEvent } from '../policy/sampler';
import type { LoadedModel, LoadProgress, ModelRequest } from '../models/load';
import { fileUrl, lookupModel } from '../models/registry';

export interface PolicyModel {
  /** The model folder (relative to the page, or absolute), e.g. 'models/sgp-tiny-policy/'. */
  folder: string;
  /** The graph in `onnx/`, without '.onnx': 'model' (fp32), 'model_quantized', … */
  variant: string;
  device: Device | 'auto';
  wasmBuild?: WasmBuild;
  /** WASM threads (the ml worker's first load decides). */
  threads?: number;
  /** Weight files the graph keeps outside itself, relative to the folder (registry.externalDataFiles). */
  externalData?: readonly string[];
}

export interface GenerateOptions {
  signal?: AbortSignal;
  /** The longest wait for the next step (or for prefill) before the worker counts as hung. */
  stallMs?: number;
  /** false: decode with sampler.ts even where the WebGPU step graph could (policy-host.ts). */
  stepGraph?: boolean;
}

export class PolicyClient {
  private model: PolicyModel | null = null;

  constructor(
    private readonly ml: MlClient,
    private readonly key = 'policy',
  ) {}

  async load(model: PolicyModel): Promise<SessionInfo> {
    const folder = absolute(model.folder.endsWith('/') ? model.folder : `${model.folder}/`);
    const info = await this.ml.load(this.key, {
      model: new URL(`onnx/${model.variant}.onnx`, folder).href,
      device: model.device,
      // ORT resolves an external file by the name the graph records, relative to the graph.
      externalData: (model.externalData ?? []).map((file) => ({ path: file.split('/').pop()!, data: new URL(file, folder).href })),
      ...(model.wasmBuild ? { wasmBuild: model.wasmBuild } : {}),
      ...(model.threads ? { threads: model.threads } : {}),
    });
    this.model = { ...model, folder };
    return info;
  }

  /**
   * Loads a registry policy (bundled or hub id; the variant chosen by device unless named) through
   * the ml worker's cached download; its tokenizer and config are read from the same folder.
   */
  async loadModel(request: ModelRequest, onProgress?: (p: LoadProgress) => void): Promise<LoadedModel> {
    const loaded = await this.ml.loadModel(this.key, request, onProgress);
    this.model = { folder: fileUrl(lookupModel(request.id), '', request.bases), variant: loaded.variant, device: request.device };
    return loaded;
  }

  /**
   * Samples `params.n` programs for `prompt`. `onStep` hears each step's new tokens (they arrive in
   * batches, so several calls can come at once); aborting `signal` stops the group within a few steps
   * of the page's answer to the batch it is handling, and the samples so far come back marked 'cancelled'.
   */
  generate(prompt: string, params: Partial<SampleParams> = {}, onStep?: (e: StepEvent) => void, opts: GenerateOptions = {}): Promise<Generation> {
    const model = this.model;
    if (!model) return Promise.reject(new Error('no policy loaded; call load({ folder, variant, device }) first'));
    const { signal, stallMs = 120_000, stepGraph } = opts;
    return this.ml.call((api, progress) => {
      // The worker sends steps in batches (at most every ~30 ms); the page still hears them one by one.
      const step = (events: StepEvent[]): boolean => {
        progress();
        for (const e of events) onStep?.(e);
        return !signal?.aborted;
      };
      return api.generate(this.key, { folder: model.folder, prompt, params, ...(stepGraph === false ? { stepGraph } : {}) }, Comlink.proxy(step));
    }, stallMs);
  }
}

const absolute = (url: string): string => new URL(url, globalThis.location?.href).href;
