// The page's handle on rewards: encoders loaded in the ml worker (sharing its ORT instance and device
// with the policy) and `scoreGroup`, which renders and computes the program and pixel terms in the
// svg pool, embeds in the ml worker, and returns every term of every sample. Nothing heavy runs on
// the page; composing terms into rewards (reward/compose.ts) is cheap and runs wherever it is shown.
import type { MlClient } from './ml-client';
import { renderSvg, type SvgPool } from './svg-client';
import { WorkerError } from './supervisor';
import type { EncoderInfo } from '../reward/encoder-host';
import type { LoadedModel, LoadProgress, ModelRequest } from '../models/load';
import type { Pixels } from '../render/rasterize';
import type { SceneSpec } from '../world/spec';
import { cosine } from '../reward/encoders';
import { embeddingTerms, programTerms, sampleTerms, type SampleTerms, type TermId } from '../reward/terms';
import type { RewardRender } from '../reward/render-terms';

/** The two encoder slots of the reward: text–image (SigLIP) and image–image (DINO). */
export type EncoderRole = 'siglip' | 'dino';

export const DEFAULT_ENCODERS: Readonly<Record<EncoderRole, string>> = Object.freeze({ siglip: 'sgp-tiny-siglip', dino: 'sgp-tiny-dino' });

export class EncoderClient {
  private readonly loaded = new Map<EncoderRole, EncoderInfo>();

  constructor(
    private readonly ml: MlClient,
    private readonly keys: Readonly<Record<EncoderRole, string>> = { siglip: 'encoder-siglip', dino: 'encoder-dino' },
  ) {}

  /** Loads a registry encoder (bundled or hub id) into `role`; the ml worker reloads it after a crash. */
  async load(role: EncoderRole, request: ModelRequest, onProgress?: (p: LoadProgress) => void): Promise<{ model: LoadedModel; info: EncoderInfo }> {
    this.loaded.delete(role);
    const model = await this.ml.loadModel(this.keys[role], request, onProgress);
    const want = role === 'siglip' ? 'text-image-encoder' : 'image-encoder';
    if (model.task !== want && !(role === 'dino' && model.task === 'text-image-encoder')) {
      await this.ml.release(this.keys[role]);
      throw new Error(`${request.id} is a ${model.task}; the ${role} slot needs a ${want}`);
    }
    const info = await this.ml.call((api) => api.encoderInfo(this.keys[role]));
    this.loaded.set(role, info);
    return { model, info };
  }

  async unload(role: EncoderRole): Promise<void> {
    this.loaded.delete(role);
    await this.ml.release(this.keys[role]);
  }

  /** What is loaded in `role`, or null. */
  info(role: EncoderRole): EncoderInfo | null {
    return this.loaded.get(role) ?? null;
  }

  /** Embeddings of renders made at info(role).inputSize (pooler_output, not normalised). */
  embedImages(role: EncoderRole, images: Pixels[]): Promise<Float32Array[]> {
    if (!images.length) return Promise.resolve([]);
    return this.ml.call((api) => api.embedImages(this.keys[role], images));
  }

  /** Text embeddings (cached per text in the worker). */
  embedTexts(role: EncoderRole, texts: string[]): Promise<Float32Array[]> {
    return this.ml.call((api) => api.embedTexts(this.keys[role], texts));
  }
}

/** The DINO reference: a program to render (e.g. the world's reference SVG), or pixels at the DINO input size. */
export type Reference = { svg: string } | { pixels: Pixels };

export interface ScoreRequest {
  prompt: string;
  /** Model outputs or program files; the program is extracted from each (SGP-RL rules). */
  programs: readonly string[];
  reference?: Reference | null;
  /** The world's spec when the prompt comes from the world: the verifier applies. */
  spec?: SceneSpec | null;
  /**
   * The terms the caller will compose (compose.ts presetNeeds): an encoder whose term is not among
   * them is not run and its term is null. Default: every term (a UI whose sliders may add any term).
   */
  needs?: readonly TermId[];
}

export interface SampleScore {
  i: number;
  terms: SampleTerms;
  /** Extracted and rendered. */
  valid: boolean;
  error?: string;
}

export interface GroupScore {
  prompt: string;
  samples: SampleScore[];
  /** Ids of the encoders used (null: slot empty, its term is n/a). */
  encoders: Record<EncoderRole, string | null>;
  ms: { render: number; encode: number; total: number };
}

export class RewardScorer {
  private refCache: { key: string | Pixels; emb: Float32Array; id: string } | null = null;

  constructor(
    private readonly pool: SvgPool,
    readonly encoders: EncoderClient,
    /** Per-sample render deadline; a hostile program is stopped and scored as failed. */
    private readonly renderTimeoutMs = 10_000,
  ) {}

  async scoreGroup(req: ScoreRequest): Promise<GroupScore> {
    const t0 = performance.now();
    const wanted = (t: TermId) => !req.needs || req.needs.includes(t);
    const sig = wanted('siglip') ? this.encoders.info('siglip') : null;
    const dino = wanted('dino') ? this.encoders.info('dino') : null;
    const sizes = [...new Set([sig?.inputSize, dino?.inputSize].filter((s): s is number => s !== undefined))];
    const renders = await Promise.all(req.programs.map((output) => this.render(output, sizes, req.spec ?? null)));
    const tRender = performance.now();

    const valid = renders.flatMap((r, i) => (r.valid ? [i] : []));
    const pick = (size: number) => valid.map((i) => renders[i]!.encoderPixels[sizes.indexOf(size)]!);
    const textImage = new Map<number, number>();
    const imageRef = new Map<number, number>();
    if (sig && valid.length) {
      const [text] = await this.encoders.embedTexts('siglip', [req.prompt]);
      const images = await this.encoders.embedImages('siglip', pick(sig.inputSize));
      valid.forEach((i, k) => textImage.set(i, cosine(text!, images[k]!)));
    }
    const ref = dino && req.reference ? await this.referenceEmbedding(req.reference, dino) : null;
    if (dino && ref && valid.length) {
      const images = await this.encoders.embedImages('dino', pick(dino.inputSize));
      valid.forEach((i, k) => imageRef.set(i, cosine(ref, images[k]!)));
    }
    const samples = renders.map((r, i): SampleScore => {
      const cos = { textImage: sig ? (textImage.get(i) ?? null) : null, imageReference: ref ? (imageRef.get(i) ?? null) : null };
      const skipped = { value: null, why: 'not computed: not among the terms asked for' };
      const emb = embeddingTerms(cos, r.valid);
      const terms = sampleTerms(r.terms, { siglip: wanted('siglip') ? emb.siglip : skipped, dino: wanted('dino') ? emb.dino : skipped });
      return { i, terms, valid: r.valid, ...(r.error ? { error: r.error } : {}) };
    });
    const end = performance.now();
    return { prompt: req.prompt, samples, encoders: { siglip: sig?.id ?? null, dino: dino?.id ?? null }, ms: { render: tRender - t0, encode: end - tRender, total: end - t0 } };
  }

  private async render(output: string, encoderSizes: number[], spec: SceneSpec | null): Promise<RewardRender> {
    try {
      return await this.pool.run(async (api, scope) => {
        const r = await api.scoreRender(output, { encoderSizes, spec });
        // resvg trapped or overflowed its stack: that worker's wasm memory is suspect (svg-client.ts does the same).
        if (r.fatal) scope.retire(r.error ?? 'the renderer crashed');
        return r;
      }, this.renderTimeoutMs);
    } catch (err) {
      // The worker was stopped (deadline, crash): the program's text terms still count.
      const error = err instanceof WorkerError ? `${err.code}: ${err.message}` : `render: ${err instanceof Error ? err.message : String(err)}`;
      return { terms: programTerms({ output, pixels: null, renderError: error, spec }), valid: false, error, encoderPixels: [], ms: 0 };
    }
  }

  /** The reference's DINO embedding, kept for the next group with the same reference. */
  private async referenceEmbedding(ref: Reference, dino: EncoderInfo): Promise<Float32Array> {
    const key = 'svg' in ref ? ref.svg : ref.pixels;
    if (this.refCache && this.refCache.key === key && this.refCache.id === `${dino.id}/${dino.variant}`) return this.refCache.emb;
    let px: Pixels;
    if ('svg' in ref) {
      const r = await renderSvg(this.pool, ref.svg, { size: dino.inputSize, timeoutMs: this.renderTimeoutMs });
      if (!r.ok) throw new Error(`the reference image did not render (${r.error.code}: ${r.error.message.slice(0, 200)})`);
      px = r.pixels;
    } else px = ref.pixels;
    const [emb] = await this.encoders.embedImages('dino', [px]);
    this.refCache = { key, emb: emb!, id: `${dino.id}/${dino.variant}` };
    return emb!;
  }
}
