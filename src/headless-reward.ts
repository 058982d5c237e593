// Headless hooks for the reward (part of window.sgp): encoders in the ml worker and `scoreGroup`,
// the same RewardScorer + composer the Playground uses, for `npm run score`, the bench and tests.
import { DEFAULT_ENCODERS, EncoderClient, RewardScorer, type EncoderRole, type Reference } from './lib/workers/encoder-client';
import { renderSvg, type SvgPool } from './lib/workers/svg-client';
import type { MlClient } from './lib/workers/ml-client';
import { compose, presetNeeds, type Breakdown } from './lib/reward/compose';
import { DEFAULT_PRESET, presetFromUrl, presetToUrl } from './lib/reward/presets';
import type { SampleTerms } from './lib/reward/terms';
import type { Device } from './lib/models/backend';
import type { Pixels } from './lib/render/rasterize';
import { BUNDLED_BENCHMARKS, loadBenchmark, type Benchmark } from './lib/world';

/** One scored sample as the CLI, the bench and tests see it: every term, and the preset's breakdown. */
export interface HeadlessScore {
  i: number;
  valid: boolean;
  error?: string;
  terms: SampleTerms;
  breakdown: Breakdown;
  reward: number;
}

export function rewardHooks(pool: SvgPool, ml: MlClient) {
  const encoders = new EncoderClient(ml);
  const scorer = new RewardScorer(pool, encoders);
  let minibench: Promise<Benchmark> | null = null;
  const minibenchItem = async (id: string) => {
    minibench ??= fetch(new URL(BUNDLED_BENCHMARKS['sgp-minibench']!.path, document.baseURI)).then(async (r) => loadBenchmark(await r.json()));
    const items = (await minibench).items;
    const item = items.find((it) => it.id === id);
    if (!item) throw new Error(`no SGP-MiniBench item '${id.slice(0, 100)}'; ids look like ${items[0]?.id}`);
    return item;
  };
  const renderAt = async (role: EncoderRole, svgs: string[]): Promise<Pixels[]> => {
    const info = encoders.info(role);
    if (!info) throw new Error(`no ${role} encoder loaded; call encodersLoad() first`);
    return Promise.all(svgs.map(async (svg) => {
      const r = await renderSvg(pool, svg, { size: info.inputSize, timeoutMs: 10_000 });
      if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
      return r.pixels;
    }));
  };

  const hooks = {
    /**
     * Loads reward encoders into the ml worker (default: the bundled SigLIP and DINO); `null` empties
     * a slot. Returns each slot's input size and model.
     */
    async encodersLoad(opts: { siglip?: string | null; dino?: string | null; device?: Device | 'auto'; variant?: string; hub?: string } = {}) {
      const bases = { bundled: new URL('models/', document.baseURI).href, ...(opts.hub ? { hub: opts.hub } : {}) };
      const out: Partial<Record<EncoderRole, { id: string; variant: string; inputSize: number; device: string }>> = {};
      for (const role of ['siglip', 'dino'] as const) {
        const id = opts[role] === undefined ? DEFAULT_ENCODERS[role] : opts[role];
        if (id === null) {
          if (encoders.info(role)) await encoders.unload(role);
          continue;
        }
        const { model, info } = await encoders.load(role, { id, device: opts.device ?? 'auto', bases, ...(opts.variant ? { variant: opts.variant } : {}) });
        out[role] = { id, variant: info.variant, inputSize: info.inputSize, device: Object.values(model.graphs)[0]!.device };
      }
      return out;
    },
    /** Renders `svgs` at the encoder's input size through the pool and embeds them (raw pooler_output). */
    encoderEmbedSvgs: async (role: EncoderRole, svgs: string[]): Promise<number[][]> =>
      (await encoders.embedImages(role, await renderAt(role, svgs))).map((e) => Array.from(e)),
    encoderEmbedTexts: async (texts: string[]): Promise<number[][]> => (await encoders.embedTexts('siglip', texts)).map((e) => Array.from(e)),
    /**
     * Timing for `npm run bench`: renders `svgs` once at the encoder's size, then embeds the first
     * `batch` of them `reps` times through the ml worker (pixels cross as the app sends them).
     */
    async encoderBench(role: EncoderRole, svgs: string[], batch: number, reps: number): Promise<{ ms: number; images: number }> {
      const px = await renderAt(role, svgs.slice(0, batch));
      await encoders.embedImages(role, px); // warm-up: first-run kernels and allocations
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) await encoders.embedImages(role, px);
      return { ms: performance.now() - t0, images: reps * px.length };
    },
    /**
     * Scores a group as the Playground does: `item` (a SGP-MiniBench id) supplies the prompt, the spec
     * (verifier) and the reference (DINO) unless given; `preset` is a name or a preset's URL form.
     * Loads the default encoders (WASM) on first use. `onlyPresetTerms` skips encoders the preset does not read.
     */
    async scoreGroup(req: { prompt?: string; item?: string; programs: string[]; reference?: { svg: string } | null; preset?: string; onlyPresetTerms?: boolean }) {
      if (!encoders.info('siglip') && !encoders.info('dino')) await hooks.encodersLoad({ device: 'wasm' });
      const item = req.item ? await minibenchItem(req.item) : null;
      const prompt = req.prompt ?? item?.prompt;
      if (prompt === undefined) throw new Error('scoreGroup needs a prompt or a SGP-MiniBench item id');
      const reference: Reference | null = req.reference !== undefined ? req.reference : item?.svg ? { svg: item.svg } : null;
      const preset = presetFromUrl(req.preset ?? DEFAULT_PRESET);
      const needs = req.onlyPresetTerms ? { needs: presetNeeds(preset) } : {};
      const group = await scorer.scoreGroup({ prompt, programs: req.programs, reference, spec: item?.spec ?? null, ...needs });
      const breakdowns = compose(group.samples.map((s) => s.terms), preset);
      const samples: HeadlessScore[] = group.samples.map((s, k) => ({ ...s, breakdown: breakdowns[k]!, reward: breakdowns[k]!.reward }));
      return { prompt, item: item?.id ?? null, preset: presetToUrl(preset), encoders: group.encoders, ms: group.ms, samples };
    },
  };
  return hooks;
}
