// The learner's LoRA as a PEFT adapter folder (adapter_config.json + adapter_model.safetensors), the
// layout `PeftModel.from_pretrained(base, dir)` loads, and back. Our graphs hold A as (in, r) and B as
// (r, out) so they feed MatMul directly; PEFT stores nn.Linear weights, A (r, in) and B (out, r), under
// `base_model.model.<module>.lora_A.weight`: export transposes, import checks and transposes back.
import type { PlainTensor } from '../models/backend';
import { readSafetensors, writeSafetensors } from '../models/safetensors';

export interface PeftAdapterFiles {
  'adapter_config.json': string;
  'adapter_model.safetensors': Uint8Array;
}

export interface LoraSpec {
  rank: number;
  alpha: number;
  /** Module paths under a layer, e.g. 'self_attn.q_proj'. */
  targets: string[];
  /** Our tensor names → graph-layout shapes. */
  shapes: Record<string, number[]>;
  baseModel?: string;
}

const PREFIX = 'base_model.model.';
const peftName = (name: string): string => `${PREFIX}${name}.weight`; // model.layers.0.self_attn.q_proj.lora_A

export function toPeftAdapter(lora: Record<string, PlainTensor>, spec: LoraSpec): PeftAdapterFiles {
  const tensors: Record<string, PlainTensor> = {};
  for (const [name, dims] of Object.entries(spec.shapes)) {
    const t = lora[name];
    if (!t) throw new Error(`LoRA tensor ${name} is missing; cannot export an adapter without it`);
    tensors[peftName(name)] = transpose(t, dims);
  }
  const config = {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    base_model_name_or_path: spec.baseModel ?? null,
    r: spec.rank,
    lora_alpha: spec.alpha,
    lora_dropout: 0,
    // PEFT matches target_modules by the module's last name
    target_modules: [...new Set(spec.targets.map((t) => t.split('.').pop()!))].sort(),
    bias: 'none',
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    use_rslora: false,
    use_dora: false,
    modules_to_save: null,
    rank_pattern: {},
    alpha_pattern: {},
  };
  return {
    'adapter_config.json': JSON.stringify(config, null, 2),
    'adapter_model.safetensors': writeSafetensors(tensors, { format: 'pt' }),
  };
}

/** Reads a PEFT adapter for this policy; refuses one of another rank, scale or set of modules. */
export function fromPeftAdapter(files: PeftAdapterFiles, spec: LoraSpec): Record<string, PlainTensor> {
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(files['adapter_config.json']) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`adapter_config.json is not JSON (${(err as Error).message.slice(0, 100)})`);
  }
  if (config.peft_type !== 'LORA') throw new Error(`adapter peft_type is ${JSON.stringify(String(config.peft_type).slice(0, 40))}; only LORA adapters can be imported`);
  const r = Number(config.r);
  const alpha = Number(config.lora_alpha);
  // The graphs bake the scale alpha/r; another r with the same scale would still need other shapes.
  if (r !== spec.rank || alpha / r !== spec.alpha / spec.rank) {
    throw new Error(`adapter has r = ${r}, lora_alpha = ${alpha}; this policy's graphs take r = ${spec.rank}, lora_alpha = ${spec.alpha}`);
  }
  if (config.use_dora === true || config.use_rslora === true) throw new Error('DoRA and rsLoRA adapters are not supported; export a plain LoRA adapter');
  const tensors = readSafetensors(files['adapter_model.safetensors']);
  const out: Record<string, PlainTensor> = {};
  for (const [name, dims] of Object.entries(spec.shapes)) {
    const t = tensors[peftName(name)] ?? tensors[`${PREFIX}${name.replace(/lora_([AB])$/, 'lora_$1.default')}.weight`];
    if (!t) throw new Error(`adapter lacks ${peftName(name)}; this policy's LoRA covers ${spec.targets.join(', ')} in every layer`);
    const want = [dims[1]!, dims[0]!];
    if (t.dims.join() !== want.join()) throw new Error(`adapter tensor ${peftName(name)} has shape [${t.dims.join(', ')}]; expected [${want.join(', ')}]`);
    out[name] = transpose(t, want);
  }
  const extra = Object.keys(tensors).filter((n) => !Object.keys(spec.shapes).some((s) => n.startsWith(`${PREFIX}${s}`)));
  if (extra.length) throw new Error(`adapter has tensors this policy cannot take, e.g. ${extra[0]!.slice(0, 100)} (${extra.length} in all)`);
  return out;
}

/** A 2-D tensor of shape `dims`, transposed. */
function transpose(t: PlainTensor, dims: number[]): PlainTensor {
  const [rows, cols] = dims as [number, number];
  const src = t.data as ArrayLike<number>;
  if (src.length !== rows * cols) throw new Error(`tensor of ${src.length} values does not have shape [${rows}, ${cols}]`);
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = src[i * cols + j]!;
  return { type: 'float32', dims: [cols, rows], data: out };
}
