"""The in-browser GRPO step as one ONNX graph, and the log-prob graph that feeds it.

    python3 training/policy/train_step.py [--ckpt training/runs/policy/final] --out public/models/sgp-tiny-policy

train_step.onnx: (LoRA, AdamW m and v, step, lr, batch, hyper-parameters) → (updated LoRA, m, v, loss, stats).
logprob.onnx: (LoRA, input_ids) → per-token log-probs and entropies (LoRA with B = 0 gives the reference).
Both take LoRA inputs named as in model_lora.onnx, so the tab feeds `updated.<name>` back as `<name>`.
Shapes are fixed per graph (B sequences of T tokens, right-padded, prompt at position 0), one pair of graphs per
sequence bucket (BUCKETS); see train_step.json.

The step is a plain function that calls torch.autograd.grad; make_fx traces it (forward, backward, AdamW)
into aten ops, and the dynamo exporter turns that trace into standard ONNX ops.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
import onnx  # noqa: E402
import torch  # noqa: E402
from torch._decomp import core_aten_decompositions  # noqa: E402
from torch.fx.experimental.proxy_tensor import make_fx  # noqa: E402

from training.policy import model as M  # noqa: E402

# -----------------------------------------------------------------------------
BATCH = 8  # one GRPO group of G = 8 samples per step
SEQ = 384  # prompt + program, right-padded: covers 99.8 % of the corpus (p99 = 275 tokens); the golden bucket
# Sequence-length buckets: a step pads its group only to the smallest bucket that holds it (programs are ~100
# tokens, so most groups take the 128 or 256 graph instead of paying for 384). 768 holds a prompt plus the
# sampler's default 700 new tokens. Each bucket is a ~0.6 MB graph over the shared weights file.
BUCKETS = (128, 256, 384, 768)
OPSET = 18
ADAM_BETAS = (0.9, 0.999)  # baked into the graph, as torch.optim.AdamW's defaults
ADAM_EPS = 1e-8
HYPER = ("clip_low", "clip_high", "kl_beta", "weight_decay", "max_grad_norm", "loss_denom", "use_old_logp")
# -----------------------------------------------------------------------------


def grpo_loss(w, cfg, lora, input_ids, loss_mask, advantages, old_logp, ref_logp,
              clip_low, clip_high, kl_beta, loss_denom, use_old_logp, position_ids=None, segment_ids=None, next_token=False):
    """GRPO with two-sided ratio clipping and the k3 KL to the reference; all per-token tensors (B, T).

    old_logp: the input when use_old_logp > 0 (off-policy: several updates per group, or a sampler that differs
    from the learner); else this forward pass's own log-probs, detached (one update per group, as TRL with
    num_iterations = 1): the ratio is 1 and its gradient is ∇logp, with no separate log-prob pass.

    loss = Σ mask·[−min(r·A, clip(r, 1−low, 1+high)·A) + β·k3] / denom, denom = loss_denom if > 0 (Dr.GRPO:
    B·max completion length) else the number of masked tokens (token-mean, TRL's "bnpo"/"dapo").
    """
    B, T = input_ids.shape
    pos = torch.arange(T)[None].expand(B, T) if position_ids is None else position_ids
    a = advantages[:, None] if advantages.dim() == 1 else advantages  # per row, or per token (packed rows)
    if next_token:  # WebGPU capture-safe form (train_step_gpu.py): position t scores token t + 1
        logits, _, hidden = M.forward(w, cfg, input_ids, pos, None, None, lora, segment_ids=segment_ids, return_hidden=True)
        logp, ent = M.next_token_logprobs(logits, hidden, w["model.embed_tokens.weight"], input_ids)
        aligned = torch.cat([torch.zeros_like(logp[:, :1]), logp[:, :-1]], dim=1).detach()  # the `logp` output
        # the per-token inputs move left instead, as constants: token t + 1's mask, advantage, old and ref log-probs
        nxt = lambda x: torch.cat([x[:, 1:], torch.zeros_like(x[:, :1])], dim=1)  # noqa: E731
        loss_mask, a, old_logp, ref_logp = nxt(loss_mask), nxt(a.expand_as(loss_mask)), nxt(old_logp), nxt(ref_logp)
    else:
        logits, _ = M.forward(w, cfg, input_ids, pos, None, None, lora, segment_ids=segment_ids)
        logp, ent = M.token_logprobs(logits, input_ids)
        aligned = None
    old_logp = torch.where(use_old_logp > 0, old_logp, logp.detach())
    ratio = torch.exp(logp - old_logp)
    surrogate = -torch.minimum(ratio * a, torch.clamp(ratio, 1 - clip_low, 1 + clip_high) * a)
    kl = torch.exp(ref_logp - logp) - (ref_logp - logp) - 1
    per_tok = surrogate + kl_beta * kl
    n_tok = loss_mask.sum().clamp(min=1.0)
    denom = torch.where(loss_denom > 0, loss_denom, n_tok)
    loss = (per_tok * loss_mask).sum() / denom
    with torch.no_grad():
        # a sum of the two exclusive cases, not `|`: Or has no WebGPU kernel in onnxruntime-web
        clipped = ((ratio < 1 - clip_low) & (a < 0)).float() + ((ratio > 1 + clip_high) & (a > 0)).float()
        stats = {"kl": (kl * loss_mask).sum() / n_tok, "clip_frac": (clipped * loss_mask).sum() / n_tok,
                 "entropy": (ent * loss_mask).sum() / n_tok,
                 "logp": logp.detach() if aligned is None else aligned}
    return loss, stats


def make_step_fn(w, cfg, names, packed=False, next_token=False):
    """The step as a function of the graph's inputs in order (step_io); packed: packed_step_io's inputs."""
    n = len(names)
    b1, b2 = ADAM_BETAS

    def step_fn(*args):
        lora, m, v = args[:n], args[n:2 * n], args[2 * n:3 * n]
        if packed:
            (step, lr, input_ids, position_ids, segment_ids, loss_mask, advantages, old_logp, ref_logp,
             clip_low, clip_high, kl_beta, weight_decay, max_grad_norm, loss_denom, use_old_logp) = args[3 * n:]
        else:
            (step, lr, input_ids, loss_mask, advantages, old_logp, ref_logp,
             clip_low, clip_high, kl_beta, weight_decay, max_grad_norm, loss_denom, use_old_logp) = args[3 * n:]
            position_ids = segment_ids = None
        ps = [p.detach().requires_grad_(True) for p in lora]
        loss, st = grpo_loss(w, cfg, dict(zip(names, ps)), input_ids, loss_mask, advantages, old_logp, ref_logp,
                             clip_low, clip_high, kl_beta, loss_denom, use_old_logp, position_ids, segment_ids, next_token)
        grads = torch.autograd.grad(loss, ps)
        gnorm = torch.sqrt(sum((g * g).sum() for g in grads))
        # clip the global norm as torch.nn.utils.clip_grad_norm_ does; max_grad_norm ≤ 0 turns it off
        coef = torch.where(max_grad_norm > 0, torch.clamp(max_grad_norm / (gnorm + 1e-6), max=1.0), torch.ones(()))
        t = step + 1
        new_p, new_m, new_v = [], [], []
        for p, g, mm, vv in zip(lora, grads, m, v):
            g = g * coef
            mm = b1 * mm + (1 - b1) * g
            vv = b2 * vv + (1 - b2) * g * g
            upd = (mm / (1 - b1 ** t)) / (torch.sqrt(vv / (1 - b2 ** t)) + ADAM_EPS)
            new_p.append(p * (1 - lr * weight_decay) - lr * upd)  # decoupled decay, as AdamW
            new_m.append(mm)
            new_v.append(vv)
        return (*new_p, *new_m, *new_v, loss.detach(), st["kl"], st["clip_frac"], st["entropy"], gnorm, st["logp"])

    return step_fn


def make_logprob_fn(w, cfg, names):
    def logprob_fn(*args):
        lora, input_ids = args[:-1], args[-1]
        B, T = input_ids.shape
        logits, _ = M.forward(w, cfg, input_ids, torch.arange(T)[None].expand(B, T), None, None,
                              dict(zip(names, lora)))
        return M.token_logprobs(logits, input_ids)

    return logprob_fn


def step_io(names):
    ins = [*names, *[f"adam_m.{n}" for n in names], *[f"adam_v.{n}" for n in names], "step", "lr", "input_ids",
           "loss_mask", "advantages", "old_logp", "ref_logp", *HYPER]
    outs = [*[f"updated.{n}" for n in ins[:3 * len(names)]], "loss", "kl", "clip_frac", "entropy", "grad_norm", "logp"]
    return ins, outs


def default_hyper(**over):
    h = {"step": 0.0, "lr": 1e-4, "clip_low": 0.2, "clip_high": 0.28, "kl_beta": 0.04, "weight_decay": 0.0,
         "max_grad_norm": 1.0, "loss_denom": 0.0, "use_old_logp": 1.0}
    h.update(over)
    return {k: torch.tensor(float(v)) for k, v in h.items()}


def step_args(names, lora, m, v, batch, hyper):
    """Positional arguments of step_fn in graph-input order."""
    h = hyper
    return (*[lora[n] for n in names], *[m[n] for n in names], *[v[n] for n in names], h["step"], h["lr"],
            batch["input_ids"], batch["loss_mask"], batch["advantages"], batch["old_logp"], batch["ref_logp"],
            *[h[k] for k in HYPER])


class _Wrap(torch.nn.Module):
    def __init__(self, gm):
        super().__init__()
        self.gm = gm

    def forward(self, *a):
        return self.gm(*a)


def _export(fn, args, path, ins, outs):
    gm = make_fx(fn, decomposition_table=core_aten_decompositions())(*args)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.onnx.export(_Wrap(gm), tuple(args), path, input_names=ins, output_names=outs, opset_version=OPSET,
                      dynamo=True, external_data=False, verbose=False, optimize=False)
    # no constant folding (optimize=False): folding would store transposed and broadcast copies of the base
    # weights next to the originals; at run time those transposes cost little next to the matmuls
    strip_metadata(path)
    return path


def strip_metadata(path):
    """Drop the exporter's per-node stack traces (they were 2/3 of the file)."""
    m = onnx.load(path)
    for node in m.graph.node:
        del node.metadata_props[:]
    onnx.save(m, path)


def graph_files(seq):
    """The bucket's graph files; the golden bucket (SEQ) keeps the unsuffixed names the goldens were made with."""
    suffix = "" if seq == SEQ else f"_{seq}"
    return f"onnx/train_step{suffix}.onnx", f"onnx/logprob{suffix}.onnx"


def export_graphs(w, cfg, out_dir, batch_size=BATCH, seqs=BUCKETS):
    """Write onnx/train_step*.onnx and onnx/logprob*.onnx for each sequence bucket, and train_step.json."""
    names = list(M.lora_shapes(cfg))
    lora = M.init_lora(cfg)
    # AdamW's two moments must be distinct tensors: make_fx wires one graph input into every use of a tensor
    # object, so passing one dict for both made every graph read adam_v where the first moment belongs
    m, v = ({n: torch.zeros_like(t) for n, t in lora.items()} for _ in range(2))
    ins, outs = step_io(names)
    paths = []
    for seq in seqs:
        batch = example_batch(cfg, batch_size, seq)
        f_step, f_lp = graph_files(seq)
        paths.append(_export(make_step_fn(w, cfg, names), step_args(names, lora, m, v, batch, default_hyper()),
                             os.path.join(out_dir, f_step), ins, outs))
        paths.append(_export(make_logprob_fn(w, cfg, names), (*lora.values(), batch["input_ids"]),
                             os.path.join(out_dir, f_lp), [*names, "input_ids"], ["logp", "entropy"]))
    write_manifest(cfg, out_dir, batch_size, SEQ if SEQ in seqs else seqs[-1], seqs)
    return paths


def example_batch(cfg, B=BATCH, T=SEQ, seed=0):
    """A fixed, plausible batch: random prompt/program lengths, right padding, group-normalised advantages."""
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(4, cfg.vocab_size, (B, T), generator=g)
    n_prompt = int(torch.randint(3, max(4, T // 8), (1,), generator=g))
    ends = torch.randint(n_prompt + 2, T + 1, (B,), generator=g)
    mask = torch.zeros(B, T)
    for b in range(B):
        mask[b, n_prompt:int(ends[b])] = 1
        ids[b, int(ends[b]):] = cfg.pad_token_id
    ids[:, :n_prompt] = ids[0, :n_prompt]  # one prompt per group
    r = torch.rand(B, generator=g)
    adv = (r - r.mean()) / (r.std() + 1e-4)
    return {"input_ids": ids, "loss_mask": mask, "advantages": adv,
            "old_logp": -torch.rand(B, T, generator=g) * 3 * mask, "ref_logp": -torch.rand(B, T, generator=g) * 3 * mask}


def write_manifest(cfg, out_dir, B, T, seqs=BUCKETS):
    shapes = M.lora_shapes(cfg)
    names = list(shapes)
    ins, outs = step_io(names)
    scal = {k: [] for k in ("step", "lr", *HYPER)}
    bt = {"input_ids": ["int64", [B, T]], "loss_mask": ["float32", [B, T]], "advantages": ["float32", [B]],
          "old_logp": ["float32", [B, T]], "ref_logp": ["float32", [B, T]]}
    lora_io = {n: ["float32", list(s)] for n, s in shapes.items()}
    man = {
        "batch": B, "seq": T, "lora": {"rank": M.LORA_RANK, "alpha": M.LORA_ALPHA, "targets": list(M.LORA_TARGETS),
                                       "layout": "A (in, rank), B (rank, out); y += (alpha/rank)·x·A·B",
                                       "init": "lora_init.safetensors (A ~ U(±1/sqrt(in)), B = 0)"},
        "adamw": {"betas": list(ADAM_BETAS), "eps": ADAM_EPS, "state_init": "zeros; step counts finished steps"},
        "feedback": "feed each output updated.<x> back as input <x> (LoRA into model_lora.onnx too)",
        "padding": "right-padded; prompt at position 0; loss_mask marks program tokens (and eos); logp[:, t] = log p(input_ids[:, t] | < t), 0 at t = 0",
        "external_data": ["onnx/policy_weights.onnx_data"],
        "buckets": [{"seq": t, "train_step": graph_files(t)[0], "logprob": graph_files(t)[1]} for t in seqs],
        "buckets_note": "each bucket's graphs are the ones below with T = seq; a group runs in the smallest bucket that holds its longest row",
        "train_step": {"file": graph_files(T)[0],
                       "inputs": {**{n: lora_io[n] for n in names}, **{f"adam_m.{n}": lora_io[n] for n in names},
                                  **{f"adam_v.{n}": lora_io[n] for n in names},
                                  **{k: ["float32", []] for k in scal}, **bt},
                       "input_order": ins, "outputs": outs,
                       "stats": {"loss": "scalar", "kl": "masked mean k3 KL to ref", "clip_frac":
                                 "masked share of tokens whose ratio is clipped (TRL clip_ratio/region_mean)",
                                 "entropy": "masked mean entropy", "grad_norm": "global norm before clipping",
                                 "logp": "[B, T] log-probs under the input LoRA (before the update)"},
                       "old_logp": "use_old_logp = 1: the old_logp input; 0: the step's own log-probs, detached (one update per group: ratio 1, no separate log-prob pass)"},
        "logprob": {"file": graph_files(T)[1], "inputs": {**lora_io, "input_ids": ["int64", [B, T]]},
                    "outputs": {"logp": ["float32", [B, T]], "entropy": ["float32", [B, T]]},
                    "reference": "feed zero lora_B tensors (LoRA off)"},
        # file: export.export_lora_sampler (cache kept in JS, for WASM); webgpu_file keeps its cache on the GPU
        "sampler": {"file": "onnx/model_lora_fused.onnx", "webgpu_file": "onnx/model_lora.onnx", "lora_inputs": names},
    }
    path = os.path.join(out_dir, "train_step.json")
    if os.path.exists(path):  # entries other exports own (sampler, packed) survive a re-export of the buckets
        old = json.load(open(path))
        man.update({k: old[k] for k in ("sampler", "packed") if k in old})
    with open(path, "w") as f:
        json.dump(man, f, indent=1)


def add_packed_to_manifest(out_dir, io):
    """train_step.json's `packed` entry (train_step_packed.py's graph), leaving the other entries as they are."""
    path = os.path.join(out_dir, "train_step.json")
    man = json.load(open(path))
    ins, outs = io
    man["packed"] = {
        "file": "onnx/train_step_packed.onnx", "input_order": ins, "outputs": outs,
        "shapes": "per-token inputs are (slots, length), both dynamic: rows packed first-fit-decreasing into slots "
                  "as long as the longest row; position_ids restart at 0 and segment_ids (1, 2, … per slot; 0 = "
                  "padding) keep attention inside each row; advantages are per token",
        "why": "no padding to a bucket or to the longest row: a group costs about its real tokens",
        "logp": "as train_step's, but where a row starts after another in its slot, logp is that of the slot, not 0",
    }
    with open(path, "w") as f:
        json.dump(man, f, indent=1)


if __name__ == "__main__":
    import argparse

    from transformers import LlamaForCausalLM
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt")
    ap.add_argument("--out", default="public/models/sgp-tiny-policy")
    ap.add_argument("--batch", type=int, default=BATCH)
    ap.add_argument("--seqs", default=",".join(map(str, BUCKETS)), help="comma-separated sequence buckets")
    a = ap.parse_args()
    # --ckpt: a training checkpoint; without it the base is read back from the folder's own model.onnx
    hf = (LlamaForCausalLM.from_pretrained(a.ckpt, dtype=torch.float32).eval() if a.ckpt else M.llama_from_onnx(a.out))
    paths = export_graphs(M.base_weights(hf), hf.config, a.out, a.batch, tuple(int(x) for x in a.seqs.split(",")))
    from training.policy.export import add_to_shared_weights  # the decoders keep their offsets in the weights file
    add_to_shared_weights(paths, [os.path.join(a.out, "onnx", f) for f in ("model.onnx", "model_lora.onnx")])
    print(json.dumps({p: os.path.getsize(p) for p in paths}))
