"""CPU anchors for `npm run bench`: PyTorch `generate` and native onnxruntime on the bundled policy's weights.

    python3 training/policy/bench_anchor.py --model public/models/sgp-tiny-policy --variant model_quantized \\
        --batch 1,8 --new-tokens 200 --threads 2 --json

(a) Rebuilds `LlamaForCausalLM` from the initializers of onnx/model.onnx (its MatMul weights are stored
[in, out]: transposed back; lm_head is tied to the embedding), checks that its logits match onnxruntime's
on a prompt, then times greedy `generate` with the KV cache.
(b) Times native onnxruntime (CPUExecutionProvider) on onnx/model.onnx and on onnx/<variant>.onnx with
the decode loop the app runs: one prefill of the prompt, then one token per step, present.* fed back as
past_key_values.*.

Every row generates exactly --new-tokens tokens (eos is not allowed to end it early); tok/s = batch ×
new tokens / seconds of the whole generation (prefill included: the prompt is ~15 tokens). Each figure
is the best of --repeats runs after one warm-up run, since the machine is shared. Prints one JSON object (indented unless --json).
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402
import torch  # noqa: E402
from transformers import LlamaConfig  # noqa: E402

from training.policy.fused import open_session  # noqa: E402
from training.policy.model import llama_from_onnx  # noqa: E402
from training.policy.tokenizer import load as load_tokenizer, prompt_text  # noqa: E402

PROMPT = "a red circle above a blue square"
LOGIT_TOL = 1e-3  # fp32 both sides; the graph and PyTorch order their sums differently


class OrtDecoder:
    def __init__(self, path, cfg, threads):
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        self.sess = open_session(path, so)  # fused graphs keep their cache outside: numpy appends it
        self.outs = [o.name for o in self.sess.get_outputs()]
        self.L, self.H = cfg.num_hidden_layers, cfg.num_key_value_heads
        self.hd = cfg.hidden_size // cfg.num_attention_heads

    def logits(self, ids):
        return self.run(ids, np.ones_like(ids), np.arange(ids.shape[1])[None].repeat(len(ids), 0), self.empty(len(ids)))[0]

    def empty(self, B):
        z = np.zeros((B, self.H, 0, self.hd), np.float32)
        return {f"past_key_values.{i}.{kv}": z for i in range(self.L) for kv in ("key", "value")}

    def run(self, ids, am, pos, past):
        return self.sess.run(self.outs, {"input_ids": ids, "attention_mask": am, "position_ids": pos, **past})

    def generate(self, ids, new_tokens):
        B, P = ids.shape
        am, pos, past, out = np.ones_like(ids), np.arange(P)[None].repeat(B, 0), self.empty(B), []
        for _ in range(new_tokens):
            res = self.run(ids, am, pos, past)
            ids = res[0][:, -1].argmax(-1)[:, None].astype(np.int64)
            out.append(ids)
            am = np.ones((B, am.shape[1] + 1), np.int64)
            pos = pos[:, -1:] + 1
            past = {"past_key_values." + k[len("present."):]: v for k, v in zip(self.outs[1:], res[1:])}
        return np.concatenate(out, 1)


def best_tok_s(fn, B, new_tokens, repeats):
    fn()  # warm-up: the first call pays for allocations and (PyTorch) generation-config setup
    best = 0.0
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t0
        assert out.shape == (B, new_tokens), f"generated {tuple(out.shape)}, expected {(B, new_tokens)}"
        best = max(best, B * new_tokens / dt)
    return round(best, 1)


def main(a):
    torch.set_num_threads(a.threads)
    tok = load_tokenizer(a.model)
    prompt = tok.encode(prompt_text(PROMPT)).ids
    cfg = LlamaConfig.from_pretrained(a.model)
    hf = llama_from_onnx(a.model)
    files = {"model": os.path.join(a.model, "onnx", "model.onnx")}
    for v in a.variant.split(","):
        if v and v != "model":
            files[v] = os.path.join(a.model, "onnx", f"{v}.onnx")
    ort_dec = {k: OrtDecoder(p, cfg, a.threads) for k, p in files.items()}

    ids = np.array([prompt], np.int64)
    with torch.no_grad():
        ref = hf(torch.from_numpy(ids)).logits.numpy()
    diff = {k: float(np.abs(d.logits(ids) - ref).max()) for k, d in ort_dec.items()}
    if diff["model"] > LOGIT_TOL:
        raise SystemExit(f"rebuilt LlamaForCausalLM differs from onnxruntime on model.onnx: max |Δlogit| "
                         f"{diff['model']:.2e} > {LOGIT_TOL}")

    report = {"prompt": PROMPT, "prompt_tokens": len(prompt), "new_tokens": a.new_tokens, "threads": a.threads,
              "repeats": a.repeats, "torch": torch.__version__, "onnxruntime": ort.__version__,
              "max_abs_logit_vs_torch": {k: round(v, 6) for k, v in diff.items()},
              "torch_cpu_generate": {}, "ort_cpu": {k: {} for k in files}}
    for B in map(int, a.batch.split(",")):
        x = torch.from_numpy(ids.repeat(B, 0))
        gen = lambda: hf.generate(x, attention_mask=torch.ones_like(x), max_new_tokens=a.new_tokens,  # noqa: E731
                                  min_new_tokens=a.new_tokens, do_sample=False, pad_token_id=cfg.pad_token_id,
                                  use_cache=True)[:, x.shape[1]:]
        with torch.no_grad():
            report["torch_cpu_generate"][f"B{B}_tok_s"] = best_tok_s(gen, B, a.new_tokens, a.repeats)
        for k, d in ort_dec.items():
            report["ort_cpu"][k][f"B{B}_tok_s"] = best_tok_s(lambda: d.generate(ids.repeat(B, 0), a.new_tokens),
                                                            B, a.new_tokens, a.repeats)
    return report


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="public/models/sgp-tiny-policy")
    ap.add_argument("--variant", default="model_quantized",
                    help="onnx/<NAME>.onnx timed beside onnx/model.onnx (fp32); comma-separate several")
    ap.add_argument("--batch", default="1,8")
    ap.add_argument("--new-tokens", type=int, default=200)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--json", action="store_true", help="one line of JSON (for scripts/bench.ts)")
    args = ap.parse_args()
    r = main(args)
    print(json.dumps(r) if args.json else json.dumps(r, indent=1))
