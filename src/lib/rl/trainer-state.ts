// The learner's state as plain data — LoRA, AdamW moments, step — and the checks a checkpoint or an
// imported adapter passes before it becomes the trainer's (trainer.ts).
import type { DeviceTensor, PlainTensor } from '../models/backend';

type Tensor = PlainTensor | DeviceTensor;

/** LoRA (graph layout: A (in, r), B (r, out)), AdamW moments and the step count, as plain data. */
export interface TrainerState {
  step: number;
  lora: Record<string, PlainTensor>;
  m: Record<string, PlainTensor>;
  v: Record<string, PlainTensor>;
}

export function freshState(lora: Record<string, PlainTensor>): TrainerState {
  const zero = () => Object.fromEntries(Object.entries(lora).map(([n, t]) => [n, zeros(t.dims)]));
  return { step: 0, lora, m: zero(), v: zero() };
}

export function checkLora(lora: Record<string, PlainTensor>, shapes: Record<string, number[]>): Record<string, PlainTensor> {
  for (const [n, dims] of Object.entries(shapes)) {
    const t = lora[n] ?? missingLora(n);
    if (t.dims.join() !== dims.join()) throw new Error(`LoRA tensor ${n} has shape [${t.dims.join(', ')}]; this policy needs [${dims.join(', ')}] (A (in, r), B (r, out))`);
  }
  return Object.fromEntries(Object.keys(shapes).map((n) => [n, lora[n]!]));
}

export function checkState(state: TrainerState, shapes: Record<string, number[]>): TrainerState {
  if (!(Number.isInteger(state.step) && state.step >= 0)) throw new Error(`checkpoint step ${state.step} must be a non-negative integer`);
  return { step: state.step, lora: checkLora(state.lora, shapes), m: checkLora(state.m, shapes), v: checkLora(state.v, shapes) };
}

export const zeros = (dims: number[]): PlainTensor => ({ type: 'float32', dims, data: new Float32Array(dims.reduce((a, b) => a * b, 1)) });
export const prefixed = (p: string, rec: Record<string, Tensor>) => Object.fromEntries(Object.entries(rec).map(([n, t]) => [p + n, t]));

export async function plainRecord(rec: Record<string, Tensor>): Promise<Record<string, PlainTensor>> {
  return Object.fromEntries(await Promise.all(Object.entries(rec).map(async ([n, t]) => [n, await toPlain(t)] as const)));
}

async function toPlain(t: Tensor): Promise<PlainTensor> {
  if (!('getData' in t)) return { type: 'float32', dims: [...t.dims], data: Float32Array.from(t.data as ArrayLike<number>) };
  return { type: 'float32', dims: [...t.dims], data: Float32Array.from((await t.getData()) as Float32Array) };
}

export function missingLora(name: string): never {
  throw new Error(`LoRA tensor ${name} is missing; the policy's LoRA has rank-r A/B pairs for each target (train_step.json sampler.lora_inputs)`);
}
