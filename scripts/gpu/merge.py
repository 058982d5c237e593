"""Merges one GPU run (OUT/page.json from the browser, OUT/anchors.json, OUT/nvidia-smi.txt) into the
results document committed under bench/gpu/, with the ratios. Every ratio is a speed ratio:
WebGPU's throughput over PyTorch CUDA eager's (tok/s, images/s, steps/s), so 1 is parity and 0.5
means WebGPU takes twice as long.

    python3 merge.py OUT_DIR            # the JSON document
    python3 merge.py OUT_DIR --table    # the README's markdown table of the same figures
"""
import json
import os
import sys


def load(path, default=None):
    try:
        return json.load(open(path))
    except (OSError, ValueError):
        return default


def ratio(a, b):
    return round(a / b, 3) if a and b else None


def merge(out):
    page = load(os.path.join(out, "page.json"), {})
    anchors = load(os.path.join(out, "anchors.json"), {})
    smi = (open(os.path.join(out, "nvidia-smi.txt")).read().strip().split(", ") + ["", ""])[:3] if os.path.exists(os.path.join(out, "nvidia-smi.txt")) else ["", "", ""]
    dev = page.get("device", "webgpu")
    decode = {(r["variant"], r["device"], r["batch"]): r for r in page.get("decode", []) if not r.get("error")}
    enc = {(r["model"], r["variant"], r["device"], r["batch"]): r for r in page.get("encoders", []) if not r.get("error")}
    train = {(r["graph"], r["device"]): r for r in page.get("train", []) if not r.get("error")}
    a_dec = anchors.get("decode", {})
    a_enc = {(r["model"], r["engine"], r["batch"]): r for r in anchors.get("encoders", []) if isinstance(r, dict)}
    a_train = anchors.get("train_step", {})
    cuda_dec = a_dec.get("torch_cuda_generate", {})
    ratios = {
        "webgpu_decode_vs_torch_cuda": {f"{v}_B{b}": ratio(decode.get((v, dev, b), {}).get("tok_s"), cuda_dec.get(f"B{b}", {}).get("tok_s"))
                                        for v in ("model", "model+step", "model_quantized") for b in (1, 8)},
        "webgpu_train_step_vs_torch_cuda": ratio(a_train.get("torch_cuda", {}).get("median_ms"), train.get(("train_step.onnx", dev), {}).get("median_ms")),
        # the learner's step as the app runs it (the golden batch packed, captured on WebGPU) against PEFT's on the padded batch
        "webgpu_learner_step_vs_torch_cuda": {("captured" if x["captured"] else "uncaptured"): ratio(a_train.get("torch_cuda", {}).get("median_ms"), x.get("median_ms"))
                                              for x in page.get("learner", []) if not x.get("error") and x.get("device") == "webgpu"},
        "webgpu_encoder_vs_torch_cuda": {f"{m}_{v}_B{b}": ratio(enc.get((m, v, dev, b), {}).get("images_s"), a_enc.get((m, "torch_cuda", b), {}).get("images_s"))
                                         for m in ("sgp-tiny-siglip", "sgp-tiny-dino") for v in ("fp32", "quantized") for b in (1, 8)},
    }
    checks = page.get("checks", [])
    return {
        "date": page.get("date"), "gpu": smi[0], "driver": smi[1], "gpu_memory": smi[2],
        "browser": page.get("user_agent"), "adapter": page.get("adapter"), "ml_device": page.get("ml_device"),
        "device": dev, "params": page.get("params"), "page_stage": page.get("stage"), "page_error": page.get("error"),
        "checks_passed": f"{sum(1 for c in checks if c.get('ok'))}/{len(checks)}", "checks": checks,
        "decode": page.get("decode"), "encoders": page.get("encoders"), "train": page.get("train"), "learner": page.get("learner"), "rl": page.get("rl"),
        "anchors": anchors, "ratios": ratios,
        "ratio_meaning": "WebGPU throughput / PyTorch CUDA eager throughput on the same machine (1 = parity, < 1 = slower)",
    }


def table(r):
    a = r["anchors"]
    dec = {(x["variant"], x["device"], x["batch"]): x for x in r.get("decode") or [] if not x.get("error")}
    rows = ["| engine | tok/s B=1 | tok/s B=8 | first token ms B=1 |", "|---|---|---|---|"]
    for (v, d) in sorted({(k[0], k[1]) for k in dec}):
        rows.append(f"| app sampler, {d}, {v} | {dec.get((v, d, 1), {}).get('tok_s')} | {dec.get((v, d, 8), {}).get('tok_s')} | {dec.get((v, d, 1), {}).get('first_token_ms')} |")
    ad = a.get("decode", {})
    for k in ("torch_cuda_generate", "torch_cpu_generate", "ort_cpu_model", "ort_cpu_model_quantized"):
        if k in ad:
            rows.append(f"| {k} | {ad[k]['B1']['tok_s']} | {ad[k]['B8']['tok_s']} | {ad[k]['B1'].get('first_token_ms', '')} |")
    rows += ["", "| train step (B×T from train_step.json) | median ms |", "|---|---|"]
    for t in r.get("train") or []:
        rows.append(f"| {t['graph']} on {t['device']} | {t.get('median_ms')} (first {t.get('first_ms')}) |")
    for t in r.get("learner") or []:
        rows.append(f"| learner step (golden batch, {t.get('slots')}×{t.get('seq')} packed) on {t['device']}{', captured' if t.get('captured') else ''} | {t.get('median_ms')} (first {t.get('first_ms')}){' ' + t['error'] if t.get('error') else ''} |")
    for k in ("torch_cuda", "torch_cpu"):
        if k in a.get("train_step", {}):
            rows.append(f"| PEFT LoRA GRPO step, {k} | {a['train_step'][k]['median_ms']} |")
    rows += ["", "| GRPO iteration, 1 prompt × 8 samples | sample | render | score | train | total ms |", "|---|---|---|---|---|---|"]
    for g in r.get("rl") or []:
        if not g.get("error"):
            m = g["ms"]
            rows.append(f"| {g['backend']} (sampler {g.get('sampler', g['backend'])}), step {g['step']} | {m.get('sample')} | {m.get('render')} | {m.get('score')} | {m.get('train')} | {m.get('total')} |")
    rows += ["", "| encoder | images/s B=1 | images/s B=8 |", "|---|---|---|"]
    enc = {}
    for e in (r.get("encoders") or []):
        enc.setdefault((e["model"], f"{e['device']} {e['variant']}"), {})[e["batch"]] = e["images_s"]
    for e in a.get("encoders", []) if isinstance(a.get("encoders"), list) else []:
        enc.setdefault((e["model"], e["engine"]), {})[e["batch"]] = e["images_s"]
    for (m, eng), v in enc.items():
        rows.append(f"| {m}, {eng} | {v.get(1)} | {v.get(8)} |")
    return "\n".join(rows)


if __name__ == "__main__":
    res = merge(sys.argv[1])
    print(table(res) if "--table" in sys.argv else json.dumps(res, indent=1))
