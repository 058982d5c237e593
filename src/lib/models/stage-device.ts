// What 'auto' means for each kind of model, from the real-GPU runs (bench/gpu/, README "Real GPU").
// On an NVIDIA H200 the bundled 5 M-parameter policy decodes fastest on WebGPU through the step graph
// (policy/gpu-step.ts: static shapes, cache in place, sampling on the GPU): 1,350 tok/s at batch 8
// against 614 on WASM with 8 threads (150 vs 224 at batch 1, where WASM still wins; the app samples
// groups of 8). The encoders (fp32: 5–10× WASM) and the train step (5× WASM) run on WebGPU too, as do
// hub policies (10–100× larger: arithmetic dominates). On a CPU-emulated adapter (SwiftShader) WebGPU
// is correct but far slower than WASM: scoring a group of 8 with the bundled SigLIP and DINO took
// 106–144 s there against 1.3–2.3 s on WASM (2 cores, headless Chromium, 2026-11-30). So there the
// encoders run on WASM, and the bundled policy decodes on WASM when WASM's threads can start
// (cross-origin isolation); without isolation (one thread) it stays on WebGPU as before.
import type { Device } from './backend';
import type { ModelEntry } from './registry';

export function autoDevice(entry: Pick<ModelEntry, 'task' | 'source'>, detected: Device, crossOriginIsolated: boolean, emulated = false): Device {
  if (detected !== 'webgpu' || !emulated) return detected;
  if (entry.task !== 'policy') return 'wasm';
  return entry.source === 'bundled' && crossOriginIsolated ? 'wasm' : detected;
}

/**
 * Where the learner's LoRA sampler decodes when the train step runs on `step`. Measured on the lent H200
 * (README, Real GPU): on WebGPU the LoRA sampler (236 nodes a token, bound by dispatch) took 1.0–3.1 s for a
 * group that WASM with 8 threads drew in 0.2–0.27 s, while the train step ran 5× faster on WebGPU than on
 * WASM. So a WebGPU learner samples on WASM wherever WASM has threads (cross-origin isolation).
 */
export function samplerDevice(step: Device, crossOriginIsolated: boolean): Device {
  return step === 'webgpu' && crossOriginIsolated ? 'wasm' : step;
}

/**
 * Where 'auto' puts the learner's train step. On a real GPU, WebGPU (the captured step: 35 ms against 849 ms
 * on WASM with 8 threads on the H200). On a CPU-emulated adapter every WebGPU dispatch is emulated: a step
 * there took minutes (recording the captured shapes alone) where WASM takes about a second, so WASM.
 */
export function learnerDevice(detected: Device, emulated: boolean): Device {
  return detected === 'webgpu' && emulated ? 'wasm' : detected;
}
