"""Anchors for the GPU run, on the same machine, weights, shapes and batches as the browser page:
PyTorch CUDA eager (and PyTorch CPU) decoding with the LlamaForCausalLM rebuilt from onnx/model.onnx,
native onnxruntime CPU decoding of the fp32 and int8 graphs, the encoders' vision forward, and the
LoRA GRPO step (PEFT, the loss of training/policy/check_grpo.py, AdamW) at the train step's B × T.

    python3 anchors.py --site SITE_DIR [--new-tokens 128] [--threads 16] > anchors.json

The encoders are rebuilt from their config.json with transformers; the weights come from the ONNX
initializers whose names match (timing does not depend on them; `weights_loaded` says how many did).
"""
import argparse
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)  # the runner folder holds a copy of training/
import numpy as np  # noqa: E402
import torch  # noqa: E402
from transformers import LlamaConfig  # noqa: E402

from training.policy.bench_anchor import PROMPT, OrtDecoder  # noqa: E402
from training.policy.model import llama_from_onnx  # noqa: E402
from training.policy.tokenizer import load as load_tokenizer, prompt_text  # noqa: E402

DEVICES = ("cuda", "cpu") if torch.cuda.is_available() else ("cpu",)  # CPU only: a local dry run


def timed(fn, repeats, sync=lambda: None):
    """ms of each call after one warm-up call."""
    fn()
    sync()
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        sync()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def decode(model_dir, new_tokens, threads, repeats):
    tok = load_tokenizer(model_dir)
    ids = np.array([tok.encode(prompt_text(PROMPT)).ids], np.int64)
    cfg = LlamaConfig.from_pretrained(model_dir)
    hf = llama_from_onnx(model_dir)
    res = {"prompt": PROMPT, "prompt_tokens": int(ids.shape[1]), "new_tokens": new_tokens}
    for dev in DEVICES:
        m = hf.to(dev)
        sync = torch.cuda.synchronize if dev == "cuda" else (lambda: None)
        row = {}
        for B in (1, 8):
            x = torch.from_numpy(ids.repeat(B, 0)).to(dev)
            gen = lambda n: m.generate(x, attention_mask=torch.ones_like(x), max_new_tokens=n, min_new_tokens=n,  # noqa: E731
                                       do_sample=False, pad_token_id=cfg.pad_token_id, use_cache=True)
            with torch.no_grad():
                ms = timed(lambda: gen(new_tokens), repeats, sync)
                first = timed(lambda: gen(1), repeats, sync)
            row[f"B{B}"] = {"tok_s": round(B * new_tokens * 1000 / min(ms), 1), "first_token_ms": round(statistics.median(first), 2)}
        res[f"torch_{dev}_generate"] = row
    for variant in ("model", "model_quantized"):
        d = OrtDecoder(os.path.join(model_dir, "onnx", f"{variant}.onnx"), cfg, threads)
        res[f"ort_cpu_{variant}"] = {f"B{B}": {"tok_s": round(B * new_tokens * 1000 / min(timed(lambda: d.generate(ids.repeat(B, 0), new_tokens), repeats)), 1)} for B in (1, 8)}
    return res


def load_onnx_weights(model, path):
    """The exported encoder's weights into the transformers module it came from. Named initializers carry the
    export wrapper's prefix ('model.'); the Linear weights were folded into anonymous MatMul initializers
    ([in, out]), found here through their MatMul node's name, which spells the module's path.
    Returns 'loaded/total' and the max |Δ| of the module's output against onnxruntime's on one input."""
    import onnx
    import onnxruntime as ort
    from onnx import numpy_helper
    m = onnx.load(path)
    sd = model.state_dict()
    inits = {i.name: i for i in m.graph.initializer}
    got, used = {}, set()
    for init in m.graph.initializer:
        bare = init.name.removeprefix("model.")
        for name in (init.name, bare, bare.removeprefix("vision_model."), "vision_model." + bare):
            if name in sd and name not in got and tuple(sd[name].shape) == tuple(init.dims):
                got[name], _ = torch.from_numpy(numpy_helper.to_array(init).copy()), used.add(init.name)
                break
    for node in m.graph.node:  # '/model/encoder/layer.0/attention/q_proj/MatMul' ← encoder.layer.0.attention.q_proj.weight
        if node.op_type != "MatMul" or not node.name.startswith("/model/"):
            continue
        bare = node.name[len("/model/"):].rsplit("/", 1)[0].replace("/", ".") + ".weight"
        for x in node.input:
            for name in (bare, "vision_model." + bare):
                if x in inits and name in sd and name not in got and tuple(sd[name].shape) == tuple(inits[x].dims)[::-1]:
                    got[name] = torch.from_numpy(numpy_helper.to_array(inits[x]).T.copy())
    pos = "embeddings.position_embeddings"  # DINO: split by the export into the class row and the patch grid
    cls_pos = [inits[x] for node in m.graph.node if node.name == "/model/embeddings/Concat_6" for x in node.input if x in inits]
    grid = [inits[x] for node in m.graph.node if node.name == "/model/embeddings/Reshape_1" for x in node.input if x in inits and len(inits[x].dims) == 3]
    if pos in sd and pos not in got and cls_pos and grid:
        both = torch.cat([torch.from_numpy(numpy_helper.to_array(cls_pos[0]).copy()), torch.from_numpy(numpy_helper.to_array(grid[0]).copy())], 1)
        if tuple(both.shape) == tuple(sd[pos].shape):
            got[pos] = both
    model.load_state_dict(got, strict=False)
    x = torch.rand(2, *[d.dim_value for d in m.graph.input[0].type.tensor_type.shape.dim][1:])
    want = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {m.graph.input[0].name: x.numpy()})[1]
    with torch.no_grad():
        have = model(**{"pixel_values": x}).pooler_output.numpy()
    return f"{len(got)}/{len(sd)}", float(abs(have - want).max())


def encoders(site, runs):
    from transformers import Dinov2Config, Dinov2Model, SiglipVisionConfig, SiglipVisionModel
    out = []
    for name, make, file in (("sgp-tiny-siglip", lambda c: SiglipVisionModel(SiglipVisionConfig(**c["vision_config"])), "vision_model.onnx"),
                             ("sgp-tiny-dino", lambda c: Dinov2Model(Dinov2Config(**c)), "model.onnx")):
        folder = os.path.join(site, "models", name)
        cfg = json.load(open(os.path.join(folder, "config.json")))
        m = make(cfg).eval()
        loaded, diff = load_onnx_weights(m, os.path.join(folder, "onnx", file))
        side = (cfg.get("vision_config") or cfg)["image_size"]
        for dev in DEVICES:
            m = m.to(dev)
            sync = torch.cuda.synchronize if dev == "cuda" else (lambda: None)
            for B in (1, 8):
                x = torch.rand(B, 3, side, side, device=dev)
                with torch.no_grad():
                    ms = statistics.median(timed(lambda: m(pixel_values=x), runs, sync))
                out.append({"model": name, "engine": f"torch_{dev}", "batch": B, "images_s": round(B * 1000 / ms, 1), "ms_per_call": round(ms, 3), "weights_loaded": loaded, "max_abs_diff_vs_onnx": round(diff, 6)})
    return out


def train_step(model_dir, runs):
    from safetensors.torch import load_file
    from training.policy import check_grpo as C
    lora = load_file(os.path.join(model_dir, "lora_init.safetensors"))
    base = json.load(open(os.path.join(model_dir, "goldens", "train_step.json")))
    ids = torch.tensor(base["input_ids"])
    B, T = ids.shape
    mask = torch.zeros(B, T)
    for b, (s, e) in enumerate(base["loss_mask_rows"]):
        mask[b, s:e] = 1
    hyper = {"clip_low": 0.2, "clip_high": 0.28, "kl_beta": 0.04, "loss_denom": 0.0}
    out = {"batch": B, "seq": T}
    for dev in DEVICES:
        pm = C.peft_model(llama_from_onnx(model_dir), lora).to(dev)
        params = [p for p in pm.parameters() if p.requires_grad]
        opt = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.0)
        batch = {"input_ids": ids.to(dev), "loss_mask": mask.to(dev), "advantages": torch.randn(B, device=dev),
                 "old_logp": torch.zeros(B, T, device=dev), "ref_logp": torch.zeros(B, T, device=dev)}

        def step():
            C.peft_grads(pm, list(lora), batch, hyper)  # zero_grad, forward, GRPO loss, backward
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
        sync = torch.cuda.synchronize if dev == "cuda" else (lambda: None)
        ms = timed(step, runs if dev == "cuda" else max(2, runs // 4), sync)
        out[f"torch_{dev}"] = {"ms": [round(x, 2) for x in ms], "median_ms": round(statistics.median(ms), 2)}
    return out


def main(a):
    torch.set_num_threads(a.threads)
    model_dir = os.path.join(a.site, "models", "sgp-tiny-policy")
    r = {"torch": torch.__version__, "cuda_device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
         "threads": a.threads, "cpu_count": os.cpu_count()}
    import onnxruntime
    r["onnxruntime"] = onnxruntime.__version__
    for section, fn in (("decode", lambda: decode(model_dir, a.new_tokens, a.threads, a.repeats)),
                        ("encoders", lambda: encoders(a.site, a.runs)), ("train_step", lambda: train_step(model_dir, a.runs))):
        t0 = time.perf_counter()
        try:
            r[section] = fn()
        except Exception as e:  # one broken anchor must not hide the others
            r[section] = {"error": f"{type(e).__name__}: {str(e)[:400]}"}
        print(f"[anchors] {section} {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    return r


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--site", required=True)
    ap.add_argument("--new-tokens", type=int, default=128)
    ap.add_argument("--threads", type=int, default=min(16, os.cpu_count() or 1))
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--runs", type=int, default=10)
    print(json.dumps(main(ap.parse_args())))
