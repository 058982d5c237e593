// Encoder speed through the app's reward path in headless Chromium: images/s of each bundled encoder
// (default int8 variant, WASM, the ml worker's threads) at batch 1 and 8, text embeddings/s, and "score a group of
// 8" end to end (render + terms in the svg pool, encode in the ml worker). Native onnxruntime CPU runs
// the same graphs in the same run (training/encoders/bench_anchor.py, as many threads) for the ratio.
// BENCH_ENCODER_WEBGPU=1 adds WebGPU rows; on SwiftShader (CPU-emulated) they are labelled so.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Session } from './browser';
import { openHeadless } from './browser';
import type { HeadlessApi } from '../../src/headless';
import { buildMiniBench } from '../../src/lib/world';

type Win = { sgp: HeadlessApi };
export type EncoderSummary = Record<string, number | string | null>;

// What WASM loads by default (registry.chooseVariant); BENCH_ENCODER_VARIANT=model times fp32.
const VARIANT = process.env.BENCH_ENCODER_VARIANT ?? 'model_quantized';
const GRAPHS = [['siglip', 'sgp-tiny-siglip', 'vision_model'], ['dino', 'sgp-tiny-dino', 'model']] as const;

export async function benchEncoders(session: Session, opts: { trials: number; reps: number }, emit: (obj: unknown) => void): Promise<EncoderSummary> {
  const items = buildMiniBench({ object: 8, scene: 8, compositional: 16, heldout: 8 }).items;
  const svgs = items.map((it) => it.svg!);
  const devices = process.env.BENCH_ENCODER_WEBGPU === '1' ? ['wasm', 'webgpu'] as const : ['wasm'] as const;
  const out: EncoderSummary = { encoder_variant: VARIANT };
  const page = await openHeadless(session, { workers: 2 });
  // The ml worker's WASM threads (workers/ml.worker.ts configureOrt); the native peer gets as many.
  const threads = await page.evaluate(() => Math.min(4, navigator.hardwareConcurrency || 1));
  out.encoder_threads = threads;
  try {
    for (const device of devices) {
      const label = device === 'webgpu' ? (await page.evaluate(() => (window as unknown as Win).sgp.gpuAdapter())).info?.toLowerCase().includes('swiftshader') ? 'webgpu_swiftshader' : 'webgpu' : 'wasm';
      await page.evaluate(([d, v]) => (window as unknown as Win).sgp.encodersLoad({ device: d, variant: v }), [device, VARIANT] as const);
      for (const [role, id] of GRAPHS) {
        for (const batch of [1, 8]) {
          let best = 0;
          for (let trial = 1; trial <= opts.trials; trial++) {
            // SwiftShader takes ~15 s an image here: one pass on WebGPU.
            const reps = device === 'wasm' ? Math.ceil(opts.reps / batch) * 2 : 1;
            const r = await page.evaluate(([ro, s, b, n]) => (window as unknown as Win).sgp.encoderBench(ro, s, b, n), [role, svgs, batch, reps] as const);
            const perS = r.images / (r.ms / 1000);
            emit({ bench: `encoder_${role}_${label}_b${batch}`, trial, id, images: r.images, ms: Math.round(r.ms), images_per_s: +perS.toFixed(1) });
            best = Math.max(best, perS);
          }
          out[`${role}_images_per_s_${label}_b${batch}`] = +best.toFixed(1);
        }
      }
      // Text: distinct captions each time, so the worker's per-prompt cache never answers.
      let bestText = 0;
      for (let trial = 1; trial <= opts.trials; trial++) {
        const texts = items.map((it, i) => `${it.prompt} ${trial}-${i}`);
        const t0 = Date.now();
        for (const t of texts) await page.evaluate((x) => (window as unknown as Win).sgp.encoderEmbedTexts([x]), t);
        const perS = texts.length / ((Date.now() - t0) / 1000);
        emit({ bench: `encoder_siglip_text_${label}_b1`, trial, texts: texts.length, text_per_s: +perS.toFixed(1) });
        bestText = Math.max(bestText, perS);
      }
      out[`siglip_texts_per_s_${label}`] = +bestText.toFixed(1);
      // A group of 8 as RL scores it: a MiniBench item (verifier + DINO reference) and 8 programs.
      let bestGroup = Infinity;
      for (let trial = 1; trial <= opts.trials; trial++) {
        const it = items[trial % items.length]!;
        const programs = Array.from({ length: 8 }, (_, k) => svgs[(trial * 8 + k) % svgs.length]!);
        const r = await page.evaluate(([item, p]) => (window as unknown as Win).sgp.scoreGroup({ item, programs: p, preset: 'sgp-rl' }), [it.id, programs] as const);
        emit({ bench: `score_group8_${label}`, trial, item: it.id, ms: Math.round(r.ms.total), render_ms: Math.round(r.ms.render), encode_ms: Math.round(r.ms.encode) });
        bestGroup = Math.min(bestGroup, r.ms.total);
      }
      out[`score_group8_ms_${label}`] = Math.round(bestGroup);
    }
  } finally {
    await page.close();
  }
  const anchor = nativeAnchor(opts.trials, threads);
  {
    emit({ bench: 'encoder_native_ort_cpu', ...anchor });
    for (const [role, , graph] of GRAPHS) {
      for (const batch of [1, 8]) {
        const native = anchor[`${graph === 'model' ? 'dino' : 'siglip'}_b${batch}`];
        out[`${role}_native_ort_cpu_images_per_s_b${batch}`] = native ?? null;
        const ours = out[`${role}_images_per_s_wasm_b${batch}`];
        out[`${role}_wasm_vs_native_b${batch}`] = native && typeof ours === 'number' ? +(ours / native).toFixed(3) : null;
      }
    }
    out.siglip_text_native_ort_cpu_per_s = anchor.text_b1 ?? null;
  }
  return out;
}

/** Native onnxruntime CPU on the same ONNX files and variant, with the browser's thread count. */
function nativeAnchor(trials: number, threads: number): Record<string, number> {
  const python = existsSync('training/.venv/bin/python') ? 'training/.venv/bin/python' : 'python3';
  const r = spawnSync(python, ['training/encoders/bench_anchor.py', '--variant', VARIANT, '--threads', String(threads), '--trials', String(trials)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`training/encoders/bench_anchor.py failed (exit ${r.status}): ${(r.stderr || r.stdout).slice(-500)}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, number>;
}
