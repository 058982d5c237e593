// Headless hooks for the learner in the ml worker (part of window.sgp): init, steps, sampling with the
// live LoRA, checkpoints and PEFT adapters, with tensors as number arrays for page.evaluate.
import type { MlClient } from './lib/workers/ml-client';
import { TrainerClient, type TrainBatch, type TrainerState, type TrainHyper } from './lib/workers/trainer-client';
import { loadCheckpoint, saveCheckpoint } from './lib/rl/checkpoints';
import type { SampleParams } from './lib/policy/sampler';
import type { Device, PlainTensor } from './lib/models/backend';

type Numbers = { dims: number[]; data: number[] };
const numbers = (rec: Record<string, PlainTensor>): Record<string, Numbers> =>
  Object.fromEntries(Object.entries(rec).map(([n, t]) => [n, { dims: t.dims, data: Array.from(t.data as ArrayLike<number>) }]));
const tensors = (rec: Record<string, Numbers>): Record<string, PlainTensor> =>
  Object.fromEntries(Object.entries(rec).map(([n, t]) => [n, { type: 'float32', dims: t.dims, data: Float32Array.from(t.data) }]));

export function trainerHooks(ml: MlClient) {
  const trainer = new TrainerClient(ml);
  return {
    trainerInit: (opts: { device?: Device | 'auto'; sampler?: Device | 'auto'; capture?: boolean; lora?: Record<string, Numbers>; threads?: number } = {}) =>
      trainer.init({
        folder: 'models/sgp-tiny-policy/',
        ...(opts.device ? { device: opts.device } : {}),
        ...(opts.sampler ? { sampler: opts.sampler } : {}),
        ...(opts.capture === false ? { capture: false } : {}),
        ...(opts.lora ? { lora: tensors(opts.lora) } : {}),
        ...(opts.threads ? { threads: opts.threads } : {}),
      }),
    trainerStep: (batch: TrainBatch, hyper: Partial<TrainHyper> = {}) => trainer.step(batch, hyper),
    async trainerGenerate(prompt: string, params: Partial<SampleParams> = {}) {
      const g = await trainer.generate(prompt, params);
      const samples = g.samples.map((s) => ({ tokens: s.tokens, logprobs: s.logprobs, text: s.text, finish: s.finish }));
      return { promptIds: g.promptIds, samples, firstTokenMs: g.firstTokenMs, totalMs: g.totalMs, newTokens: g.newTokens, tokPerS: g.tokPerS };
    },
    async trainerExport() {
      const s = await trainer.exportState();
      return { step: s.step, lora: numbers(s.lora), m: numbers(s.m), v: numbers(s.v) };
    },
    trainerReset: () => trainer.reset(),
    async trainerAdapter() {
      const files = await trainer.exportAdapter();
      return { config: files['adapter_config.json'], safetensors: Array.from(files['adapter_model.safetensors']) };
    },
    trainerImportAdapter: (config: string, safetensors: number[]) =>
      trainer.importAdapter({ 'adapter_config.json': config, 'adapter_model.safetensors': Uint8Array.from(safetensors) }),
    /** Saves the learner's state under `run` in IndexedDB; returns its step. */
    async trainerCheckpoint(run: string) {
      const cp = await saveCheckpoint(run, await trainer.exportState(), { by: 'headless' });
      return cp.state.step;
    },
    /** Re-creates the learner from the run's checkpoint (after a reload or a worker restart). */
    async trainerResume(run: string) {
      const cp = await loadCheckpoint(run);
      if (!cp) throw new Error(`no checkpoint for run '${run}'`);
      return trainer.init({ folder: 'models/sgp-tiny-policy/', state: cp.state as TrainerState });
    },
  };
}
