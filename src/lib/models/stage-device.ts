// What 'auto' means for each kind of model, from the real-GPU run (bench/gpu/, README "Real GPU"):
// on an NVIDIA H200 with 16 CPU cores, the bundled 5 M-parameter policy decodes faster on WASM than
// on WebGPU (batch 1: 261 vs 69 tok/s at the app's 4 threads; batch 8: 571 vs 551), with a shorter
// first token. A decode step of a model this small is bound by WebGPU's per-dispatch and readback
// cost (≈ 10 ms a step at any batch), not by arithmetic. The encoders (fp32: 5–10× WASM) and the
// train step (3× WASM) stay on WebGPU. Hub policies are 10–100× larger, so arithmetic dominates
// there and WebGPU keeps them. WASM's threads need cross-origin isolation: without it (one
// thread) the bundled policy goes to WebGPU as before.
import type { Device } from './backend';
import type { ModelEntry } from './registry';

export function autoDevice(entry: Pick<ModelEntry, 'task' | 'source'>, detected: Device, crossOriginIsolated: boolean): Device {
  if (entry.task === 'policy' && entry.source === 'bundled' && crossOriginIsolated) return 'wasm';
  return detected;
}
