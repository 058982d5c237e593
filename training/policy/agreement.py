"""Logits of quantized decoder variants against fp32 on the policy's own programs (the card's "argmax agree /
max Δlogit" column).

    python3 training/policy/agreement.py --model public/models/sgp-tiny-policy --data <world:export dir> \\
        onnx/model_quantized.onnx [more variants]

fp32 (onnx/model.onnx) writes greedy programs for the first --n val prompts; each variant then reads
prompt + program in one pass (teacher forcing), and the share of positions whose argmax equals fp32's and
the largest |Δlogit| are printed, one JSON line per variant. Unlike checks.json (random token ids), this
measures the inputs the model meets in use.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
import numpy as np  # noqa: E402

from training.common.corpus import load_records  # noqa: E402
from training.policy.sample import OrtPolicy  # noqa: E402
from training.policy.tokenizer import prompt_text  # noqa: E402


def full_logits(pol, seq):
    ids = np.array([seq], np.int64)
    feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids), "position_ids": np.arange(len(seq))[None],
             **pol.empty_past(1)}
    return pol.step(feeds)["logits"][0]


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="public/models/sgp-tiny-policy")
    ap.add_argument("--data", required=True, help="a world:export folder with corpus.val.jsonl.gz")
    ap.add_argument("--n", type=int, default=48)
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    ref = OrtPolicy(a.model)
    recs = load_records(a.data, "val", a.n)
    out, _ = ref.generate_ids([r["prompt"] for r in recs], 0.0, 300)
    seqs = [ref.tok.encode(prompt_text(r["prompt"])).ids + o for r, o in zip(recs, out)]
    base = [full_logits(ref, s) for s in seqs]
    for f in a.files:
        pol = OrtPolicy(a.model, f)
        agree = total = 0
        worst = 0.0
        for s, b in zip(seqs, base):
            lg = full_logits(pol, s)
            agree += int((lg.argmax(-1) == b.argmax(-1)).sum())
            total += len(s)
            worst = max(worst, float(np.abs(lg - b).max()))
        print(json.dumps({"file": f, "n_programs": len(seqs), "positions": total,
                          "argmax_agree": round(agree / total, 4), "max_dlogit": round(worst, 3)}), flush=True)
