"""Independent references for the train-step graph: transformers + PEFT for the forward pass and gradients,
and TRL's own GRPOTrainer loss code for the loss value and statistics.

The graph's gradients are read back from its first AdamW moment: with m = 0, m' = (1 − β1)·g.

    python3 training/policy/check_grpo.py [DIR]   # the committed off-policy golden against PEFT and TRL

prints one JSON line of checks (run by tests/factory/train-step-golden.test.ts); exit status 1 when one fails.
"""
import json
import os
import sys
import types
from collections import defaultdict

import torch

if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from training.policy import model as M  # noqa: E402
from training.policy.train_step import ADAM_BETAS  # noqa: E402


def peft_model(hf, lora):
    """hf wrapped by PEFT with our LoRA matrices (PEFT stores the transposes)."""
    import copy

    from peft import LoraConfig, get_peft_model
    targets = sorted({t.split(".")[-1] for t in M.LORA_TARGETS})
    pm = get_peft_model(copy.deepcopy(hf), LoraConfig(r=M.LORA_RANK, lora_alpha=M.LORA_ALPHA, lora_dropout=0.0,
                                                      target_modules=targets, bias="none"))
    params = dict(pm.named_parameters())
    for name, t in lora.items():
        stem, which = name.rsplit(".", 1)  # ...q_proj, lora_A
        params[f"base_model.model.{stem}.{which}.default.weight"].data.copy_(t.t())
    return pm.eval()


def peft_grads(pm, names, batch, hyper):
    """Loss and LoRA gradients (in our layout) of the same GRPO loss, written from its definition."""
    pm.zero_grad()
    ids, mask = batch["input_ids"], batch["loss_mask"]
    logits = pm(input_ids=ids).logits.float()
    lp = torch.log_softmax(logits[:, :-1], -1).gather(-1, ids[:, 1:, None]).squeeze(-1)
    lp = torch.cat([torch.zeros_like(lp[:, :1]), lp], 1)
    a = batch["advantages"][:, None]
    r = torch.exp(lp - batch["old_logp"])
    surr = -torch.min(r * a, r.clamp(1 - float(hyper["clip_low"]), 1 + float(hyper["clip_high"])) * a)
    d = batch["ref_logp"] - lp
    per_tok = surr + float(hyper["kl_beta"]) * (torch.exp(d) - d - 1)
    denom = float(hyper["loss_denom"]) if float(hyper["loss_denom"]) > 0 else mask.sum()
    loss = (per_tok * mask).sum() / denom
    loss.backward()
    params = dict(pm.named_parameters())
    grads = {n: params[f"base_model.model.{n.rsplit('.', 1)[0]}.{n.rsplit('.', 1)[1]}.default.weight"].grad.t()
             for n in names}
    return float(loss.detach()), grads


def graph_grads(outputs, names):
    """Gradients recovered from updated.adam_m.* of a step that started from m = 0 (no clipping)."""
    return {n: torch.as_tensor(outputs[f"updated.adam_m.{n}"]) / (1 - ADAM_BETAS[0]) for n in names}


def trl_loss(pm, batch, n_prompt, hyper, loss_type="bnpo"):
    """TRL's GRPOTrainer._compute_loss (and its log-prob code) run on the batch; returns (loss, metrics)."""
    from trl import GRPOTrainer
    ids, mask = batch["input_ids"], batch["loss_mask"]
    C = ids.shape[1] - n_prompt
    ident = types.SimpleNamespace(gather=lambda x: x, gather_for_metrics=lambda x: x,
                                  reduce=lambda x, reduction="sum": x, num_processes=1, sync_gradients=True,
                                  is_main_process=True)
    fake = types.SimpleNamespace(
        top_entropy_quantile=1.0, off_policy_mask_threshold=None, importance_sampling_level="token",
        beta=float(hyper["kl_beta"]), loss_type=loss_type, epsilon_low=float(hyper["clip_low"]),
        epsilon_high=float(hyper["clip_high"]), use_vllm=False, model=pm, current_gradient_accumulation_steps=1,
        _entropy_bonus_enabled=False, aux_loss_enabled=False, max_completion_length=C, temperature=1.0,
        model_kwarg_keys=set(), accelerator=ident, _metrics={"train": defaultdict(list), "eval": defaultdict(list)},
        args=types.SimpleNamespace(use_bias_correction_kl=False, delta=None),
    )
    fake._get_per_token_logps_and_entropies = types.MethodType(GRPOTrainer._get_per_token_logps_and_entropies, fake)
    inputs = {"prompt_ids": ids[:, :n_prompt], "prompt_mask": torch.ones(ids.shape[0], n_prompt, dtype=torch.long),
              "completion_ids": ids[:, n_prompt:], "completion_mask": mask[:, n_prompt:].long(),
              "advantages": batch["advantages"], "old_per_token_logps": batch["old_logp"][:, n_prompt:],
              "ref_per_token_logps": batch["ref_logp"][:, n_prompt:]}
    with torch.no_grad():
        loss = GRPOTrainer._compute_loss(fake, pm, inputs)
    mt = {k: v[-1] for k, v in fake._metrics["eval"].items()}
    return float(loss), mt


def compare(outputs, names, pm, batch, n_prompt, hyper):
    """Max relative gradient error vs PEFT, and the loss by the graph, PEFT and TRL."""
    ref_loss, ref_g = peft_grads(pm, names, batch, hyper)
    gg = graph_grads(outputs, names)
    scale = max(float(g.abs().max()) for g in ref_g.values())
    grad_err = max(float((gg[n] - ref_g[n]).abs().max()) for n in names) / scale
    trl_type = "dr_grpo" if float(hyper["loss_denom"]) > 0 else "bnpo"
    t_loss, t_metrics = trl_loss(pm, batch, n_prompt, hyper, trl_type)
    return {"graph_loss": float(outputs["loss"]), "peft_loss": ref_loss, "trl_loss": t_loss,
            "grad_rel_err": grad_err, "grad_max": scale,
            "graph_kl": float(outputs["kl"]), "trl_kl": t_metrics.get("kl"),
            "graph_clip_frac": float(outputs["clip_frac"]), "trl_clip_frac": t_metrics.get("clip_ratio/region_mean"),
            "graph_entropy": float(outputs["entropy"]), "trl_entropy": t_metrics.get("entropy")}


def check_offpolicy_golden(folder):
    """goldens/train_step_offpolicy.json (onnxruntime's step) against PEFT's loss and gradients and TRL's loss
    and statistics, on the bundled weights with lora_init."""
    from safetensors.torch import load_file
    base = json.load(open(os.path.join(folder, "goldens", "train_step.json")))
    g = json.load(open(os.path.join(folder, "goldens", "train_step_offpolicy.json")))
    lora = load_file(os.path.join(folder, "lora_init.safetensors"))
    names = list(lora)
    ids = torch.tensor(base["input_ids"])
    B, T = ids.shape
    mask = torch.zeros(B, T)
    dense = {k: torch.zeros(B, T) for k in g["offsets"]}
    for b, (start, end) in enumerate(base["loss_mask_rows"]):
        mask[b, start:end] = 1
        for k in dense:
            dense[k][b, start:end] = torch.tensor(g["offsets"][k]["rows"][b])
    pm = peft_model(M.llama_from_onnx(folder), lora)
    with torch.no_grad():
        lp = torch.log_softmax(pm(input_ids=ids).logits.float()[:, :-1], -1).gather(-1, ids[:, 1:, None]).squeeze(-1)
    lp = torch.cat([torch.zeros(B, 1), lp], 1)
    batch = {"input_ids": ids, "loss_mask": mask, "advantages": torch.tensor(base["advantages"]),
             **{k: (lp + dense[k]) * mask for k in dense}}
    hyper = {k: torch.tensor(v) for k, v in g["hyper"].items()}
    peft_loss, grads = peft_grads(pm, names, batch, hyper)
    t_loss, t = trl_loss(pm, batch, base["n_prompt"], hyper, "bnpo")
    want = g["step"]
    n_tok = float(mask.sum())
    got = {"peft_logp_row_sums": ((lp * mask).sum(1).tolist(), base["old_logp = ref_logp"]["row_sums"], 1e-4),
           "loss_peft": (peft_loss, want["loss"], 1e-4), "loss_trl": (t_loss, want["loss"], 1e-4),
           "kl_trl": (t.get("kl"), want["kl"], 1e-4), "entropy_trl": (t.get("entropy"), want["entropy"], 1e-4),
           "grad_norm_peft": (float(torch.sqrt(sum((x * x).sum() for x in grads.values()))), want["grad_norm"], 1e-4),
           # a fraction of tokens: equal up to rounding (TRL computes it in float32 too)
           "clip_frac_trl": (t.get("clip_ratio/region_mean"), want["clip_frac"], 0.5 / n_tok / max(want["clip_frac"], 1e-9))}
    # the first AdamW moment after one step from m = 0 is (1 − β1)·(clipped gradient): PEFT's, tensor by tensor
    gnorm = got["grad_norm_peft"][0]
    coef = min(1.0, g["hyper"]["max_grad_norm"] / (gnorm + 1e-6)) if g["hyper"]["max_grad_norm"] > 0 else 1.0
    moments = {n: (1 - ADAM_BETAS[0]) * coef * grads[n] for n in names}
    off = {n: abs(float(m.sum()) - want["updated"][f"updated.adam_m.{n}"]["sum"]) / max(float(m.abs().sum()), 1e-12)
           for n, m in moments.items()}
    shapes = all(list(moments[n].shape) == want["updated"][f"updated.adam_m.{n}"]["shape"] for n in names)
    worst = max(off, key=off.get)
    checks = {"adam_m_peft": {"ok": shapes and off[worst] <= 1e-3, "worst": worst, "rel_err": off[worst], "shapes_match": shapes}}
    for k, (a, b, rtol) in got.items():
        a_, b_ = (a, b) if isinstance(a, list) else ([a], [b])
        ok = all(x is not None and abs(x - y) <= rtol * max(abs(y), 1e-8) for x, y in zip(a_, b_))
        checks[k] = {"ok": ok, "got": a, "want": b, "rtol": rtol}
    checks["terms_active"] = {"ok": want["clip_frac"] > 0.05 and want["kl"] > 1e-3 and g["hyper"]["kl_beta"] > 0,
                              "clip_frac": want["clip_frac"], "kl": want["kl"], "kl_beta": g["hyper"]["kl_beta"]}
    return checks


if __name__ == "__main__":
    checks = check_offpolicy_golden(sys.argv[1] if len(sys.argv) > 1 else "public/models/sgp-tiny-policy")
    ok = all(c["ok"] for c in checks.values())
    print(json.dumps({"ok": ok, "checks": checks}))
    sys.exit(0 if ok else 1)
