// The worker side of generation: a policy session (loaded in the SessionTable under a key) plus its
// folder's tokenizer and config, cached per folder. The KV cache lives and dies inside one
// `generate`; only tokens, text, log-probs and timings leave it.
import { TextTokenizer } from '../models/tokenizer';
import { cacheDecoder, keepsCacheOutside } from './cache-decoder';
import type { DecoderGraph } from './decoder';
import { decoderShape, onnxDecoder, type DecoderShape } from './onnx-decoder';
import { chatPromptIds } from './prompt';
import { DEFAULT_SAMPLE_PARAMS, generate, nextTask, type Generation, type SampleParams, type StepEvent } from './sampler';
import { batchSteps } from './step-batch';

type Session = Parameters<typeof onnxDecoder>[0];

export interface GenerateRequest {
  /** The model folder (absolute URL): tokenizer.json, tokenizer_config.json, config.json. */
  folder: string;
  prompt: string;
  params?: Partial<SampleParams>;
}

export class PolicyHost {
  private readonly folders = new Map<string, Promise<{ tokenizer: TextTokenizer; shape: DecoderShape }>>();

  constructor(private readonly session: (key: string) => Session) {}

  /** `onSteps` hears the steps in batches (step-batch.ts); its answering false cancels. */
  generate(key: string, req: GenerateRequest, onSteps?: (events: StepEvent[]) => unknown): Promise<Generation> {
    return this.generateWith(this.session(key), req, onSteps);
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

/** A graph's own cache layout: the fused graphs keep the cache in JS (cache-decoder.ts); transformers.js graphs feed `present` back. */
function decoderFor(session: Session, shape: DecoderShape, extra: Parameters<typeof onnxDecoder>[2]): DecoderGraph<unknown> {
  return keepsCacheOutside(session) ? cacheDecoder(session, shape, extra) : onnxDecoder(session, shape, extra);
}

async function fetchConfig(folder: string): Promise<Parameters<typeof decoderShape>[0]> {
  const url = new URL('config.json', folder.endsWith('/') ? folder : `${folder}/`);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url.href}: HTTP ${res.status}; a policy folder needs config.json (num_hidden_layers, num_key_value_heads, head_dim, vocab_size)`);
  return (await res.json()) as Parameters<typeof decoderShape>[0];
}
