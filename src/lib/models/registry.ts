// Which models the app can load and where their files live. Bundled models are served by this site
// from public/models/<id>/; any other `org/name` id is a Hugging Face Hub repository in
// transformers.js layout (config.json, tokenizer files, onnx/<graph><suffix>.onnx), resolved to
// <hub>/<id>/resolve/main/<file>. Menus are built from MODELS' keys. Pure data and functions: no fetch.

export type ModelTask = 'policy' | 'text-image-encoder' | 'image-encoder';
export type Dtype = 'fp32' | 'fp16' | 'q8' | 'q4' | 'q4f16';

/** A variant is one weight format of every graph: onnx/<graph><suffix>.onnx. */
export interface Variant {
  name: string;
  suffix: string;
  dtype: Dtype;
}

export interface ModelEntry {
  id: string;
  task: ModelTask;
  source: 'bundled' | 'hub';
  /** Files besides the graphs, fetched and cached with them (all JSON). */
  files: readonly string[];
  /** Those of `files` a repository may lack (the load goes on without them). */
  optional?: readonly string[];
  /** ONNX graphs, by base name: a text-image encoder has two. */
  graphs: readonly string[];
  variants: readonly Variant[];
  /** The variant for WASM and for WebGPU without a better choice. */
  defaultQuantized: string;
  /** External weight files per graph file, for bundled models (hub models declare theirs in config.json). */
  externalData?: Readonly<Record<string, readonly string[]>>;
}

/** transformers.js names its weight formats by file suffix; these are the ones the app offers. */
export const VARIANTS = {
  model: { name: 'model', suffix: '', dtype: 'fp32' },
  model_fp16: { name: 'model_fp16', suffix: '_fp16', dtype: 'fp16' },
  model_quantized: { name: 'model_quantized', suffix: '_quantized', dtype: 'q8' },
  model_q4: { name: 'model_q4', suffix: '_q4', dtype: 'q4' },
  model_q4f16: { name: 'model_q4f16', suffix: '_q4f16', dtype: 'q4f16' },
} as const satisfies Record<string, Variant>;

/** config.json `model_type`s the sampler runs (decoder-only, Llama-style attention and KV cache). */
export const SUPPORTED_DECODERS = ['llama', 'qwen2'] as const;

const TOKENIZER = ['tokenizer.json', 'tokenizer_config.json'];
const { model, model_fp16, model_quantized, model_q4, model_q4f16 } = VARIANTS;

function entry(e: Omit<ModelEntry, 'defaultQuantized'> & { defaultQuantized?: string }): ModelEntry {
  return Object.freeze({ defaultQuantized: 'model_quantized', ...e, files: Object.freeze([...e.files]), graphs: Object.freeze([...e.graphs]), variants: Object.freeze([...e.variants]) });
}

/** A hub decoder not listed below: every transformers.js variant, checked against config.json on load. */
function hubPolicy(id: string): ModelEntry {
  return entry({ id, task: 'policy', source: 'hub', files: ['config.json', 'generation_config.json', ...TOKENIZER], optional: ['generation_config.json'], graphs: ['model'], variants: [model, model_fp16, model_quantized, model_q4, model_q4f16] });
}

export const MODELS: Readonly<Record<string, ModelEntry>> = Object.freeze({
  // fp32 shares its weights with the LoRA, log-prob and train-step graphs (one copy in the folder).
  'sgp-tiny-policy': entry({ id: 'sgp-tiny-policy', task: 'policy', source: 'bundled', files: ['config.json', 'generation_config.json', ...TOKENIZER], graphs: ['model'], variants: [model, model_quantized], externalData: { 'onnx/model.onnx': ['onnx/policy_weights.onnx_data'] } }),
  'sgp-tiny-siglip': entry({ id: 'sgp-tiny-siglip', task: 'text-image-encoder', source: 'bundled', files: ['config.json', 'preprocessor_config.json', ...TOKENIZER], graphs: ['text_model', 'vision_model'], variants: [model, model_quantized] }),
  'sgp-tiny-dino': entry({ id: 'sgp-tiny-dino', task: 'image-encoder', source: 'bundled', files: ['config.json', 'preprocessor_config.json'], graphs: ['model'], variants: [model, model_quantized] }),
  'onnx-community/Qwen2.5-Coder-0.5B-Instruct': hubPolicy('onnx-community/Qwen2.5-Coder-0.5B-Instruct'),
  'Xenova/siglip-base-patch16-224': entry({ id: 'Xenova/siglip-base-patch16-224', task: 'text-image-encoder', source: 'hub', files: ['config.json', 'preprocessor_config.json', ...TOKENIZER], graphs: ['text_model', 'vision_model'], variants: [model, model_fp16, model_quantized] }),
  'Xenova/dinov2-small': entry({ id: 'Xenova/dinov2-small', task: 'image-encoder', source: 'hub', files: ['config.json', 'preprocessor_config.json'], graphs: ['model'], variants: [model, model_fp16, model_quantized] }),
});

export const DEFAULT_POLICY = 'sgp-tiny-policy';

/** A hub repository id as the Hub spells them: owner/name, letters, digits, '-', '_', '.'. */
const HUB_ID = /^[A-Za-z0-9][\w.-]{0,95}\/[A-Za-z0-9][\w.-]{0,95}$/;

/** Registry entry for `id`: a listed model, or any well-formed hub id as a policy decoder. */
export function lookupModel(id: string): ModelEntry {
  const listed = Object.hasOwn(MODELS, id) ? MODELS[id] : undefined;
  if (listed) return listed;
  if (HUB_ID.test(id) && !id.includes('..')) return hubPolicy(id);
  throw new Error(`unknown model '${quote(id)}'; known: ${Object.keys(MODELS).join(', ')}, or a hub id such as org/name`);
}

export interface Bases {
  /** Absolute URL of the bundled models folder, e.g. https://site/models/ (workers resolve against their own script). */
  bundled: string;
  /** Hub root; tests point it at a local server. */
  hub?: string;
}

export const HUB_BASE = 'https://huggingface.co/';

/**
 * Origins a hub download touches: huggingface.co answers /resolve/ with a redirect to one of these
 * CDN hosts for LFS and Xet files (the Hub's documented firewall list). index.html and
 * headless.html list exactly these in connect-src; a test keeps them equal.
 */
export const HUB_ORIGINS = [
  'https://huggingface.co',
  'https://cdn-lfs.hf.co',
  'https://cdn-lfs-us-1.hf.co',
  'https://cdn-lfs-eu-1.hf.co',
  'https://cas-bridge.xethub.hf.co',
  'https://cas-bridge.xethub-eu.hf.co',
  'https://us.aws.cdn.hf.co',
  'https://us.gcp.cdn.hf.co',
] as const;

/** URL of `file` (e.g. 'config.json', 'onnx/model.onnx') of `entry`. */
export function fileUrl(entry: ModelEntry, file: string, bases: Bases): string {
  if (entry.source === 'bundled') return new URL(`${entry.id}/${file}`, withSlash(bases.bundled)).href;
  return new URL(`${entry.id}/resolve/main/${file}`, withSlash(bases.hub ?? HUB_BASE)).href;
}

export function graphFile(graph: string, variant: Variant): string {
  return `onnx/${graph}${variant.suffix}.onnx`;
}

/**
 * External weight files of `file`: the entry's own list, else config.json's `transformers.js_config.use_external_data_format`:
 * true (one file, <file>_data), a chunk count (<file>_data, <file>_data_1, …), or either per file name.
 */
export function externalDataFiles(file: string, config: unknown, entry?: ModelEntry): string[] {
  const listed = entry?.externalData?.[file];
  if (listed) return [...listed];
  const spec = (config as { 'transformers.js_config'?: { use_external_data_format?: unknown } } | null)?.['transformers.js_config']?.use_external_data_format;
  const name = file.split('/').pop()!;
  const value = spec !== null && typeof spec === 'object' ? (spec as Record<string, unknown>)[name] : spec;
  const chunks = value === true ? 1 : typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= 100 ? value : 0;
  return Array.from({ length: chunks }, (_, i) => `${file}_data${i ? `_${i}` : ''}`);
}

export interface Capability {
  device: 'webgpu' | 'wasm';
  shaderF16: boolean;
}

/** Variants this device can run: fp16 weights need WebGPU with `shader-f16`. */
export function usableVariants(entry: ModelEntry, cap: Capability): Variant[] {
  const f16 = cap.device === 'webgpu' && cap.shaderF16;
  return entry.variants.filter((v) => f16 || !v.dtype.endsWith('16'));
}

/**
 * The variant to load: the one asked for if this device can run it; else fp16 on a WebGPU with
 * `shader-f16`, fp32 on other WebGPUs, and the quantized default on WASM (fewer bytes, faster there).
 */
export function chooseVariant(entry: ModelEntry, cap: Capability, requested?: string): Variant {
  const usable = usableVariants(entry, cap);
  if (requested) {
    const found = usable.find((v) => v.name === requested);
    if (found) return found;
    const known = entry.variants.some((v) => v.name === requested);
    const why = known ? `needs WebGPU with shader-f16, and this device runs ${cap.device}${cap.device === 'webgpu' ? ' without shader-f16' : ''}` : 'is not a variant of it';
    throw new Error(`variant '${quote(requested)}' of ${entry.id} ${why}; usable here: ${usable.map((v) => v.name).join(', ')}`);
  }
  const pick = (name: string) => usable.find((v) => v.name === name);
  const preferred = cap.device === 'wasm' ? pick(entry.defaultQuantized) : pick('model_fp16') ?? pick('model');
  return preferred ?? pick(entry.defaultQuantized) ?? usable[0]!;
}

/** Refuses a policy whose config.json names an architecture the sampler does not run. */
export function checkArchitecture(entry: ModelEntry, config: unknown): void {
  if (entry.task !== 'policy') return;
  const c = (config ?? {}) as { model_type?: unknown; architectures?: unknown };
  const type = typeof c.model_type === 'string' ? c.model_type : undefined;
  if (type && (SUPPORTED_DECODERS as readonly string[]).includes(type)) return;
  const arch = Array.isArray(c.architectures) ? c.architectures.filter((a) => typeof a === 'string').join(', ') : '';
  throw new Error(
    `${entry.id} is ${type ? `a '${quote(type)}' model` : 'a model without a model_type'}${arch ? ` (${quote(arch)})` : ''}; the sampler runs decoders of type ${SUPPORTED_DECODERS.join(', ')}`,
  );
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** Attacker-controlled text in an error: at most 100 characters. */
export function quote(text: string): string {
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}
