"""Build the bundled model folder from a trained checkpoint: every graph, LoRA init, checks, goldens.

    python3 training/policy/build.py --ckpt training/runs/policy/gpu2 --out public/models/sgp-tiny-policy

Then measure it (eval.sh) and write the model card. Writes checks.json (onnxruntime vs PyTorch on fixed
inputs, the train step vs PEFT and TRL) beside the graphs.
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
import torch  # noqa: E402
from safetensors.torch import save_file  # noqa: E402

from training.policy import check_grpo, export, goldens, gpu_graph, model as M, train_step as TS, verify  # noqa: E402


def main(ckpt, out):
    t0 = time.time()
    hf, paths = export.export_all(ckpt, out, "")
    cfg, w = hf.config, M.base_weights(hf)
    save_file({n: t.contiguous() for n, t in M.init_lora(cfg).items()}, os.path.join(out, "lora_init.safetensors"),
              metadata={"rank": str(M.LORA_RANK), "alpha": str(M.LORA_ALPHA), "layout": "A (in, rank), B (rank, out)"})
    export.share_weights([paths["fp32"], paths["lora"], *TS.export_graphs(w, cfg, out)])
    paths["lora_fused"] = export.export_lora_sampler(out)  # the RL sampler (train_step.json `sampler`), over the shared file
    checks = {}
    for v in ("fp32", "int8"):
        checks[f"decoder_{v}"] = verify.check_decoder(paths[v], w, cfg)
    g = torch.Generator().manual_seed(2)
    lora = {n: (t if n.endswith("A") else torch.randn(t.shape, generator=g) * 0.02) for n, t in M.init_lora(cfg).items()}
    checks["decoder_lora"] = verify.check_decoder(paths["lora"], w, cfg, lora)
    checks["decoder_lora_fused"] = verify.check_decoder(paths["lora_fused"], w, cfg, lora)
    for with_lora in (False, True):  # the WebGPU step graphs, on the shared weights file (gpu_graph.py)
        step = os.path.join(out, "onnx", "model_gpu_lora.onnx" if with_lora else "model_gpu.onnx")
        gpu_graph.onnx.save(gpu_graph.build(out, with_lora), step)
        checks["gpu_step_lora" if with_lora else "gpu_step"] = gpu_graph.check(out, step, lora=with_lora)
    checks["train_step"] = goldens.write_all(out, hf, w, cfg, lora)
    checks["seconds"] = round(time.time() - t0, 1)
    checks["sizes"] = {os.path.relpath(os.path.join(r, f), out): os.path.getsize(os.path.join(r, f))
                       for r, _, fs in os.walk(out) for f in fs}
    with open(os.path.join(out, "checks.json"), "w") as f:
        json.dump(checks, f, indent=1)
    return checks


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--out", default="public/models/sgp-tiny-policy")
    a = ap.parse_args()
    print(json.dumps(main(a.ckpt, a.out), indent=1))
