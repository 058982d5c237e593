// What 'auto' means for each kind of model, from the real-GPU runs (bench/gpu/, README "Real GPU").
// On an NVIDIA H200 the bundled 5 M-parameter policy decodes fastest on WebGPU through the step graph
// (policy/gpu-step.ts: static shapes, cache in place, sampling on the GPU): 1,350 tok/s at batch 8
// against 614 on WASM with 8 threads (150 vs 224 at batch 1, where WASM still wins; the app samples
// groups of 8). The encoders (fp32: 5–10× WASM) and the train step (5× WASM) run on WebGPU too, as do
// hub policies (10–100× larger: arithmetic dominates). On a CPU-emulated adapter (SwiftShader) WebGPU
// is correct but far slower than WASM, so there the bundled policy decodes on WASM when WASM's threads
// can start (cross-origin isolation); without isolation (one thread) it stays on WebGPU as before.
import type { Device } from './backend';
import type { ModelEntry } from './registry';

export function autoDevice(entry: Pick<ModelEntry, 'task' | 'source'>, detected: Device, crossOriginIsolated: boolean, emulated = false): Device {
  if (entry.task === 'policy' && entry.source === 'bundled' && crossOriginIsolated && emulated) return 'wasm';
  return detected;
}
