// The worker side of the encoders: SigLIP-style text and vision towers and DINO-style image features,
// loaded through the registry (sessions `key/text_model` + `key/vision_model`, or `key`), with
// preprocessing from the folder's own preprocessor_config.json. Images go in batches; text
// embeddings are cached per (model, text), since a group shares one prompt and RL repeats prompts.
import { run, type PlainTensor } from '../models/backend';
import type { LoadedModel } from '../models/load';
import { TextTokenizer } from '../models/tokenizer';
import type { Pixels } from '../render/rasterize';
import { inputSize, pixelValues, type PreprocessorConfig } from './encoders';

type Session = Parameters<typeof run>[0];

export interface EncoderInfo {
  id: string;
  variant: string;
  task: 'text-image-encoder' | 'image-encoder';
  /** Renders for this encoder are made at size×size. */
  inputSize: number;
  /** Text ids are padded to this many tokens (SigLIP: 64); 0 for image-only encoders. */
  textLength: number;
}

interface Registered {
  info: EncoderInfo;
  pre: PreprocessorConfig;
  tokenizer: TextTokenizer | null;
  texts: Map<string, Float32Array>;
}

/** Images per ORT call: 8 amortises the call overhead on WASM without holding many activations. */
export const MAX_IMAGE_BATCH = 8;
/** Cached text embeddings per encoder (prompts of a run; a few hundred kB). */
const TEXT_CACHE = 2048;

export class EncoderHost {
  private readonly encoders = new Map<string, Registered>();

  constructor(private readonly session: (key: string) => Session) {}

  /** Called after the ml worker loads a registry model under `key`; policies are ignored. */
  register(key: string, model: LoadedModel): EncoderInfo | null {
    this.encoders.delete(key);
    if (model.task === 'policy') return null;
    const json = (file: string): Record<string, unknown> => {
      const text = model.texts[file];
      if (text === undefined) throw new Error(`${model.id}: ${file} is missing; an encoder folder needs it`);
      return JSON.parse(text) as Record<string, unknown>;
    };
    const pre = json('preprocessor_config.json') as unknown as PreprocessorConfig;
    let tokenizer: TextTokenizer | null = null;
    let textLength = 0;
    if (model.task === 'text-image-encoder') {
      tokenizer = new TextTokenizer(json('tokenizer.json'), json('tokenizer_config.json'));
      const text = (json('config.json').text_config ?? {}) as { max_position_embeddings?: number };
      textLength = text.max_position_embeddings ?? 64; // SigLIP's text tower takes exactly this many ids
    }
    const info: EncoderInfo = { id: model.id, variant: model.variant, task: model.task, inputSize: inputSize(pre), textLength };
    this.encoders.set(key, { info, pre, tokenizer, texts: new Map() });
    return info;
  }

  forget(key: string): void {
    this.encoders.delete(key);
  }

  info(key: string): EncoderInfo {
    return this.get(key).info;
  }

  /** Image embeddings (the graph's pooler_output, not normalised), one per render, in batches. */
  async embedImages(key: string, images: readonly Pixels[]): Promise<Float32Array[]> {
    const enc = this.get(key);
    const session = this.session(enc.info.task === 'text-image-encoder' ? `${key}/vision_model` : key);
    const out: Float32Array[] = [];
    for (let i = 0; i < images.length; i += MAX_IMAGE_BATCH) {
      const chunk = images.slice(i, i + MAX_IMAGE_BATCH);
      const side = enc.info.inputSize;
      const data = new Float32Array(chunk.length * 3 * side * side); // (B, 3, H, W)
      chunk.forEach((px, b) => data.set(pixelValues(px, enc.pre).data as Float32Array, b * 3 * side * side));
      const result = await run(session, { pixel_values: { type: 'float32', dims: [chunk.length, 3, side, side], data } });
      out.push(...rows(pooled(result, enc.info.id)));
    }
    return out;
  }

  /** Text embeddings (pooler_output), cached per text. */
  async embedTexts(key: string, texts: readonly string[]): Promise<Float32Array[]> {
    const enc = this.get(key);
    if (!enc.tokenizer) throw new Error(`'${key}' (${enc.info.id}) is an image encoder; text needs a text-image encoder such as sgp-tiny-siglip`);
    const missing = [...new Set(texts.filter((t) => !enc.texts.has(t)))];
    if (missing.length) {
      const L = enc.info.textLength;
      const ids = missing.flatMap((t) => enc.tokenizer!.encodePadded(t, L));
      const result = await run(this.session(`${key}/text_model`), { input_ids: { type: 'int64', dims: [missing.length, L], data: ids } });
      const embs = rows(pooled(result, enc.info.id));
      if (enc.texts.size + missing.length > TEXT_CACHE) enc.texts.clear();
      missing.forEach((t, i) => enc.texts.set(t, embs[i]!));
    }
    return texts.map((t) => enc.texts.get(t)!);
  }

  private get(key: string): Registered {
    const found = this.encoders.get(key);
    if (!found) throw new Error(`no encoder loaded as '${key}'; loaded: ${[...this.encoders.keys()].join(', ') || 'none'} (load sgp-tiny-siglip or sgp-tiny-dino first)`);
    return found;
  }
}

/** pooler_output; a graph without one (some DINOv2 exports) gives its CLS token, last_hidden_state[:, 0]. */
function pooled(out: Record<string, PlainTensor>, id: string): PlainTensor {
  const p = out.pooler_output;
  if (p) return p;
  const h = out.last_hidden_state;
  if (!h || h.dims.length !== 3) throw new Error(`${id}: the graph gives neither pooler_output nor last_hidden_state [B, T, D]; outputs: ${Object.keys(out).join(', ')}`);
  const [B, T, D] = h.dims as [number, number, number];
  const data = new Float32Array(B * D);
  for (let b = 0; b < B; b++) data.set((h.data as Float32Array).subarray(b * T * D, b * T * D + D), b * D);
  return { type: 'float32', dims: [B, D], data };
}

function rows(t: PlainTensor): Float32Array[] {
  const [B, D] = t.dims as [number, number];
  const data = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data as ArrayLike<number>);
  return Array.from({ length: B }, (_, b) => data.slice(b * D, (b + 1) * D));
}
