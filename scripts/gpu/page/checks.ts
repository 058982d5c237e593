// Every bundled graph against its goldens on one device (the NVIDIA adapter on the GPU machine):
// the policy decoders (fp32, the int8 default, LoRA-as-inputs), the app's greedy sampler, log-prob,
// the GRPO train step and both encoders. The same goldens and tolerances as tests/browser/*.test.ts;
// the int8 decoder is compared with native onnxruntime's int8 logits, which pack.sh writes
// (gpu-goldens.json), because no golden of the int8 graph is committed.
import type { Device, PlainTensor } from '../../../src/lib/models/backend';
import { cosine, inputSize, pixelValues, type PreprocessorConfig } from '../../../src/lib/reward/encoders';
import { TextTokenizer } from '../../../src/lib/models/tokenizer';
import { readSafetensors } from '../../../src/lib/models/safetensors';
import { argmax, int64, json, maxAbs, scalar, type Sgp } from './frame';

export interface Check { graph: string; device: Device; ok: boolean; ms: number; [metric: string]: unknown }

const P = 'models/sgp-tiny-policy/';
const external = [{ path: 'policy_weights.onnx_data', url: `${P}onnx/policy_weights.onnx_data` }];
type Logits = { prefill: { input_ids: number[][]; attention_mask: number[][]; position_ids: number[][]; last_logits: number[][] }; step: { input_ids: number[][]; position_ids: number[][]; logits: number[][] } };

/** Last-position logits of each row of a [B, T, V] output. */
function lastRows(t: PlainTensor): number[][] {
  const [b, T, V] = t.dims as [number, number, number];
  return Array.from({ length: b }, (_, i) => Array.from(t.data.slice((i * T + T - 1) * V, (i * T + T) * V) as ArrayLike<number>));
}

function compareRows(got: number[][], want: number[][]) {
  const agree = want.filter((row, i) => argmax(row) === argmax(got[i]!)).length / want.length;
  return { max_abs: Math.max(...want.map((row, i) => maxAbs(got[i]!, row))), argmax_agree: agree, min_cosine: Math.min(...want.map((row, i) => cosine(got[i]!, row))) };
}

/** Prefill then one step fed its own KV cache (as tests/browser/policy.test.ts). */
async function decoderCheck(sgp: Sgp, device: Device, file: string, extra: Record<string, PlainTensor>, want: { prefill: number[][]; step: number[][] }, tol: { abs: number; argmaxAgree?: number; cosine?: number }) {
  const g = await json<Logits>(`${P}goldens/logits.json`);
  const cfg = await json<{ num_hidden_layers: number; num_key_value_heads: number; head_dim: number }>(`${P}config.json`);
  const B = g.prefill.input_ids.length;
  const key = `check-${file}-${device}`;
  const info = await sgp.onnxLoad(key, `${P}onnx/${file}`, device, external);
  // a graph that keeps its cache outside (fused.py cache="new") is fed one masked slot, not an empty cache, as
  // the app does (policy/cache-decoder.ts: WebGPU cannot bind a zero-size buffer)
  const slots = info.outputNames.some((n) => n.startsWith('new.')) ? 1 : 0;
  const past: Record<string, PlainTensor> = {};
  for (let l = 0; l < cfg.num_hidden_layers; l++) for (const kv of ['key', 'value']) past[`past_key_values.${l}.${kv}`] = { type: 'float32', dims: [B, cfg.num_key_value_heads, slots, cfg.head_dim], data: new Float32Array(B * cfg.num_key_value_heads * slots * cfg.head_dim) };
  const firstMask = g.prefill.attention_mask.map((row) => [...Array<number>(slots).fill(0), ...row]);
  const first = await sgp.onnxRun(key, { input_ids: int64(g.prefill.input_ids), attention_mask: int64(firstMask), position_ids: int64(g.prefill.position_ids), ...past, ...extra });
  const next: Record<string, PlainTensor> = {};
  for (const [n, t] of Object.entries(first)) if (n.startsWith('present.')) next[n.replace('present.', 'past_key_values.')] = t;
  // a graph that keeps its cache outside (fused.py cache="new") returns only new.L.* [B, S, H·hd]: its past is them, as [B, H, S, hd]
  for (const [n, t] of Object.entries(first)) if (n.startsWith('new.')) next[n.replace('new.', 'past_key_values.')] = headsFirst(t, cfg.num_key_value_heads, cfg.head_dim);
  const mask = g.prefill.attention_mask.map((row) => [...row, 1]);
  const second = await sgp.onnxRun(key, { input_ids: int64(g.step.input_ids), attention_mask: int64(mask), position_ids: int64(g.step.position_ids), ...next, ...extra });
  await sgp.onnxRelease(key);
  const pre = compareRows(lastRows(first.logits!), want.prefill);
  const step = compareRows(lastRows(second.logits!), want.step);
  const ok = [pre, step].every((r) => r.max_abs <= tol.abs && r.argmax_agree >= (tol.argmaxAgree ?? 0) && r.min_cosine >= (tol.cosine ?? -1));
  return { ok, tol, prefill: pre, step };
}

/** [B, S, H·hd] → [B, H, S, hd]. */
function headsFirst(t: PlainTensor, H: number, hd: number): PlainTensor {
  const [B, S] = t.dims as [number, number];
  const src = t.data as ArrayLike<number>;
  const out = new Float32Array(B * S * H * hd);
  for (let b = 0; b < B; b++) for (let s = 0; s < S; s++) for (let h = 0; h < H; h++) for (let d = 0; d < hd; d++) out[((b * H + h) * S + s) * hd + d] = src[((b * S + s) * H + h) * hd + d]!;
  return { type: 'float32', dims: [B, H, S, hd], data: out };
}

async function timed(graph: string, device: Device, fn: () => Promise<Record<string, unknown> & { ok: boolean }>): Promise<Check> {
  const t0 = performance.now();
  try {
    return { graph, device, ...(await fn()), ms: Math.round(performance.now() - t0) };
  } catch (e) {
    return { graph, device, ok: false, ms: Math.round(performance.now() - t0), error: String((e as Error).message ?? e).slice(0, 400) };
  }
}

export async function goldenChecks(sgp: Sgp, device: Device, small: boolean, report: (c: Check) => Promise<void>): Promise<Check[]> {
  const out: Check[] = [];
  const add = async (c: Check) => void (out.push(c), await report(c));
  const g = await json<Logits & { tolerance: { fp32_abs: number } }>(`${P}goldens/logits.json`);
  const fp32 = { prefill: g.prefill.last_logits, step: g.step.logits };
  const manifest = await json<{ batch: number; seq: number; sampler: { lora_inputs: string[] }; logprob: { inputs: Record<string, [string, number[]]> }; train_step: { input_order: string[] } }>(`${P}train_step.json`);
  await add(await timed('policy model.onnx (fp32)', device, () => decoderCheck(sgp, device, 'model.onnx', {}, fp32, { abs: g.tolerance.fp32_abs })));
  await add(await timed('policy model_quantized.onnx (int8 default) vs native onnxruntime int8', device, async () => {
    const native = await json<{ quantized: { prefill: number[][]; step: number[][]; tol: { abs: number; argmax_agree: number; cosine: number } } }>('gpu/gpu-goldens.json');
    const t = native.quantized.tol;
    return decoderCheck(sgp, device, 'model_quantized.onnx', {}, native.quantized, { abs: t.abs, argmaxAgree: t.argmax_agree, cosine: t.cosine });
  }));
  const zeroLora = Object.fromEntries(manifest.sampler.lora_inputs.map((n) => {
    const dims = manifest.logprob.inputs[n]![1];
    return [n, { type: 'float32', dims, data: new Float32Array(dims.reduce((a, b) => a * b, 1)) } as PlainTensor];
  }));
  await add(await timed('policy model_lora.onnx (zero LoRA = fp32)', device, () => decoderCheck(sgp, device, 'model_lora.onnx', zeroLora, fp32, { abs: g.tolerance.fp32_abs })));
  await add(await timed('app sampler, greedy, fp32 (goldens/greedy.json)', device, () => greedyCheck(sgp, device, small)));
  await add(await timed('logprob.onnx + train_step.onnx (off-policy GRPO step)', device, () => trainCheck(sgp, device, manifest)));
  for (const [model, file] of [['sgp-tiny-siglip', 'vision_model'], ['sgp-tiny-dino', 'model']] as const) {
    for (const variant of ['fp32', 'quantized'] as const) {
      await add(await timed(`${model} ${file} (${variant})`, device, () => encoderCheck(sgp, device, model, file, variant, small)));
    }
  }
  await add(await timed('sgp-tiny-siglip text_model (fp32)', device, () => textCheck(sgp, device, small)));
  return out;
}

async function greedyCheck(sgp: Sgp, device: Device, small: boolean) {
  const greedy = await json<{ cases: { prompt: string; ids: number[]; text: string }[] }>(`${P}goldens/greedy.json`);
  const info = await sgp.policyLoad('model', device);
  if (info.device !== device) throw new Error(`the policy loaded on ${info.device}, not ${device}: ${info.notice ?? ''}`);
  const rows: { case: number; n: number; equal: number }[] = [];
  for (const [k, c] of greedy.cases.slice(0, small ? 1 : undefined).entries()) {
    const n = k === 0 && !small ? 8 : small ? 2 : 1;
    const r = await sgp.sample(c.prompt, { n, temperature: 0, maxNewTokens: c.ids.length + 5 }, { render: false });
    rows.push({ case: k, n, equal: r.samples.filter((s) => s.program === c.text && s.tokens.join() === c.ids.join()).length });
  }
  return { ok: rows.every((r) => r.equal === r.n), rows };
}

async function trainCheck(sgp: Sgp, device: Device, manifest: { batch: number; seq: number; logprob: { inputs: Record<string, unknown> }; train_step: { input_order: string[] } }) {
  type Summary = { sum: number; abs_sum: number };
  const batch = await json<{ input_ids: number[][]; loss_mask_rows: [number, number][]; advantages: number[]; 'old_logp = ref_logp': { row_sums: number[] } }>(`${P}goldens/train_step.json`);
  const golden = await json<{ offsets: Record<'old_logp' | 'ref_logp', { rows: number[][] }>; hyper: Record<string, number>; tolerance: { stats_rel: number; tensors_rel: number }; step: { updated: Record<string, Summary> } & Record<string, number> }>(`${P}goldens/train_step_offpolicy.json`);
  const lora = readSafetensors(new Uint8Array(await (await fetch(`${P}lora_init.safetensors`)).arrayBuffer()));
  const names = Object.keys(manifest.logprob.inputs).filter((n) => n !== 'input_ids');
  const [B, T] = [manifest.batch, manifest.seq];
  const ids: PlainTensor = { type: 'int64', dims: [B, T], data: batch.input_ids.flat() };
  const mask = new Float32Array(B * T);
  batch.loss_mask_rows.forEach(([s, e], b) => mask.fill(1, b * T + s, b * T + e));
  const loraFeeds = Object.fromEntries(names.map((n) => [n, lora[n]!]));
  await sgp.onnxLoad(`check-logprob-${device}`, `${P}onnx/logprob.onnx`, device, external);
  const lp = await sgp.onnxRun(`check-logprob-${device}`, { ...loraFeeds, input_ids: ids });
  await sgp.onnxRelease(`check-logprob-${device}`);
  const logp = Array.from(lp.logp!.data as ArrayLike<number>, (v, i) => v * mask[i]!);
  const rowSums = Array.from({ length: B }, (_, b) => logp.slice(b * T, (b + 1) * T).reduce((s, v) => s + v, 0));
  const want = batch['old_logp = ref_logp'].row_sums;
  const logprobRel = Math.max(...rowSums.map((s, b) => Math.abs(s - want[b]!) / Math.abs(want[b]!)));
  const off = (which: 'old_logp' | 'ref_logp') => {
    const o = new Float32Array(B * T);
    batch.loss_mask_rows.forEach(([s, e], b) => { for (let t = s; t < e; t++) o[b * T + t] = logp[b * T + t]! + golden.offsets[which].rows[b]![t - s]!; });
    return o;
  };
  const zeros = (n: string) => ({ ...lora[n]!, data: new Float32Array(lora[n]!.data.length) });
  const feeds: Record<string, PlainTensor> = {
    ...loraFeeds,
    ...Object.fromEntries(names.map((n) => [`adam_m.${n}`, zeros(n)])),
    ...Object.fromEntries(names.map((n) => [`adam_v.${n}`, zeros(n)])),
    ...Object.fromEntries(Object.entries(golden.hyper).map(([k, v]) => [k, scalar(v)])),
    step: scalar(0), input_ids: ids, loss_mask: { type: 'float32', dims: [B, T], data: mask },
    advantages: { type: 'float32', dims: [B], data: batch.advantages },
    old_logp: { type: 'float32', dims: [B, T], data: off('old_logp') }, ref_logp: { type: 'float32', dims: [B, T], data: off('ref_logp') },
  };
  const key = `check-train-${device}`;
  await sgp.onnxLoad(key, `${P}onnx/train_step.onnx`, device, external);
  const out = await sgp.onnxRun(key, feeds, 600_000);
  await sgp.onnxRelease(key);
  const stats: Record<string, { got: number; want: number; ok: boolean }> = {};
  for (const s of ['loss', 'kl', 'clip_frac', 'entropy', 'grad_norm']) {
    const got = Number(out[s]!.data[0]);
    stats[s] = { got, want: golden.step[s]!, ok: Math.abs(got - golden.step[s]!) <= golden.tolerance.stats_rel * Math.max(1e-3, Math.abs(golden.step[s]!)) };
  }
  let worstTensorRel = 0;
  for (const [name, s] of Object.entries(golden.step.updated)) {
    const data = Array.from(out[name]!.data as ArrayLike<number>);
    const absSum = data.reduce((a, v) => a + Math.abs(v), 0);
    const sum = data.reduce((a, v) => a + v, 0);
    const scale = Math.max(1e-6, s.abs_sum); // as relClose in tests/browser/train-step.test.ts
    worstTensorRel = Math.max(worstTensorRel, Math.abs(absSum - s.abs_sum) / scale, Math.abs(sum - s.sum) / scale);
  }
  const ok = logprobRel <= 1e-4 && Object.values(stats).every((s) => s.ok) && worstTensorRel <= golden.tolerance.tensors_rel;
  return { ok, logprob_row_sum_rel: logprobRel, stats, updated_tensors_worst_rel: worstTensorRel, tensors_rel_tol: golden.tolerance.tensors_rel };
}

type EncGolden = {
  inputs: { images: { name: string; svg: string }[]; texts?: string[]; input_ids?: number[][] };
  tolerance_abs: { fp32: number; quantized: number };
  fp32: { images: { pixel_sum: number; pooler_output: number[] }[]; texts?: { pooler_output: number[] }[] };
  quantized: { images: { pixel_sum: number; pooler_output: number[] }[] };
};

/** Renders a golden SVG with the app's pool and preprocesses it as the reward code does. */
export async function encoderInput(sgp: Sgp, svg: string, pre: PreprocessorConfig): Promise<PlainTensor> {
  const px = await sgp.renderPixels(svg, inputSize(pre));
  return pixelValues({ ...px, data: Uint8Array.from(px.data) }, pre);
}

async function encoderCheck(sgp: Sgp, device: Device, model: string, file: string, variant: 'fp32' | 'quantized', small: boolean) {
  const golden = await json<EncGolden>(`models/${model}/goldens.json`);
  const pre = await json<PreprocessorConfig>(`models/${model}/preprocessor_config.json`);
  const key = `check-${model}-${variant}-${device}`;
  await sgp.onnxLoad(key, `models/${model}/onnx/${file}${variant === 'quantized' ? '_quantized' : ''}.onnx`, device);
  let worstAbs = 0, minCos = 1;
  const images = golden.inputs.images.slice(0, small ? 2 : undefined);
  for (const [i, im] of images.entries()) {
    const out = await sgp.onnxRun(key, { pixel_values: await encoderInput(sgp, im.svg, pre) });
    const want = golden[variant].images[i]!.pooler_output;
    worstAbs = Math.max(worstAbs, maxAbs(out.pooler_output!.data, want));
    minCos = Math.min(minCos, cosine(out.pooler_output!.data, want));
  }
  await sgp.onnxRelease(key);
  // int8 kernels round differently in onnxruntime-web than in native onnxruntime: directions for int8
  const ok = variant === 'fp32' ? worstAbs <= golden.tolerance_abs.fp32 && minCos > 0.9999 : minCos > 0.99;
  return { ok, images: images.length, max_abs: worstAbs, min_cosine: minCos, tol: variant === 'fp32' ? { abs: golden.tolerance_abs.fp32, cosine: 0.9999 } : { cosine: 0.99 } };
}

async function textCheck(sgp: Sgp, device: Device, small: boolean) {
  const golden = await json<EncGolden>('models/sgp-tiny-siglip/goldens.json');
  const tok = new TextTokenizer(await json('models/sgp-tiny-siglip/tokenizer.json'), await json('models/sgp-tiny-siglip/tokenizer_config.json'));
  const key = `check-siglip-text-${device}`;
  await sgp.onnxLoad(key, 'models/sgp-tiny-siglip/onnx/text_model.onnx', device);
  let worst = 0;
  const texts = golden.inputs.texts!.slice(0, small ? 2 : undefined);
  for (const [i, text] of texts.entries()) {
    const ids = tok.encodePadded(text, 64);
    const out = await sgp.onnxRun(key, { input_ids: { type: 'int64', dims: [1, 64], data: ids } });
    worst = Math.max(worst, maxAbs(out.pooler_output!.data, golden.fp32.texts![i]!.pooler_output));
  }
  await sgp.onnxRelease(key);
  return { ok: worst <= golden.tolerance_abs.fp32, texts: texts.length, max_abs: worst, tol_abs: golden.tolerance_abs.fp32 };
}
