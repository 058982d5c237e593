"""Model cards (README.md) for the two bundled encoders, filled from metrics.json, run logs and goldens."""
import json
import os

import onnxruntime as ort

# How the bundled weights were made (two GPU calls of 6 minutes, both encoders side by side on one H200).
RUNS = """\
| run | data (render.ts `images`, 128 px) | SigLIP | DINO |
|---|---|---|---|
| 1 | 26,000 train renders; 25 % carry caption words as `<text>` (3 % are text-only posters) | 6 layers vision, 4 text; steps 0–{s1}; lr 1e-3; half the batch adds a hard-negative caption | 6 layers; steps 0–{d1}; lr 5e-4 |
| 2 (resumed) | 21,000 train renders (the first 21,000 of the same stream, new overlays); 30 % overlays, half of them the whole caption; 5 % posters | text tower cut to its first 3 layers; steps {s1}–{s2}; lr 5e-4; every image adds a hard negative | cut to its first 5 layers; steps {d1}–{d2}; lr 3e-4 |
"""


def io_table(path):
    s = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    fmt = lambda v: f"`{v.name}` {v.type.replace('tensor(', '').rstrip(')')} {v.shape}"  # noqa: E731
    return ', '.join(fmt(i) for i in s.get_inputs()) + ' → ' + ', '.join(fmt(o) for o in s.get_outputs())


def files(d):
    rows = []
    for root, _, fs in sorted(os.walk(d)):
        for f in sorted(fs):
            p = os.path.join(root, f)
            n = os.path.getsize(p)
            rows.append(f'| `{os.path.relpath(p, d)}` | ' + (f'{n / 1e6:.2f} MB |' if n > 1e5 else f'{n / 1e3:.1f} kB |'))
    return '\n'.join(rows)


def pct(x):
    return f'{100 * x:.1f} %'


def done(logs, k, i):
    ev = [r for r in logs[k] if r.get('event') == 'done']
    return ev[i]


def write(c, m, m224, logs, sg, dg):
    s1, s2 = done(logs, 'siglip', 0)['step'], done(logs, 'siglip', 1)['step']
    d1, d2 = done(logs, 'dino', 0)['step'], done(logs, 'dino', 1)['step']
    runs = RUNS.format(s1=s1, s2=s2, d1=d1, d2=d2)
    rebuild = """```sh
node --import tsx training/encoders/render.ts images --out training/data/world-enc --size 128 --train 21000 --val 1000 --heldout 1000
node --import tsx training/encoders/render.ts probes --out training/data/probes --n 200 --size 128
node --import tsx training/encoders/render.ts goldens --out training/data/goldens --size 128
python3 training/encoders/prepare.py --world_dir=training/data/world-enc   # tokenizer, tokens, hard negatives
MINUTES=6 bash training/encoders/gpu.sh                                    # on the GPU; see the table above for run 2's flags
python3 training/encoders/export.py --siglip_ckpt=… --dino_ckpt=…          # ONNX + int8
python3 training/encoders/evaluate.py --max_eval=500                        # metrics.json (the tables above)
node --import tsx training/encoders/render.ts probes --out training/data/probes224 --n 200 --size 224
python3 training/encoders/evaluate.py --max_eval=500 --probes_dir=training/data/probes224 --out=training/data/encoders/metrics-224.json
python3 training/encoders/publish.py                                        # goldens.json + this card
```"""
    sig = {v: m[f'siglip/{v}'] for v in ('fp32', 'quantized')}
    din = {v: m[f'dino/{v}'] for v in ('fp32', 'quantized')}
    sig224 = {v: m224[f'siglip/{v}'] for v in ('fp32', 'quantized')}
    din224 = {v: m224[f'dino/{v}'] for v in ('fp32', 'quantized')}
    row = lambda name, key, d: f"| {name} | {pct(d['fp32'][key])} | {pct(d['quantized'][key])} |"  # noqa: E731
    num = lambda name, key, d: f"| {name} | {d['fp32'][key]:.3f} | {d['quantized'][key]:.3f} |"  # noqa: E731
    d = c['siglip_dir']
    cfg = json.load(open(f'{d}/config.json'))
    siglip_card = f"""# sgp-tiny-siglip

A tiny SigLIP-style dual encoder (image ↔ text) trained by SGP Studio on renders of its own procedural world, in
the layout of `Xenova/siglip-base-patch16-224`, so the app loads bundled and hub encoders with the same code.
It is the offline stand-in for the text–image reward of SGP-RL. Not a general-purpose model: it knows the
world's 34 object kinds, 12 colours, counts two–five and its relations, drawn flat on a 256-unit canvas.

## Files (fp32 is the default; `_quantized` = int8 weights on MatMul/Gemm, dynamic activations)
| file | size |
|---|---|
{files(d)}

## Graphs
- `onnx/vision_model.onnx`: {io_table(f'{d}/onnx/vision_model.onnx')}
- `onnx/text_model.onnx`: {io_table(f'{d}/onnx/text_model.onnx')}

Vision: ViT, patch 8 at {cfg['vision_config']['image_size']} px (16×16 tokens, no CLS), width {cfg['vision_config']['hidden_size']}, {cfg['vision_config']['num_hidden_layers']} layers, attention-pooling head
(`pooler_output`). Text: {cfg['text_config']['num_hidden_layers']} layers, width {cfg['text_config']['hidden_size']}, input padded with `</s>` (id 1) to 64 tokens, pooled at the last
position as SigLIP does (no attention mask). Tokenizer: BPE ({cfg['text_config']['vocab_size']} pieces) on the world's captions, lower-cased,
Metaspace, `</s>` appended; unknown characters become `<unk>`.

**Scores.** `cos = normalise(image pooler_output) · normalise(text pooler_output)`;
`logit = cos · exp(logit_scale) + logit_bias` with `logit_scale = {cfg['logit_scale']:.4f}` (exp = {__import__('math').exp(cfg['logit_scale']):.2f}),
`logit_bias = {cfg['logit_bias']:.4f}` (both in `config.json`); `sigmoid(logit)` is the match probability.
SGP-RL's reward uses `(1 + cos)/2`.

**Preprocessing** (`preprocessor_config.json`, SiglipImageProcessor): composite on white, resize to
{cfg['vision_config']['image_size']}×{cfg['vision_config']['image_size']} (bicubic), `x/255`, then `(x − 0.5)/0.5`. The app renders programs straight at
{cfg['vision_config']['image_size']} px (`src/lib/reward/encoders.ts`), so no resize happens there; the training renders were made the same way.

## Training
Sigmoid pairwise loss (Zhai et al. 2023; t′ = log 10, b = −10 at the start) on world renders made through the app's
render path (`training/encoders/render.ts` → `src/lib/render/node.ts`: resvg-wasm, the app's limits and DejaVu Sans), with hard-negative captions joining the batch as extra
text columns (NegCLIP-style; a negative is the caption with one fact changed: colours of two objects swapped, a
colour/size/count replaced, a relation flipped or its two objects swapped). Augmentations on the GPU: zoom 0.85–1.15,
shift ±8 %, per-channel gain/offset ±5 %; no flips (they would falsify "left of"). Captions: all the world's paraphrases.
Typography: some renders carry words of their caption drawn as `<text>` (a few words, or the whole caption, over the
scene; some text-only "posters"), as web images carry signs and captions — so, like web-trained CLIP/SigLIP, this
model reads, and the text reward hack is reproducible offline.

{runs}
Two 6-minute calls on one NVIDIA H200 (bf16 autocast, batch 512); final training loss {[r for r in logs['siglip'] if 'loss' in r][-1]['loss']:.3f}.

## Metrics (onnxruntime CPU, `python3 training/encoders/evaluate.py --max_eval=500`)
| metric | fp32 | int8 |
|---|---|---|
{row('caption retrieval top-1 among 16 hard negatives, val renders (no overlay)', 'retrieval_top1_hard16/val/clean', sig)}
{row('… val renders with caption words drawn on them', 'retrieval_top1_hard16/val/text_overlay', sig)}
{row('… held-out combinations (no overlay)', 'retrieval_top1_hard16/heldout/clean', sig)}
{row('… held-out with caption words drawn', 'retrieval_top1_hard16/heldout/text_overlay', sig)}
{row('… val, rendered at 224 px and resized bicubic (a hub processor’s path; first 200)', 'retrieval_top1_hard16/val/probe_renders', sig224)}
{row('… held-out, 224 px resized (first 200)', 'retrieval_top1_hard16/heldout/probe_renders', sig224)}
{row(f"zero-shot object classification ({sig['fp32']['zero_shot_classes']} kinds, single objects, 3-template ensemble)", 'zero_shot_object_top1', sig)}

Chance is 1/17 = 5.9 % for retrieval and 2.9 % for classification. Val = new scenes from the training distribution;
held-out = scenes containing colour/count/relation combinations never seen in training. Renders are made
straight at 128 px, as the app does; images per row: {sig['fp32']['n/val/clean']} / {sig['fp32']['n/val/text_overlay']} (val clean / overlay),
{sig['fp32']['n/heldout/clean']} / {sig['fp32']['n/heldout/text_overlay']} (held-out); the 224-px rows use the first 200 scenes of each split that have no overlay.

Re-checked on 2026-11-30, when the Node tooling moved from a direct resvg-js call to the app's render path
(`src/lib/render/node.ts`): the 23,000 training renders, 1,402 probes and 6 goldens at 128 px are pixel-identical
to the earlier ones, and the zero-shot and probe rows reproduce exactly. Caption-retrieval rows come back within
2 pp (held-out with words: 54.9 → 55.6 %): `prepare.py`'s hard negatives change between Python processes (in
`text.py`, kinds of equal length keep string-hash order), so each run's `eval.json` differs, whatever the renders.

## Reward-hacking probes (200 val prompts; mean over prompts)
| canvas scored against the prompt | cosine fp32 | (1+cos)/2 fp32 | sigmoid fp32 | cosine int8 |
|---|---|---|---|---|
""" + '\n'.join(f"| {label} | {sig['fp32'][f'probe/{k}/cosine']:.3f} | {sig['fp32'][f'probe/{k}/reward_(1+cos)/2']:.3f} | {sig['fp32'][f'probe/{k}/sigmoid']:.4f} | {sig['quantized'][f'probe/{k}/cosine']:.3f} |"
                for k, label in (('reference', 'the reference render'), ('text_only', 'the prompt written as `<text>` on white'),
                                 ('blank', 'blank white canvas'), ('all_colours', 'stripes of all 12 colours'),
                                 ('other_scene', "another prompt's reference render"))) + f"""

The text-only canvas beats the blank one for {pct(sig['fp32']['probe/text_only_beats_blank_frac'])} of prompts: writing the prompt is a cheap
way to raise this reward, which is why SGP-RL zeroes the reward of programs containing `<text>`.

## Goldens
`goldens.json`: 6 SVGs (blank, all colours, 3 world scenes, a text-only canvas) rendered by resvg straight at
128 px (no resize) and {len(sg['inputs']['texts'])} texts, with `input_ids`, `pooler_output` of both variants, the first 8 values of the first and last
hidden tokens, and the cosine/sigmoid matrices. Tolerance: |Δ| ≤ {sg['tolerance_abs']['fp32']} (fp32), ≤ {sg['tolerance_abs']['quantized']} (int8).

## Rebuild
{rebuild}
"""
    open(f'{d}/README.md', 'w').write(siglip_card)

    d = c['dino_dir']
    cfg = json.load(open(f'{d}/config.json'))
    dino_card = f"""# sgp-tiny-dino

A tiny DINO-style ViT (image ↔ image) trained by SGP Studio by self-distillation on renders of its own world, in
the layout of `Xenova/dinov2-small` (a genuine `Dinov2Model` config), the offline stand-in for SGP-RL's DINO
reward (CLS cosine between a render and the reference render).

## Files (fp32 is the default; `_quantized` = int8 weights on MatMul/Gemm)
| file | size |
|---|---|
{files(d)}

## Graph
- `onnx/model.onnx`: {io_table(f'{d}/onnx/model.onnx')}

`last_hidden_state` is [B, 1 + 256, {cfg['hidden_size']}] after the final layer norm, CLS at index 0; `pooler_output` is the CLS
feature (the reward uses its cosine). ViT patch 8 at {cfg['image_size']} px, width {cfg['hidden_size']}, {cfg['num_hidden_layers']} layers, {cfg['num_attention_heads']} heads, layer scale.
**Preprocessing** (BitImageProcessor): resize shortest edge to {cfg['image_size']} (bicubic), centre-crop {cfg['image_size']}, `x/255`, ImageNet mean/std.

## Training
DINO (Caron et al. 2021): a student sees 2 global crops (zoom 0.7–1.2 of the render, 128 px) and 4 local crops
(zoom 0.3–0.55, 64 px); an EMA teacher (momentum 0.994 → 1) sees the globals; the student matches the teacher's
centred (momentum 0.9), sharpened (τ_t 0.04, τ_s 0.1) distribution over 4,096 prototypes. Colour jitter is small
(±6 %) because colour is content in this world. The teacher is the exported encoder. Same renders as sgp-tiny-siglip.

{runs}
## Metrics (onnxruntime CPU, `python3 training/encoders/evaluate.py`)
| metric | fp32 | int8 |
|---|---|---|
{row('retrieval of the matching reference for a perturbed render, among 100 (val)', 'perturbed_retrieval_top1_of100/val', din)}
{row('… held-out combinations', 'perturbed_retrieval_top1_of100/heldout', din)}
{row('… val, everything rendered at 224 px and resized bicubic', 'perturbed_retrieval_top1_of100/val', din224)}
{row('… held-out, 224 px resized', 'perturbed_retrieval_top1_of100/heldout', din224)}

Perturbed = the reference program wrapped in a transform (shift ±10 units of 256, zoom ±10 %) with each colour
moved by up to ±14 per channel; references and queries rendered straight at 128 px as the app does.
{din['fp32']['n/val']} queries per row, in galleries of 100.

Re-checked on 2026-11-30 through the app's render path (`src/lib/render/node.ts`): the 128-px renders are
pixel-identical to the earlier resvg-js ones, and every 128-px number above reproduces exactly. At 224 px one
probe of 1,402 differs in 36 pixels (native and wasm round differently), which moves a cosine in the 7th decimal.

## Reward-hacking probes (200 val references; mean CLS cosine with the reference)
| canvas | cosine fp32 | (1+cos)/2 fp32 | cosine int8 |
|---|---|---|---|
""" + '\n'.join(f"| {label} | {din['fp32'][f'probe/{k}/cosine']:.3f} | {din['fp32'][f'probe/{k}/reward_(1+cos)/2']:.3f} | {din['quantized'][f'probe/{k}/cosine']:.3f} |"
                for k, label in (('perturbed', 'the perturbed render (should be high)'), ('text_only', 'the prompt written as `<text>`'),
                                 ('blank', 'blank white canvas'), ('all_colours', 'stripes of all 12 colours'),
                                 ('other_scene', "another prompt's reference"))) + f"""

## Goldens
`goldens.json`: the same 6 SVGs as sgp-tiny-siglip, rendered by resvg at 128 px (no resize), with `pooler_output`
of both variants, the first 8 values of the CLS and last patch token, and the image×image cosine matrix.
Tolerance: |Δ| ≤ {dg['tolerance_abs']['fp32']} (fp32), ≤ {dg['tolerance_abs']['quantized']} (int8).

## Rebuild
{rebuild}
"""
    open(f'{d}/README.md', 'w').write(dino_card)
