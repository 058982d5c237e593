// The worker side of generation: a policy session (loaded in the SessionTable under a key) plus its
// folder's tokenizer and config, cached per folder. The KV cache lives and dies inside one
// `generate`; only tokens, text, log-probs and timings leave it.
import { getJson } from '../models/hub';
import { TextTokenizer } from '../models/tokenizer';
import { decoderFor } from './cache-decoder';
import { decoderShape, type onnxDecoder, type DecoderShape } from './onnx-decoder';
import { chatPromptIds } from './prompt';
import { DEFAULT_SAMPLE_PARAMS, generate, nextTask, type Generation, type SampleParams, type StepEvent } from './sampler';
import { batchSteps } from './step-batch';
import { generateWithStep, stepGraphCan, type StepGraph } from './step-sampler';

type Session = Parameters<typeof onnxDecoder>[0];

export interface GenerateRequest {
  /** The model folder (absolute URL): tokenizer.json, tokenizer_config.json, config.json. */
  folder: string;
  prompt: string;
  params?: Partial<SampleParams>;
  /** false: never the WebGPU step graph (gpu-step.ts), e.g. to measure the plain decoder beside it. */
  stepGraph?: boolean;
}

/**
 * The step graph for a policy loaded under `key` with `rows` rows and `length` positions, when that
 * policy runs on WebGPU with fp32 weights and its folder has one; else null (sampler.ts decodes).
 */
export type StepGraphSource = (key: string, folder: string, shape: DecoderShape, rows: number, length: number, lora?: Parameters<typeof onnxDecoder>[2]) => Promise<StepGraph | null> | null;

export class PolicyHost {
  private readonly folders = new Map<string, Promise<{ tokenizer: TextTokenizer; shape: DecoderShape }>>();

  constructor(
    private readonly session: (key: string) => Session,
    private readonly stepGraph: StepGraphSource = () => null,
  ) {}

  /**
   * `onSteps` hears the steps in batches (step-batch.ts); its answering false cancels. Temperature or
   * greedy requests on a WebGPU fp32 policy decode through the step graph (gpu-step.ts): same seed, same
   * programs on that path, greedy as sampler.ts; top-k/top-p go through sampler.ts.
   */
  async generate(key: string, req: GenerateRequest, onSteps?: (events: StepEvent[]) => unknown): Promise<Generation> {
    const session = this.session(key);
    return (await this.withStepGraph(key, req, onSteps)) ?? this.generateWith(session, req, onSteps);
  }

  /**
   * The learner's LoRA sampler (src/lib/rl/trainer.ts) under trainer `key`: through the LoRA step graph
   * bound to the live LoRA tensors when the source offers one, else `session` with them as extra feeds.
   */
  async generateLora(key: string, session: Session, req: GenerateRequest, onSteps: ((events: StepEvent[]) => unknown) | undefined, lora: Parameters<typeof onnxDecoder>[2]): Promise<Generation & { promptIds: number[] }> {
    return (await this.withStepGraph(key, req, onSteps, lora)) ?? this.generateWith(session, req, onSteps, lora);
  }

  /** The generation through a step graph, or null when the source has none for this request. */
  private async withStepGraph(key: string, req: GenerateRequest, onSteps: ((events: StepEvent[]) => unknown) | undefined, lora?: Parameters<typeof onnxDecoder>[2]): Promise<(Generation & { promptIds: number[] }) | null> {
    const params = { ...DEFAULT_SAMPLE_PARAMS, ...req.params };
    if (req.stepGraph === false || !stepGraphCan(params)) return null;
    const { tokenizer, shape } = await this.folder(req.folder);
    const promptIds = chatPromptIds(tokenizer, req.prompt);
    const graph = await this.stepGraph(key, req.folder, shape, params.n, promptIds.length + params.maxNewTokens, lora);
    if (!graph) return null;
    const batcher = onSteps ? batchSteps(onSteps) : null;
    try {
      const g = await generateWithStep(graph, tokenizer, promptIds, params, { betweenSteps: nextTask, ...(batcher ? { onStep: (e: StepEvent) => batcher.onStep(e) } : {}) });
      return { ...g, promptIds: [...promptIds] };
    } finally {
      await batcher?.flush();
    }
  }

  /**
   * Samples from a session held elsewhere, feeding `extra` on every pass: the trainer's LoRA sampler
   * (train_step.json `sampler`) with the learner's live LoRA tensors (src/lib/rl/trainer.ts).
   */
  async generateWith(session: Session, req: GenerateRequest, onSteps?: (events: StepEvent[]) => unknown, extra: Parameters<typeof onnxDecoder>[2] = {}): Promise<Generation & { promptIds: number[] }> {
    const { tokenizer, shape } = await this.folder(req.folder);
    const params = { ...DEFAULT_SAMPLE_PARAMS, ...req.params };
    const promptIds = chatPromptIds(tokenizer, req.prompt);
    const batcher = onSteps ? batchSteps(onSteps) : null;
    try {
      const g = await generate(decoderFor(session, shape, extra), tokenizer, promptIds, params, { betweenSteps: nextTask, ...(batcher ? { onStep: (e: StepEvent) => batcher.onStep(e) } : {}) });
      return { ...g, promptIds: [...promptIds] }; // a train step needs the exact prompt ids the samples followed
    } finally {
      await batcher?.flush(); // the page hears every step before the result
    }
  }

  private folder(url: string): Promise<{ tokenizer: TextTokenizer; shape: DecoderShape }> {
    let found = this.folders.get(url);
    if (!found) {
      found = Promise.all([TextTokenizer.fromUrl(url), fetchConfig(url)]).then(([tokenizer, config]) => ({ tokenizer, shape: decoderShape(config) }));
      found.catch(() => this.folders.delete(url)); // a failed fetch is retried by the next call
      this.folders.set(url, found);
    }
    return found;
  }
}

/** config.json through the model cache, like the tokenizer (see TextTokenizer.fromUrl). */
function fetchConfig(folder: string): Promise<Parameters<typeof decoderShape>[0]> {
  const base = folder.endsWith('/') ? folder : `${folder}/`;
  return getJson(new URL('config.json', base).href, { id: base, file: 'config.json' });
}
