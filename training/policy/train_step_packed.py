"""The packed GRPO step: train_step.py's step with dynamic shapes, on a group packed into as few rows as it fits.

    python3 training/policy/train_step_packed.py [--out public/models/sgp-tiny-policy] [--check-only]   # export + check

A group's programs differ in length (the bench group: one row of 384 tokens, seven of 147–231), so padding
every row to the longest wastes up to half the step. Here rows are packed first-fit-decreasing into slots as
long as the longest row; a slot may hold several sequences, each with its own positions (RoPE restarts at 0) and
a segment id, and attention stays inside a segment (model.forward's segment_ids). Advantages come per token.
The math per sequence is the unpacked step's: the same loss, gradients and AdamW update (checked below against
make_step_fn on the padded batch). Both dimensions are dynamic, so one graph serves every group: no buckets,
no padding to a bucket length. The app packs the same way (src/lib/rl/train-batch.ts).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch._decomp import core_aten_decompositions  # noqa: E402
from torch.fx.experimental.proxy_tensor import make_fx  # noqa: E402

from training.policy import model as M, train_step as TS  # noqa: E402

FILE = "onnx/train_step_packed.onnx"
PER_TOKEN = ("input_ids", "position_ids", "segment_ids", "loss_mask", "advantages", "old_logp", "ref_logp")


def packed_step_io(names):
    ins, outs = TS.step_io(names)
    i = ins.index("input_ids")
    return [*ins[:i], *PER_TOKEN, *TS.HYPER], outs


ATTENTION_TOKENS = 768  # slot-length cost weight; see src/lib/rl/train-batch.ts ATTENTION_TOKENS


def first_fit(ends, order, L):
    """First-fit decreasing into slots of length L: the rows of each slot, in order, and each row's (slot, offset)."""
    slots, fill, where = [], [], {}
    for b in order:
        s = next((i for i, f in enumerate(fill) if f + ends[b] <= L), len(fill))
        if s == len(fill):
            slots.append([])
            fill.append(0)
        where[b] = (s, fill[s])
        slots[s].append(b)
        fill[s] += ends[b]
    return slots, where


def pack(batch, max_length=M.MAX_POS):
    """A padded batch (input_ids, loss_mask (B, T), advantages (B,), old/ref_logp (B, T)) → packed (S, L) tensors.

    A row's sequence is [0, last loss token]: what follows it is padding, which no loss token can see (causal).
    Rows without loss tokens (padding rows) are dropped. L is the longest row, or two rows' total when that costs
    less (S·L·(1 + L / ATTENTION_TOKENS)), as packSlots chooses. Also returns where each row went: (slot, offset)."""
    mask = batch["loss_mask"]
    ends = [int(torch.nonzero(mask[b]).max()) + 1 if mask[b].any() else 0 for b in range(mask.shape[0])]
    order = sorted((b for b in range(len(ends)) if ends[b]), key=lambda b: -ends[b])
    longest = max(2, ends[order[0]])
    ls = [ends[b] for b in order]
    candidates = [longest] + [a + c for i, a in enumerate(ls) for c in ls[i + 1:] if longest < a + c <= max_length]
    cost = {L: len(first_fit(ends, order, L)[0]) * L * (1 + L / ATTENTION_TOKENS) for L in candidates}
    L = min(candidates, key=lambda c: (cost[c], c))  # ties: the shorter slot, as packSlots
    slots, where = first_fit(ends, order, L)
    S = len(slots)
    out = {k: torch.zeros(S, L, dtype=torch.int64 if k.endswith("ids") else torch.float32) for k in PER_TOKEN}
    for b, (s, o) in where.items():
        n = ends[b]
        out["input_ids"][s, o:o + n] = batch["input_ids"][b, :n]
        out["position_ids"][s, o:o + n] = torch.arange(n)
        out["segment_ids"][s, o:o + n] = slots[s].index(b) + 1  # 0 marks the slot's padding
        out["advantages"][s, o:o + n] = batch["advantages"][b]
        for k in ("loss_mask", "old_logp", "ref_logp"):
            out[k][s, o:o + n] = batch[k][b, :n]
    return out, where


def packed_args(names, lora, m, v, packed, hyper):
    h = hyper
    return (*[lora[n] for n in names], *[m[n] for n in names], *[v[n] for n in names], h["step"], h["lr"],
            *[packed[k] for k in PER_TOKEN], *[h[k] for k in TS.HYPER])


def export(w, cfg, out_dir):
    """Writes FILE with dynamic (slots, length): traced symbolically, so shapes are computed, not baked in."""
    names = list(M.lora_shapes(cfg))
    lora = M.init_lora(cfg)
    m, v = ({n: torch.zeros_like(t) for n, t in lora.items()} for _ in range(2))  # distinct: see train_step.export_graphs
    packed, _ = pack(TS.example_batch(cfg, TS.BATCH, 96))
    args = packed_args(names, lora, m, v, packed, TS.default_hyper())
    gm = make_fx(TS.make_step_fn(w, cfg, names, packed=True), decomposition_table=core_aten_decompositions(),
                 tracing_mode="symbolic", _allow_non_fake_inputs=True)(*args)
    ins, outs = packed_step_io(names)
    S, L = torch.export.Dim("slots", min=1, max=64), torch.export.Dim("length", min=2, max=M.MAX_POS)
    n = len(names)
    dyn = [None] * (3 * n + 2) + [{0: S, 1: L}] * len(PER_TOKEN) + [None] * len(TS.HYPER)
    path = os.path.join(out_dir, FILE)
    torch.onnx.export(TS._Wrap(gm), tuple(args), path, input_names=ins, output_names=outs, opset_version=TS.OPSET,
                      dynamo=True, external_data=False, verbose=False, optimize=False, dynamic_shapes=(tuple(dyn),))
    TS.strip_metadata(path)
    return path


def check(w, cfg, path, seqs=(64, 200), feed=lambda packed: packed):
    """The packed graph in onnxruntime against the unpacked step in PyTorch on padded batches, as the goldens
    compare (goldens.py, tolerance 1e-3): each statistic, and each updated tensor's sum and absolute sum, relative.
    `feed` turns the packed tensors into the graph's inputs (train_step_gpu.py's take float ids).
    Elementwise, AdamW's first step g/(|g| + ε) amplifies summation-order noise where |g| ≈ ε; the sums do not.
    (The log-probs differ only at padding, which nothing reads.)"""
    import onnxruntime as ort
    names = list(M.lora_shapes(cfg))
    lora = M.init_lora(cfg)
    zeros = {n: torch.zeros_like(t) for n, t in lora.items()}
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    ins, outs = packed_step_io(names)
    worst = 0.0
    for T, use_old in zip(seqs, (0.0, 1.0)):  # on-policy (ratio 1), then off-policy with clipping and KL
        batch = TS.example_batch(cfg, TS.BATCH, T, seed=T)
        hyper = TS.default_hyper(use_old_logp=use_old)
        want = TS.make_step_fn(w, cfg, names)(*TS.step_args(names, lora, zeros, zeros, batch, hyper))
        packed, _ = pack(batch)
        got = sess.run(None, {k: a.numpy() for k, a in zip(ins, packed_args(names, lora, zeros, zeros, feed(packed), hyper))})
        for i, name in enumerate(outs[:-1]):
            ref = want[i].detach().double().numpy()
            scale = max(np.abs(ref).sum(), 1e-3 if ref.ndim == 0 else 1e-12)
            worst = max(worst, abs(got[i].sum() - ref.sum()) / scale, abs(np.abs(got[i]).sum() - np.abs(ref).sum()) / scale)
    return worst


def cli(file, export_fn, check_fn, add_to_manifest):
    """Export (or with --check-only just check) a step graph on the shared weights, then print its check as JSON."""
    import argparse
    import json

    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="public/models/sgp-tiny-policy")
    ap.add_argument("--check-only", action="store_true", help="check the folder's graph, export nothing")
    a = ap.parse_args()
    hf = M.llama_from_onnx(a.out)
    w, cfg = M.base_weights(hf), hf.config
    if a.check_only:
        print(json.dumps({"file": file, "max_rel_err_vs_unpacked": float(check_fn(w, cfg, os.path.join(a.out, file)))}))
        return
    path = export_fn(w, cfg, a.out)
    from training.policy.export import add_to_shared_weights
    add_to_shared_weights([path], [os.path.join(a.out, "onnx", f) for f in ("model.onnx", "model_lora.onnx")])
    add_to_manifest(a.out, cfg)
    print(json.dumps({"file": path, "bytes": os.path.getsize(path), "max_rel_err_vs_unpacked": float(check_fn(w, cfg, path))}))


if __name__ == "__main__":
    cli(FILE, export, check, lambda out, cfg: TS.add_packed_to_manifest(out, packed_step_io(list(M.lora_shapes(cfg)))))
