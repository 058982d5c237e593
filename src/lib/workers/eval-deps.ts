// The evaluation runner's dependencies bound to the workers: sampling from the ml worker's policy,
// scoring through the reward engine (svg pool + encoders), and DINO embeddings for diversity. The
// Evaluate page and the headless hook (`window.sgp.evalRun`, used by `npm run eval`) both build their
// runs here, so the two give the same numbers for the same run.
import { runEval, type EvalConfig, type EvalDeps, type Source } from '../eval/runner';
import type { ItemResult } from '../eval/metrics';
import type { BenchItem } from '../world/bench';
import type { Outputs } from '../eval/sources';
import type { Device } from '../models/backend';
import type { LoadedModel, LoadProgress } from '../models/load';
import { prepareProgram } from '../program/prepare';
import { DEFAULT_ENCODERS, type EncoderClient, type RewardScorer } from './encoder-client';
import type { PolicyClient } from './policy-client';
import { renderSvg, type SvgPool } from './svg-client';
import type { TrainerClient } from './trainer-client';
import { loadCheckpoint } from '../rl/checkpoints';
import type { PeftAdapterFiles } from '../rl/peft';
import type { TrainerState } from '../rl/trainer';

export interface EvalWorkers {
  pool: SvgPool;
  policy: PolicyClient;
  encoders: EncoderClient;
  scorer: RewardScorer;
  /** The checkpoint source's learner: its own key in the ml worker, so it never touches the Train page's. */
  trainer: TrainerClient;
}

/** `sampler`: the policy, or for a checkpoint the trainer (model_lora.onnx fed the checkpoint's LoRA). */
export function evalDeps({ pool, policy, encoders, scorer }: EvalWorkers, sampler: Pick<PolicyClient, 'generate'> = policy): EvalDeps {
  return {
    async sample(prompt, { n, seed, temperature, maxNewTokens }, signal) {
      const g = await sampler.generate(prompt, { n, seed, temperature, maxNewTokens }, undefined, signal ? { signal } : {});
      return g.samples.map((s) => s.text);
    },
    score: (req) => scorer.scoreGroup(req),
    async embed(programs) {
      const info = encoders.info('dino');
      if (!info) return null;
      const renders = await Promise.all(programs.map((p) => renderSvg(pool, prepareProgram(p).svg, { size: info.inputSize, timeoutMs: 10_000 })));
      // The scorer rendered these same programs a moment ago; a failure now is the machine, not the program.
      const pixels = renders.map((r, k) => {
        if (!r.ok) throw new Error(`sample ${k} rendered for scoring but not for diversity (${r.error.code}: ${r.error.message.slice(0, 200)})`);
        return r.pixels;
      });
      return encoders.embedImages('dino', pixels);
    },
  };
}

/** A source as it crosses to the page: imported outputs as [id, outputs] pairs (a Map does not survive JSON). */
export type SourceSpec =
  | { kind: 'policy'; id: string; variant?: string; device?: Device | 'auto' }
  | { kind: 'outputs'; name: string; outputs: [string, string[]][] }
  | { kind: 'references' }
  /**
   * A LoRA checkpoint of the bundled policy: a run saved by the Train page (IndexedDB, `run`) or a PEFT
   * adapter's files (`npm run eval --checkpoint DIR`; the safetensors as base64, which survives JSON
   * and IndexedDB alike). `name` is what reports call it.
   */
  | { kind: 'checkpoint'; name: string; run?: string; adapter?: { config: string; safetensorsBase64: string } };

/** The policy whose LoRA checkpoints can be evaluated (the one the Train page trains). */
export const CHECKPOINT_BASE = 'sgp-tiny-policy';

export function toSource(spec: SourceSpec): Source {
  // A checkpoint is sampled like a policy: evalDeps binds the sampling to the trainer.
  if (spec.kind === 'checkpoint') return { kind: 'policy', id: sourceLabel(spec) };
  if (spec.kind === 'outputs') return { kind: 'outputs', name: spec.name, outputs: new Map(spec.outputs) as Outputs };
  if (spec.kind === 'policy') return { kind: 'policy', id: spec.id, ...(spec.variant ? { variant: spec.variant } : {}) };
  return spec;
}

/** A short label for reports: `policy sgp-tiny-policy (model_quantized)`, `outputs run.jsonl`, `references`. */
export function sourceLabel(spec: SourceSpec): string {
  if (spec.kind === 'policy') return `policy ${spec.id}${spec.variant ? ` (${spec.variant})` : ''}`;
  if (spec.kind === 'outputs') return `outputs ${spec.name}`;
  if (spec.kind === 'checkpoint') return `checkpoint ${spec.name} (${CHECKPOINT_BASE} + LoRA)`;
  return 'references';
}

function adapterFiles(a: { config: string; safetensorsBase64: string }): PeftAdapterFiles {
  return { 'adapter_config.json': a.config, 'adapter_model.safetensors': Uint8Array.from(atob(a.safetensorsBase64), (c) => c.charCodeAt(0)) };
}

/** Creates the checkpoint's learner (fp32 LoRA sampler) on the trainer: from a saved run's LoRA or a PEFT adapter. */
async function prepareCheckpoint(spec: Extract<SourceSpec, { kind: 'checkpoint' }>, trainer: TrainerClient, bundled: string): Promise<void> {
  const folder = new URL(`${CHECKPOINT_BASE}/`, bundled).href;
  if (spec.run !== undefined) {
    const cp = await loadCheckpoint(spec.run);
    if (!cp) throw new Error(`no saved checkpoint for run ${JSON.stringify(spec.run.slice(0, 100))}; choose one of the runs the Train page saved`);
    // Only the LoRA matters for sampling; the AdamW moments stay behind.
    await trainer.init({ folder, device: 'wasm', lora: (cp.state as TrainerState).lora });
    return;
  }
  if (!spec.adapter) throw new Error(`checkpoint ${spec.name.slice(0, 100)} names neither a saved run nor adapter files`);
  await trainer.init({ folder, device: 'wasm' });
  try {
    await trainer.importAdapter(adapterFiles(spec.adapter));
  } catch (err) {
    throw new Error(`checkpoint ${spec.name.slice(0, 100)} is not a LoRA adapter for ${CHECKPOINT_BASE}: ${(err as Error).message}`);
  }
}

/** Loads what a source needs before the first item: the policy (bundled or hub id), or the checkpoint's learner. */
export async function prepareSource(spec: SourceSpec, { policy, trainer }: Pick<EvalWorkers, 'policy' | 'trainer'>, bases: { bundled: string; hub?: string }, onProgress?: (p: LoadProgress) => void): Promise<LoadedModel | null> {
  if (spec.kind === 'checkpoint') await prepareCheckpoint(spec, trainer, bases.bundled);
  if (spec.kind !== 'policy') return null;
  return policy.loadModel({ id: spec.id, device: spec.device ?? 'wasm', bases, ...(spec.variant ? { variant: spec.variant } : {}) }, onProgress);
}

export interface EvalRequest {
  items: BenchItem[];
  source: SourceSpec;
  config: EvalConfig;
  /** Ids already evaluated (resume). */
  done?: string[];
}

export interface EvalHandlers {
  onItem?: (r: ItemResult) => void | Promise<void>;
  onMissing?: (id: string) => void;
  onLoad?: (p: LoadProgress) => void;
  signal?: AbortSignal;
}

/**
 * One evaluation run on the workers: loads the source's policy and (when none are loaded) the bundled
 * encoders on WASM, then runs the items. The page and the CLI both call this.
 */
export async function evaluateOn(workers: EvalWorkers, bases: { bundled: string; hub?: string }, req: EvalRequest, h: EvalHandlers = {}) {
  try {
    await prepareSource(req.source, workers, bases, h.onLoad);
    if (!workers.encoders.info('siglip') && !workers.encoders.info('dino')) {
      for (const role of ['siglip', 'dino'] as const) await workers.encoders.load(role, { id: DEFAULT_ENCODERS[role], device: 'wasm', bases });
    }
    const encoders = { siglip: workers.encoders.info('siglip')?.id ?? null, dino: workers.encoders.info('dino')?.id ?? null };
    const run = await runEval({
      items: req.items,
      source: toSource(req.source),
      config: req.config,
      deps: evalDeps(workers, req.source.kind === 'checkpoint' ? workers.trainer : workers.policy),
      done: new Set(req.done ?? []),
      ...(h.onItem ? { onItem: h.onItem } : {}),
      ...(h.onMissing ? { onMissing: (it: BenchItem) => h.onMissing!(it.id) } : {}),
      ...(h.signal ? { signal: h.signal } : {}),
    });
    return { ...run, encoders };
  } finally {
    // The checkpoint's fp32 sampler would otherwise sit in the ml worker beside the Train page's learner;
    // a resumed run loads it again. Releasing a learner the worker already lost is no error worth raising.
    if (req.source.kind === 'checkpoint') await workers.trainer.release().catch(() => undefined);
  }
}
