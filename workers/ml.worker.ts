// Thin adapter: onnxruntime-web sessions inside a Web Worker, exposed with comlink. All logic is in
// src/lib/models and src/lib/policy. Stateful calls keep their state here (generate: the KV cache,
// for one call); the page learns that such state was lost from MlClient's `generation`.
import * as Comlink from 'comlink';
import asyncifyWasm from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import plainWasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import { configure, detectDevice, run, type PlainTensor, type SessionInfo } from '../src/lib/models/backend';
import { SessionTable, type LoadSpec } from '../src/lib/models/sessions';
import type { LoadedModel, LoadProgress, ModelRequest } from '../src/lib/models/load';
import { clearModelCache } from '../src/lib/models/hub';
import { PolicyHost, type GenerateRequest } from '../src/lib/policy/policy-host';
import { GpuSteps } from '../src/lib/policy/gpu-step';
import type { Generation, StepEvent } from '../src/lib/policy/sampler';
import { EncoderHost, type EncoderInfo } from '../src/lib/reward/encoder-host';
import type { Pixels } from '../src/lib/render/rasterize';
import { Trainer, type TrainBatch, type TrainerInfo, type TrainerOptions, type TrainerState, type TrainHyper, type TrainStats } from '../src/lib/rl/trainer';

const sessions = new SessionTable();
/** Keys whose session is an fp32 policy decoder on WebGPU: the step graph can stand in for them. */
const fp32OnWebgpu = new Set<string>();
const gpuSteps = new GpuSteps();
/** Why the step graph could not be made, once: later calls decode with sampler.ts without retrying. */
let gpuStepFailure: string | null = null;
// The WebGPU step graph (policy/gpu-step.ts) serves a bundled-layout fp32 policy on WebGPU, at most 16
// rows (its cache is rows × 1024 positions × layers on the GPU); everything else decodes as before.
const policies = new PolicyHost(
  (key) => sessions.get(key),
  (key, folder, shape, rows, length, lora) => {
    const onWebgpu = lora ? trainers.get(key)?.info.samplerDevice === 'webgpu' : fp32OnWebgpu.has(key);
    if (gpuStepFailure || !onWebgpu || rows > 16) return null;
    return gpuSteps.get(folder, shape, rows, length, lora).catch((err: unknown) => {
      gpuStepFailure = err instanceof Error ? err.message : String(err);
      console.warn(`WebGPU step graph unavailable, decoding without it: ${gpuStepFailure}`);
      return null;
    });
  },
);
const encoders = new EncoderHost((key) => sessions.get(key));
const trainers = new Map<string, Trainer>();

function trainer(key: string): Trainer {
  const found = trainers.get(key);
  if (!found) throw new Error(`no trainer '${key}' in this ml worker (a fresh worker has none); call trainerInit first, from a checkpoint to resume`);
  return found;
}

/** Faults a fresh worker can be told to simulate, for tests and the "GPU went away" drill. */
export interface MlFaults {
  /** requestAdapter() resolves null, as on a blocklisted GPU: WebGPU loads must fall back to WASM. */
  webgpuUnavailable?: boolean;
}

/** Both WASM builds are known to ORT's configuration; the first load in a worker fixes the thread count. */
const configureOrt = (threads?: number): void =>
  configure({ wasmUrls: { plain: plainWasm, asyncify: asyncifyWasm }, threads: threads ?? Math.min(4, navigator.hardwareConcurrency || 1) });

const api = {
  detectDevice,

  /** Loads a model under `key`, replacing (and first releasing) what was there; see SessionTable. */
  async load(key: string, spec: LoadSpec): Promise<SessionInfo> {
    configureOrt(spec.threads);
    fp32OnWebgpu.delete(key);
    const info = await sessions.load(key, spec);
    if (info.device === 'webgpu' && typeof spec.model === 'string' && spec.model.endsWith('/onnx/model.onnx')) fp32OnWebgpu.add(key);
    return info;
  },

  /**
   * Loads a registry model (bundled or hub) under `key`: the worker fetches and caches the files, so
   * weights reach ORT without crossing to the page; only progress crosses, through `onProgress`.
   */
  async loadModel(key: string, request: ModelRequest, onProgress?: (p: LoadProgress) => void): Promise<LoadedModel> {
    configureOrt();
    encoders.forget(key);
    fp32OnWebgpu.delete(key);
    const model = await sessions.loadModel(key, request, onProgress);
    if (model.task === 'policy' && model.variant === 'model' && model.graphs.model?.device === 'webgpu') fp32OnWebgpu.add(key);
    encoders.register(key, model); // encoders keep their preprocessing and tokenizer; policies are ignored
    return model;
  },

  /** Input size and text length of the encoder loaded under `key` (by loadModel). */
  encoderInfo(key: string): EncoderInfo {
    return encoders.info(key);
  },

  /** Embeds renders made at the encoder's input size, in batches; only the vectors come back. */
  embedImages(key: string, images: Pixels[]): Promise<Float32Array[]> {
    return encoders.embedImages(key, images);
  },

  /** Embeds texts with a text-image encoder; cached per text in this worker. */
  embedTexts(key: string, texts: string[]): Promise<Float32Array[]> {
    return encoders.embedTexts(key, texts);
  },

  clearModelCache,

  run(key: string, feeds: Record<string, PlainTensor>): Promise<Record<string, PlainTensor>> {
    return run(sessions.get(key), feeds);
  },

  /**
   * Samples a group from the policy loaded under `key`; the KV cache stays here (on the GPU for
   * WebGPU). `onSteps` (a Comlink.proxy) hears every step, in batches; its returning false cancels.
   */
  generate(key: string, req: GenerateRequest, onSteps?: (events: StepEvent[]) => unknown): Promise<Generation> {
    return policies.generate(key, req, onSteps);
  },

  /**
   * Creates (or replaces) the learner under `key`: LoRA, AdamW moments and step stay in this worker
   * (src/lib/rl/trainer.ts). Only batches go in and statistics come out of the calls below.
   */
  async trainerInit(key: string, opts: TrainerOptions): Promise<TrainerInfo> {
    configureOrt(opts.threads);
    await trainers.get(key)?.release();
    trainers.delete(key);
    const t = await Trainer.create(opts);
    trainers.set(key, t);
    return { ...t.info, step: t.step };
  },

  trainStep(key: string, batch: TrainBatch, hyper?: Partial<TrainHyper>): Promise<TrainStats> {
    return trainer(key).trainStep(batch, hyper);
  },

  /** Samples a group from the LoRA sampler with the learner's current LoRA (copied only when the sampler is on another device). */
  async trainerGenerate(key: string, req: GenerateRequest, onSteps?: (events: StepEvent[]) => unknown): Promise<Generation & { promptIds: number[] }> {
    const t = trainer(key);
    return policies.generateLora(key, t.sampler, req, onSteps, await t.samplerFeeds());
  },

  trainerExport(key: string): Promise<TrainerState> {
    return trainer(key).exportState();
  },

  trainerImport(key: string, next: { state: TrainerState } | { lora: TrainerState['lora'] }): number {
    trainer(key).importState(next);
    return trainer(key).step;
  },

  trainerReset(key: string): void {
    trainer(key).reset();
  },

  async trainerRelease(key: string): Promise<void> {
    await trainers.get(key)?.release();
    trainers.delete(key);
  },

  async release(key: string): Promise<void> {
    encoders.forget(key);
    if (fp32OnWebgpu.delete(key)) await gpuSteps.release();
    return sessions.release(key);
  },

  sessions(): Record<string, SessionInfo> {
    return sessions.list();
  },

  /** Must run before ORT first touches WebGPU in this worker: ORT keeps its device for the worker's life. */
  injectFaults(faults: MlFaults): void {
    if (faults.webgpuUnavailable && navigator.gpu) Object.defineProperty(navigator.gpu, 'requestAdapter', { value: async () => null });
  },

  /** Fault injection: an uncaught exception while this call runs, as a crashing runtime would throw. */
  crash(reason: string): Promise<never> {
    return new Promise(() =>
      setTimeout(() => {
        throw new Error(reason);
      }),
    );
  },
};

export type MlWorkerApi = typeof api;
Comlink.expose(api);
