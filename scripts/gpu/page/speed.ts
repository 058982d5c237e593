// Speed through the app's own paths on one page: the sampler's decode (tok/s after the first token,
// time to first token), encoder images/s at batch 1 and 8, and the GRPO train step's ms.
import type { Device, PlainTensor } from '../../../src/lib/models/backend';
import type { PreprocessorConfig } from '../../../src/lib/reward/encoders';
import { readSafetensors } from '../../../src/lib/models/safetensors';
import { json, median, openFrame, round, scalar, type Sgp } from './frame';
import { encoderInput } from './checks';

export const PROMPT = 'a red circle above a blue square'; // the CPU/CUDA anchors use the same prompt
const P = 'models/sgp-tiny-policy/';
const external = [{ path: 'policy_weights.onnx_data', url: `${P}onnx/policy_weights.onnx_data` }];

export interface DecodeRow { variant: string; device: Device; threads?: number; batch: number; new_tokens: number; tok_s: number; total_tok_s: number; first_token_ms: number; trials: number[]; error?: string }

/**
 * One fresh headless page (fresh ml worker, so WASM's thread count applies) per variant × device.
 * `variant` 'model+step' is the fp32 policy through the WebGPU step graph (policy/gpu-step.ts), which the
 * app takes for fp32 on WebGPU; plain 'model' on WebGPU measures sampler.ts's decoder beside it.
 */
export async function decodeSpeed(variant: string, device: Device, batches: number[], newTokens: number, trials: number, threads: number): Promise<DecodeRow[]> {
  const frame = await openFrame({ workers: 1 });
  const rows: DecodeRow[] = [];
  const step = /[+ ]step$/.test(variant); // a '+' in the page's query arrives as a space unless written %2B
  if (step) variant = variant.replace(/[+ ]step$/, '+step');
  const opts = { render: false, stepGraph: step };
  try {
    const info = await frame.sgp.policyLoad(variant.replace('+step', ''), device, undefined, device === 'wasm' ? threads : undefined);
    if (info.device !== device) throw new Error(`loaded on ${info.device}: ${info.notice ?? ''}`);
    for (const batch of batches) {
      const params = { n: batch, temperature: 1, seed: 1, maxNewTokens: newTokens, minNewTokens: newTokens, stop: [] };
      await frame.sgp.sample(PROMPT, { ...params, maxNewTokens: 8, minNewTokens: 8 }, opts); // warm-up: shaders, allocations
      const got: { tok_s: number; total: number; ttft: number }[] = [];
      for (let t = 0; t < trials; t++) {
        const r = await frame.sgp.sample(PROMPT, params, opts);
        got.push({ tok_s: r.tokPerS, total: (r.newTokens * 1000) / r.totalMs, ttft: r.firstTokenMs });
      }
      const best = got.reduce((a, b) => (b.tok_s > a.tok_s ? b : a));
      rows.push({ variant, device, ...(device === 'wasm' ? { threads } : {}), batch, new_tokens: newTokens, tok_s: round(best.tok_s), total_tok_s: round(best.total), first_token_ms: round(median(got.map((g) => g.ttft))), trials: got.map((g) => round(g.tok_s)) });
    }
  } catch (e) {
    rows.push({ variant, device, batch: 0, new_tokens: newTokens, tok_s: 0, total_tok_s: 0, first_token_ms: 0, trials: [], error: String((e as Error).message ?? e).slice(0, 300) });
  } finally {
    frame.close();
  }
  return rows;
}

export interface EncoderRow { model: string; variant: string; device: Device; batch: number; images_s: number; ms_per_call: number; first_call_ms: number; runs: number; error?: string }

/** Images/s of a vision encoder: a golden render repeated to the batch, best-of-median over `runs` calls. */
export async function encoderSpeed(sgp: Sgp, model: string, file: string, variant: 'fp32' | 'quantized', device: Device, batches: number[], runs: number): Promise<EncoderRow[]> {
  const rows: EncoderRow[] = [];
  const key = `speed-${model}-${variant}-${device}`;
  try {
    const golden = await json<{ inputs: { images: { svg: string }[] } }>(`models/${model}/goldens.json`);
    const pre = await json<PreprocessorConfig>(`models/${model}/preprocessor_config.json`);
    const one = await encoderInput(sgp, golden.inputs.images[0]!.svg, pre);
    await sgp.onnxLoad(key, `models/${model}/onnx/${file}${variant === 'quantized' ? '_quantized' : ''}.onnx`, device);
    for (const batch of batches) {
      const data = new Float32Array(one.data.length * batch);
      for (let b = 0; b < batch; b++) data.set(one.data as Float32Array, b * one.data.length);
      const feeds = { pixel_values: { type: 'float32', dims: [batch, ...one.dims.slice(1)], data } as PlainTensor };
      let t = performance.now();
      await sgp.onnxRun(key, feeds);
      const first = performance.now() - t;
      const ms: number[] = [];
      for (let r = 0; r < runs; r++) {
        t = performance.now();
        await sgp.onnxRun(key, feeds);
        ms.push(performance.now() - t);
      }
      const m = median(ms);
      rows.push({ model, variant, device, batch, images_s: round((batch * 1000) / m), ms_per_call: round(m, 2), first_call_ms: round(first), runs });
    }
  } catch (e) {
    rows.push({ model, variant, device, batch: 0, images_s: 0, ms_per_call: 0, first_call_ms: 0, runs: 0, error: String((e as Error).message ?? e).slice(0, 300) });
  } finally {
    await sgp.onnxRelease(key).catch(() => undefined);
  }
  return rows;
}

export interface TrainRow { graph: string; device: Device; first_ms: number; warm_ms: number[]; median_ms: number; error?: string }

/** The GRPO train step (and logprob.onnx) at the bundle's shapes (B × T from train_step.json), fed a fixed batch. */
export async function trainSpeed(sgp: Sgp, device: Device, runs: number): Promise<TrainRow[]> {
  const manifest = await json<{ batch: number; seq: number; logprob: { inputs: Record<string, unknown> }; train_step: { inputs: Record<string, [string, number[]]> } }>(`${P}train_step.json`);
  const lora = readSafetensors(new Uint8Array(await (await fetch(`${P}lora_init.safetensors`)).arrayBuffer()));
  const batch = await json<{ input_ids: number[][]; loss_mask_rows: [number, number][]; advantages: number[] }>(`${P}goldens/train_step.json`);
  const [B, T] = [manifest.batch, manifest.seq];
  const names = Object.keys(manifest.logprob.inputs).filter((n) => n !== 'input_ids');
  const ids: PlainTensor = { type: 'int64', dims: [B, T], data: batch.input_ids.flat() };
  const mask = new Float32Array(B * T);
  batch.loss_mask_rows.forEach(([s, e], b) => mask.fill(1, b * T + s, b * T + e));
  const zeros = (n: string) => ({ ...lora[n]!, data: new Float32Array(lora[n]!.data.length) });
  const hyper: Record<string, number> = { lr: 1e-4, clip_low: 0.2, clip_high: 0.28, kl_beta: 0.04, loss_denom: 0, max_grad_norm: 1, weight_decay: 0 };
  const feedsOf = (graph: string): Record<string, PlainTensor> => {
    const base = { ...Object.fromEntries(names.map((n) => [n, lora[n]!])), input_ids: ids };
    if (graph === 'logprob.onnx') return base;
    const inputs = manifest.train_step.inputs;
    return {
      ...base,
      ...Object.fromEntries(names.flatMap((n) => [[`adam_m.${n}`, zeros(n)], [`adam_v.${n}`, zeros(n)]])),
      ...Object.fromEntries(Object.keys(inputs).filter((k) => inputs[k]![1].length === 0 && k !== 'step').map((k) => [k, scalar(hyper[k] ?? 0)])),
      step: scalar(0), loss_mask: { type: 'float32', dims: [B, T], data: mask },
      advantages: { type: 'float32', dims: [B], data: batch.advantages },
      old_logp: { type: 'float32', dims: [B, T], data: new Float32Array(B * T) }, ref_logp: { type: 'float32', dims: [B, T], data: new Float32Array(B * T) },
    };
  };
  const rows: TrainRow[] = [];
  for (const graph of ['logprob.onnx', 'train_step.onnx']) {
    const key = `speed-${graph}-${device}`;
    try {
      await sgp.onnxLoad(key, `${P}onnx/${graph}`, device, external);
      const feeds = feedsOf(graph);
      let t = performance.now();
      await sgp.onnxRun(key, feeds, 600_000);
      const first = performance.now() - t;
      const warm: number[] = [];
      for (let r = 0; r < runs; r++) {
        t = performance.now();
        await sgp.onnxRun(key, feeds, 600_000);
        warm.push(round(performance.now() - t));
      }
      rows.push({ graph, device, first_ms: round(first), warm_ms: warm, median_ms: median(warm) });
    } catch (e) {
      rows.push({ graph, device, first_ms: 0, warm_ms: [], median_ms: 0, error: String((e as Error).message ?? e).slice(0, 300) });
    } finally {
      await sgp.onnxRelease(key).catch(() => undefined);
    }
  }
  return rows;
}

export interface LearnerRow { capture: boolean; device: Device; captured: boolean; rows: number; tokens: number; slots: number; seq: number; first_ms: number; warm_ms: number[]; median_ms: number; first_step?: { loss: number; grad_norm: number; entropy: number }; error?: string }

/**
 * The learner's step as the app runs it (rl/trainer.ts, the golden batch of 8 rows cut to their real
 * lengths and packed): on WebGPU with graph capture (captured-step.ts) and without it (the packed graph
 * through ORT's run), and on WASM.
 */
export async function learnerSpeed(sgp: Sgp, runs: number): Promise<LearnerRow[]> {
  const batch = await json<{ input_ids: number[][]; loss_mask_rows: [number, number][]; advantages: number[] }>(`${P}goldens/train_step.json`);
  const group = {
    ids: batch.input_ids.map((r, b) => r.slice(0, batch.loss_mask_rows[b]![1])),
    promptLen: batch.loss_mask_rows.map(([s]) => s),
    advantages: batch.advantages,
  };
  const rows: LearnerRow[] = [];
  for (const [device, capture] of [['webgpu', true], ['webgpu', false], ['wasm', false]] as const) {
    try {
      const info = await sgp.trainerInit({ device, sampler: 'wasm', capture });
      const first = await sgp.trainerStep(group, { lr: 1e-4 });
      const warm: number[] = [];
      let last = first;
      for (let r = 0; r < runs; r++) warm.push(round((last = await sgp.trainerStep(group, { lr: 1e-4 })).ms));
      // the first step from lora_init is the same for every engine: its statistics show they agree
      const first_step = { loss: first.loss, grad_norm: first.grad_norm, entropy: first.entropy };
      rows.push({ capture, device: info.device, captured: info.captured, rows: group.ids.length, tokens: last.tokens, slots: last.slots, seq: last.seq, first_ms: round(first.ms), warm_ms: warm, median_ms: median(warm), first_step });
    } catch (e) {
      rows.push({ capture, device, captured: false, rows: 0, tokens: 0, slots: 0, seq: 0, first_ms: 0, warm_ms: [], median_ms: 0, error: String((e as Error).message ?? e).slice(0, 300) });
    }
  }
  return rows;
}

export interface RlRow { backend: Device; sampler: Device; step: number; ms: Record<string, number>; valid_rate: number | null; length: number | null; error?: string }

/**
 * GRPO iterations of one prompt × 8 samples through the Train page's runner (headless-rl.ts): sample
 * (the learner's LoRA sampler, on `sampler`), render, score (verifiable preset), train; ms split per step. The first
 * step pays for loading and shader compiles, so `steps` ≥ 2 shows the warm figure.
 */
export async function rlSpeed(backend: Device, steps: number, sampler: Device = backend): Promise<RlRow[]> {
  const frame = await openFrame({ workers: 2 });
  const rows: RlRow[] = [];
  try {
    await frame.sgp.rlInit({ split: 'compositional', seed: 1, preset: 'verifiable', backend, sampler, config: { promptsPerStep: 1, group: 8 }, heldout: 1 });
    for (let s = 0; s < steps; s++) {
      const r = await frame.sgp.rlStep();
      rows.push({ backend, sampler, step: r.step, ms: r.ms, valid_rate: r.valid_rate, length: r.length });
    }
  } catch (e) {
    rows.push({ backend, sampler, step: 0, ms: {}, valid_rate: null, length: null, error: String((e as Error).message ?? e).slice(0, 300) });
  } finally {
    frame.close();
  }
  return rows;
}
