// The app's user-visible settings as one declarative table, serialised to location.hash so a view
// (tab, seed, render size…) can be bookmarked and shared — TensorFlow Playground's state model.

import { DEFAULT_RENDER_SIZE } from '../lib/render/rasterize';
import { DEFAULT_POLICY, lookupModel, MODELS, VARIANTS } from '../lib/models/registry';
import { DEFAULT_PRESET, presetFromUrl } from '../lib/reward/presets';
import { DEFAULT_GRPO_CONFIG } from '../lib/rl/grpo';
import { SPLITS } from '../lib/world';

type Field =
  | { kind: 'enum'; values: readonly string[]; default: string; why: string }
  | { kind: 'int'; min: number; max: number; default: number; why: string }
  | { kind: 'float'; min: number; max: number; default: number; why: string }
  /** Free text that `valid` accepts, e.g. a hub model id that is not in a menu. */
  | { kind: 'text'; valid: (raw: string) => boolean; default: string; why: string };

/** Policies the sampler can load: the registry's, or any hub id (checked again when it loads). */
function isPolicyId(raw: string): boolean {
  try {
    return lookupModel(raw).task === 'policy';
  } catch {
    return false;
  }
}

/** A reward preset's URL form (a registered name, or a whole custom mix) that parses. */
function isPreset(raw: string): boolean {
  try {
    presetFromUrl(raw);
    return raw.length <= 2000; // a shared link, not a payload
  } catch {
    return false;
  }
}

export const FIELDS = {
  tab: { kind: 'enum', values: ['playground', 'train', 'evaluate', 'benchmarks'], default: 'playground', why: 'which page is open' },
  size: { kind: 'int', min: 32, max: 1024, default: DEFAULT_RENDER_SIZE, why: 'render size in px (SGP-GenBench scores 224-px renders; each encoder resizes to the input size in its preprocessor_config.json)' },
  seed: { kind: 'int', min: 0, max: 2 ** 31 - 1, default: 1, why: 'world seed for "random prompt", so a prompt can be shared' },
  model: { kind: 'text', valid: isPolicyId, default: DEFAULT_POLICY, why: `policy that samples: ${Object.keys(MODELS).filter(isPolicyId).join(', ')} or a hub id (org/name)` },
  variant: { kind: 'enum', values: ['auto', ...Object.keys(VARIANTS)], default: 'auto', why: "weights the policy loads; 'auto' picks by device (quantized on WASM, fp16 only with shader-f16)" },
  backend: { kind: 'enum', values: ['auto', 'webgpu', 'wasm'], default: 'auto', why: "where the policy runs; 'auto' decodes the bundled policy on WebGPU on a real GPU (its step graph, bench/gpu/) and on WASM on an emulated one, hub policies on WebGPU when an adapter exists; the learner trains on WebGPU on a real GPU (sampling on WASM when WASM has threads) and on WASM on an emulated one" },
  g: { kind: 'int', min: 1, max: 64, default: 8, why: 'programs sampled per prompt (the group size G)' },
  temperature: { kind: 'float', min: 0, max: 2, default: 1, why: 'sampling temperature; 0 is greedy' },
  sampleSeed: { kind: 'int', min: 0, max: 2 ** 31 - 1, default: 1, why: 'sampler seed: the same seed, backend and variant give the same programs' },
  reward: { kind: 'text', valid: isPreset, default: DEFAULT_PRESET, why: "reward preset that scores and ranks a group: a name, or a custom mix in the preset's URL form, so a link carries its reward" },
  evalBench: { kind: 'text', valid: (raw) => /^minibench(:(object|scene|compositional|heldout))?$/.test(raw) || /^import:.{1,200}$/.test(raw), default: 'minibench:compositional', why: 'benchmark the Evaluate page runs: SGP-MiniBench, one split, or an imported benchmark (import:<name>)' },
  evalSource: { kind: 'enum', values: ['policy', 'outputs', 'references', 'checkpoint'], default: 'policy', why: "what the Evaluate page scores: the policy ('model'), imported outputs, the benchmark's references, or a saved LoRA checkpoint" },
  evalSamples: { kind: 'int', min: 1, max: 16, default: 4, why: 'samples per prompt (SGP-GenBench reports use 4 at temperature 1)' },
  evalTemperature: { kind: 'float', min: 0, max: 2, default: 1, why: 'sampling temperature for evaluation' },
  evalSeed: { kind: 'int', min: 0, max: 2 ** 31 - 1, default: 0, why: 'evaluation seed (each item derives its own from it and its id)' },
  evalLimit: { kind: 'int', min: 0, max: 10_000, default: 10, why: 'items per split to evaluate; 0 = all (1,700 SGP-MiniBench items take hours on a CPU)' },
  // Train page (GRPO). The learner is the bundled policy's fp32 LoRA graph; `backend` above picks its device.
  rlSource: { kind: 'enum', values: ['split', 'benchmark', 'typed'], default: 'split', why: 'where training prompts come from: a world split, SGP-MiniBench (that split), or typed prompts' },
  rlSplit: { kind: 'enum', values: SPLITS, default: 'compositional', why: 'world split of the training prompts; held-out prompts are the same split from a stream never trained on' },
  rlPrompts: { kind: 'text', valid: (raw: string) => raw.length <= 4000, default: '', why: 'typed training prompts, one a line (no spec: the verifier does not apply)' },
  rlPreset: { kind: 'text', valid: isPreset, default: 'verifiable', why: 'reward preset, or a custom mix in its URL form (reward/presets.ts)' },
  rlSteps: { kind: 'int', min: 1, max: 1000, default: 30, why: 'GRPO steps of a run (play stops after this many)' },
  rlPerStep: { kind: 'int', min: 1, max: 16, default: DEFAULT_GRPO_CONFIG.promptsPerStep, why: 'prompts per step, one group and one update each' },
  rlGroup: { kind: 'int', min: 2, max: 8, default: DEFAULT_GRPO_CONFIG.group, why: 'G, programs per prompt (the train step takes at most 8 rows)' },
  rlLr: { kind: 'float', min: 1e-6, max: 1e-2, default: DEFAULT_GRPO_CONFIG.lr, why: 'AdamW learning rate of the LoRA' },
  rlObjective: { kind: 'enum', values: ['grpo', 'dr-grpo'], default: DEFAULT_GRPO_CONFIG.objective, why: 'GRPO ((r − mean)/std, token mean) or Dr.GRPO (r − mean, constant divisor)' },
  rlKl: { kind: 'float', min: 0, max: 1, default: DEFAULT_GRPO_CONFIG.klBeta, why: 'β of the KL to the base policy; 0 skips the reference pass' },
  rlSeed: { kind: 'int', min: 0, max: 2 ** 31 - 1, default: DEFAULT_GRPO_CONFIG.seed, why: 'seed of the training prompts and the sampler' },
} as const satisfies Record<string, Field>;

type ValueOf<F> = F extends { kind: 'enum'; values: readonly (infer V)[] } ? V : F extends { kind: 'text' } ? string : number;
export type Settings = { -readonly [K in keyof typeof FIELDS]: ValueOf<(typeof FIELDS)[K]> };

export const DEFAULT_SETTINGS: Settings = Object.freeze(
  Object.fromEntries(Object.entries(FIELDS).map(([k, f]) => [k, f.default])) as Settings,
);

/** Reads `#tab=benchmarks&seed=7`; unknown keys and invalid values fall back to defaults. */
export function parseSettings(hash: string): Settings {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const out: Record<string, string | number> = { ...DEFAULT_SETTINGS };
  for (const [key, field] of Object.entries(FIELDS) as [keyof Settings, Field][]) {
    const raw = params.get(key);
    if (raw === null) continue;
    if (field.kind === 'enum') {
      if (field.values.includes(raw)) out[key] = raw;
    } else if (field.kind === 'text') {
      if (field.valid(raw)) out[key] = raw;
    } else if (field.kind === 'float') {
      const n = Number(raw);
      if (raw.trim() !== '' && Number.isFinite(n) && n >= field.min && n <= field.max) out[key] = n;
    } else {
      const n = Number(raw);
      if (Number.isInteger(n) && n >= field.min && n <= field.max) out[key] = n;
    }
  }
  return out as Settings;
}

/** Writes only non-default values, so a fresh app has a clean URL. */
export function serialiseSettings(s: Settings): string {
  const params = new URLSearchParams();
  for (const key of Object.keys(FIELDS) as (keyof Settings)[]) {
    if (s[key] !== DEFAULT_SETTINGS[key]) params.set(key, String(s[key]));
  }
  const text = params.toString();
  return text ? `#${text}` : '';
}
