"""Write the model card (README.md of the model folder) from the measured files, so the card cannot
drift from them: config.json, checks.json (build.py), variants.json (the variant comparison), the eval
metrics (eval.sh) and the training logs.

    python3 training/policy/card.py --model public/models/sgp-tiny-policy \\
        --metrics training/runs/policy/eval/metrics.json --logs training/runs/policy/gpu1.train.log,...
    python3 training/policy/card.py --variants-only   # rewrite only the variants table (no logs needed)
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from training.policy.model import LORA_ALPHA, LORA_RANK, LORA_TARGETS  # noqa: E402
from training.policy.train_step import BATCH, SEQ  # noqa: E402


def mb(n):
    return f"{n / 1e6:.1f} MB"


def last(log, msg):
    rows = [json.loads(x) for x in open(log) if x.startswith("{")]
    return [r for r in rows if r.get("msg") == msg][-1]


def metrics_table(metrics):
    rows = ["| file | split | temp | n | valid | score | pass (=1) | object | scene | compositional | chars | tokens |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for f, m in metrics.items():
        name = os.path.basename(f).replace(".jsonl", "")
        split, temp = name.split(".")[0], name.split(".")[1][1:]
        variant = name.split(".")[2] if name.count(".") >= 2 else "model (fp32)"
        bs = m["by_split"]
        cell = lambda k: f"{bs[k]['score']:.3f}" if k in bs else "–"  # noqa: E731
        rows.append(f"| {variant} | {split} | {temp} | {m['n']} | {m['valid']:.3f} | {m['score']:.3f} | {m['pass']:.3f} | "
                    f"{cell('object')} | {cell('scene')} | {cell('compositional')} | {m['chars']:.0f} | {m['tokens']:.0f} |")
    return "\n".join(rows)


def category_table(metrics):
    keys = [k for k in metrics if ".t1." in os.path.basename(k)]
    cats = sorted({c for k in keys for c in metrics[k]["by_category"]})
    rows = ["| category | " + " | ".join(os.path.basename(k)[:-6] for k in keys) + " |", "|---|" + "---|" * len(keys)]
    for c in cats:
        rows.append(f"| {c} | " + " | ".join(f"{metrics[k]['by_category'][c]['score']:.3f} (n={metrics[k]['by_category'][c]['n']})"
                                            if c in metrics[k]["by_category"] else "–" for k in keys) + " |")
    return "\n".join(rows)


VARIANTS_START, VARIANTS_END = "<!-- variants:start -->", "<!-- variants:end -->"


def variants_table(v):
    """variant × size × tok/s (Chromium WASM, Node WASM) × valid × verifier score, from variants.json."""
    rows = [VARIANTS_START,
            "| variant | file | size | Chromium WASM tok/s B=1 / B=8 (per CPU-s) | Node WASM tok per CPU-s B=1 / B=8 | "
            "argmax agree / max Δlogit | valid val / held-out | score val / held-out | kept? |",
            "|---|---|---|---|---|---|---|---|---|"]
    two = lambda r, k, f: " / ".join(f.format(r[s][k]) if s in r else "–" for s in ("val", "heldout"))  # noqa: E731

    def speeds(r, key):
        x = r.get(key, {})
        return f"{x.get('B1', '–')} / {x.get('B8', '–')}" if x else "–"

    for r in v["variants"]:
        agree = f"{r['argmax_agree']:.3f} / {r['max_dlogit']:.1f}" if "argmax_agree" in r else "–"
        chromium = speeds(r, "chromium_tok_s")
        if "chromium_tok_per_cpu_s" in r:
            chromium += f" ({speeds(r, 'chromium_tok_per_cpu_s')})"
        node = speeds(r, "wasm_tok_s") if "wasm_tok_s" in r else speeds(r, "wasm_tok_s_earlier_run")
        rows.append(f"| {r['name']} | `{r['file']}` | {mb(r['bytes'])} | {chromium} | {node} | "
                    f"{agree} | {two(r, 'valid', '{:.3f}')} | {two(r, 'score', '{:.3f}')} | {r['kept']} |")
    return "\n".join(rows + ["", v["note"], VARIANTS_END])


def write_variants_only(model_dir):
    """Replace the variants table of an existing card (the training logs need not be at hand)."""
    path = os.path.join(model_dir, "README.md")
    text = open(path).read()
    a, b = text.index(VARIANTS_START), text.index(VARIANTS_END) + len(VARIANTS_END)
    table = variants_table(json.load(open(os.path.join(model_dir, "variants.json"))))
    with open(path, "w") as f:
        f.write(text[:a] + table + text[b:])


def main(model_dir, metrics_path, logs, template):
    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    checks = json.load(open(os.path.join(model_dir, "checks.json")))
    metrics = json.load(open(metrics_path))
    sizes = checks["sizes"]
    params, runs = 0, []
    for i, log in enumerate(logs):
        d, m = last(log, "done"), last(log, "model")
        params = m["params"]
        runs.append(f"| {i + 1} | {m['config'].get('init_from') or 'random init'} | {d['step']} | {d['elapsed']:.0f} s | "
                    f"{m['config']['lr']:g} → {m['config']['min_lr']:g} | {m['config']['batch_tokens']} | {d['val_loss']:.4f} |")
    default = sum(v for k, v in sizes.items() if k == "onnx/model_quantized.onnx" or "/" not in k and k != "checks.json")
    total = sum(sizes.values())
    ts = checks["train_step"]
    fill = {
        "PARAMS": f"{params / 1e6:.2f} M", "LAYERS": cfg["num_hidden_layers"], "D": cfg["hidden_size"],
        "HEADS": cfg["num_attention_heads"], "FFN": cfg["intermediate_size"], "VOCAB": cfg["vocab_size"],
        "MAXPOS": cfg["max_position_embeddings"], "RUNS": "\n".join(runs), "METRICS": metrics_table(metrics),
        "CATEGORIES": category_table(metrics),
        "VARIANTS": variants_table(json.load(open(os.path.join(model_dir, "variants.json")))), "DEFAULT_SIZE": mb(default), "TOTAL_SIZE": mb(total),
        "SIZES": "\n".join(f"| `{k}` | {mb(v)} |" for k, v in sorted(sizes.items()) if v > 100_000),
        "CHECKS": "\n".join(f"| {k} | {v['max_abs']:.2e} | {v['argmax_agree']:.3f} |" for k, v in checks.items()
                            if isinstance(v, dict) and "max_abs" in v),
        "TS_GRAPH": f"{ts['graph_loss']:.8f}", "TS_PEFT": f"{ts['peft_loss']:.8f}", "TS_TRL": f"{ts['trl_loss']:.8f}",
        "TS_GRAD": f"{ts['grad_rel_err']:.1e}", "TS_MS": ts["ms_cpu_step"], "B": BATCH, "T": SEQ,
        "TS_KL": f"{ts['graph_kl']:.6f} / {ts['trl_kl']:.6f}", "TS_CLIP": f"{ts['graph_clip_frac']:.4f} / {ts['trl_clip_frac']:.4f}",
        "TS_ENT": f"{ts['graph_entropy']:.5f} / {ts['trl_entropy']:.5f}",
        "RANK": LORA_RANK, "ALPHA": LORA_ALPHA, "TARGETS": ", ".join(f"`{t}`" for t in LORA_TARGETS),
    }
    text = open(template).read()
    for k, v in fill.items():
        text = text.replace("{{" + k + "}}", str(v))
    with open(os.path.join(model_dir, "README.md"), "w") as f:
        f.write(text)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="public/models/sgp-tiny-policy")
    ap.add_argument("--metrics", default="training/runs/policy/eval/metrics.json")
    ap.add_argument("--logs", default="", help="comma-separated train.log files, in run order")
    ap.add_argument("--variants-only", action="store_true", help="rewrite only the variants table")
    ap.add_argument("--template", default=os.path.join(os.path.dirname(__file__), "card.md"))
    a = ap.parse_args()
    if a.variants_only:
        write_variants_only(a.model)
    elif not a.logs:
        ap.error("--logs is required unless --variants-only")
    else:
        main(a.model, a.metrics, a.logs.split(","), a.template)
