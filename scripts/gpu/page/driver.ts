// gpu.html's script: adapter → golden checks → decode / encoder / train-step speed, each section
// posted to the server as it finishes (a crash keeps what came before). Query parameters:
// device (webgpu), sections (adapter,checks,decode,encoders,train,rl), small=1 (SwiftShader: fewer
// rows and images), tokens (new tokens per decode, 128), runs (timed calls, 10), threads (WASM, 8),
// decode (device:variant[:threads],… the decode configurations).
import type { Device } from '../../../src/lib/models/backend';
import { goldenChecks } from './checks';
import { decodeSpeed, encoderSpeed, learnerSpeed, rlSpeed, trainSpeed, PROMPT, type DecodeRow, type EncoderRow } from './speed';
import { openFrame, post } from './frame';

const q = new URLSearchParams(location.search);
const device = (q.get('device') ?? 'webgpu') as Device;
const sections = (q.get('sections') ?? 'adapter,checks,decode,encoders,train,rl').split(',');
const small = q.get('small') === '1';
const newTokens = Number(q.get('tokens') ?? 128);
const runs = Number(q.get('runs') ?? 10);
const threads = Number(q.get('threads') ?? Math.min(8, navigator.hardwareConcurrency || 2));
const log = (s: string) => void (document.getElementById('log')!.textContent += `${s}\n`);

const result: Record<string, unknown> = { stage: 'running', date: new Date().toISOString(), user_agent: navigator.userAgent, device, params: { small, new_tokens: newTokens, runs, threads, prompt: PROMPT }, cross_origin_isolated: crossOriginIsolated, hardware_concurrency: navigator.hardwareConcurrency };
const progress = async (section: string) => {
  log(`${section} done`);
  await post(result);
};

async function adapterInfo() {
  const a = await navigator.gpu?.requestAdapter({ powerPreference: 'high-performance' });
  if (!a) return { ok: false, reason: navigator.gpu ? 'requestAdapter() returned null' : 'navigator.gpu is absent' };
  const { vendor, architecture, device: dev, description } = a.info;
  const limits = Object.fromEntries(['maxBufferSize', 'maxStorageBufferBindingSize', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX', 'maxStorageBuffersPerShaderStage'].map((k) => [k, (a.limits as unknown as Record<string, number>)[k]]));
  return { ok: true, vendor, architecture, device: dev, description, features: [...a.features].sort(), limits };
}

try {
  const frame = await openFrame({ workers: 2 });
  const sgp = frame.sgp;
  if (sections.includes('adapter')) {
    result.adapter = await adapterInfo();
    result.ml_device = await sgp.mlDevice();
    await progress('adapter');
  }
  if (sections.includes('checks')) {
    const checks: unknown[] = (result.checks = []);
    await goldenChecks(sgp, device, small, async (c) => {
      checks.push(c);
      log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.graph} (${c.ms} ms)`);
      await post(result);
    });
    await progress('checks');
  }
  if (sections.includes('encoders')) {
    const rows: EncoderRow[] = (result.encoders = []);
    for (const dev of [device, 'wasm'] as const) {
      for (const [model, file] of [['sgp-tiny-siglip', 'vision_model'], ['sgp-tiny-dino', 'model']] as const) {
        for (const variant of ['fp32', 'quantized'] as const) rows.push(...(await encoderSpeed(sgp, model, file, variant, dev, [1, 8], small ? 2 : runs)));
      }
      if (dev === 'wasm') break;
    }
    await progress('encoders');
  }
  if (sections.includes('train')) {
    result.train = [...(await trainSpeed(sgp, device, small ? 1 : 4)), ...(device === 'wasm' || small ? [] : await trainSpeed(sgp, 'wasm', 2))];
    result.learner = await learnerSpeed(sgp, small ? 1 : 5);
    await progress('train');
  }
  frame.close();
  if (sections.includes('decode')) {
    const rows: DecodeRow[] = (result.decode = []);
    // device:variant[:threads], e.g. decode=webgpu:model,wasm:model:4 (default: both variants on both devices)
    // device:variant[:threads]; model+step = the fp32 policy through the WebGPU step graph
    const configs = (q.get('decode') ?? [...new Set([device, 'wasm'])].flatMap((d) => [`${d}:model_quantized`, `${d}:model`, ...(d === 'webgpu' ? [`${d}:model+step`] : [])]).join(',')).split(',');
    for (const c of configs) {
      const [dev, variant, t] = c.split(':') as [Device, string, string | undefined];
      rows.push(...(await decodeSpeed(variant, dev, [1, 8], small ? 16 : newTokens, small ? 1 : 2, Number(t ?? threads))));
      await post(result);
    }
    await progress('decode');
  }
  if (sections.includes('rl')) {
    // a WebGPU learner samples on WASM ('auto', stage-device.ts samplerDevice); the all-GPU and all-WASM runs beside it
    result.rl = [...(await rlSpeed(device, small ? 1 : 4, 'wasm')), ...(device === 'wasm' || small ? [] : [...(await rlSpeed(device, 2)), ...(await rlSpeed('wasm', 2))])];
    await progress('rl');
  }
} catch (e) {
  result.error = String((e as Error).stack ?? e).slice(0, 1000);
  log(`error: ${String(e)}`);
}
result.stage = 'done';
await post(result);
