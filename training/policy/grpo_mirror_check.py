"""Checks that grpo_mirror.py takes the tab's step: one group sampled by the mirror, scored by the reward
server, then one update by the mirror (torch AdamW) and one by the browser's graph (train_step_256.onnx,
onnxruntime CPU) from the same LoRA. Prints one JSON line: both losses and gradient norms, and how many LoRA
elements moved differently.

    python3 training/policy/grpo_mirror_check.py [--prompt 3] [--seed 3]
    python3 training/policy/grpo_mirror_check.py --moments    # do the graphs read adam_m? (no torch, seconds)

Adam's first update is g / (|g| + 1e-8) · lr: ±lr for every element whose gradient is above 1e-8, so elements
whose true gradient is ~0 (float noise in either engine) move by ±lr with an arbitrary sign. Those, and only
those, may differ between the engines; `moved_apart` counts elements that differ by more than lr/10.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402
import torch  # noqa: E402
from safetensors.torch import load_file  # noqa: E402

from training.policy.grpo_mirror import FOLDER, Policy, RewardServer, advantages, batch_of  # noqa: E402
from training.policy.train_step import grpo_loss  # noqa: E402

LR = 3e-3
SEQ = 256


def moments():
    """Feeds m = 0.01, v = 1e-6 and zero advantages (g = 0) to each bucket graph: AdamW must give m' = 0.9·m = 0.009
    and v' = 0.999·v. A graph that reads adam_v as the first moment gives m' = 9e-7 (exported with one zeros dict
    passed for both m and v, which the tracer turned into one input)."""
    init = {k: v.numpy() for k, v in load_file(os.path.join(FOLDER, "lora_init.safetensors")).items()}
    f = lambda x: np.array(x, np.float32)  # noqa: E731
    rows = {}
    for T, name in ((128, "train_step_128.onnx"), (256, "train_step_256.onnx"), (384, "train_step.onnx"), (768, "train_step_768.onnx")):
        sess = ort.InferenceSession(os.path.join(FOLDER, "onnx", name), providers=["CPUExecutionProvider"])
        feeds = {**init, **{f"adam_m.{k}": np.full_like(v, 0.01) for k, v in init.items()},
                 **{f"adam_v.{k}": np.full_like(v, 1e-6) for k, v in init.items()},
                 "step": f(3), "lr": f(1e-3), "input_ids": np.full((8, T), 5, np.int64), "loss_mask": np.ones((8, T), np.float32),
                 "advantages": np.zeros(8, np.float32), "old_logp": np.zeros((8, T), np.float32), "ref_logp": np.zeros((8, T), np.float32),
                 "clip_low": f(0.2), "clip_high": f(0.28), "kl_beta": f(0), "weight_decay": f(0), "max_grad_norm": f(1),
                 "loss_denom": f(0), "use_old_logp": f(0)}
        outs = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, {i.name: feeds[i.name] for i in sess.get_inputs()})))
        m = float(np.mean([outs[f"updated.adam_m.{k}"].mean() for k in init]))
        v = float(np.mean([outs[f"updated.adam_v.{k}"].mean() for k in init]))
        rows[name] = {"m": m, "v": v, "adamw": abs(m - 0.009) < 1e-6 and abs(v - 0.999e-6) < 1e-9}
    print(json.dumps({"expected": {"m": 0.009, "v": 0.999e-6}, **rows}))


def main():
    if "--moments" in sys.argv:
        return moments()
    ap = argparse.ArgumentParser()
    ap.add_argument("--prompt", type=int, default=3)
    ap.add_argument("--seed", type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(1)
    pol, srv = Policy(), RewardServer()
    srv.ask({"op": "prompts", "split": "compositional", "seed": 1, "pool": a.prompt + 1, "heldout": 16})
    init = load_file(os.path.join(FOLDER, "lora_init.safetensors"))
    names = list(init)
    lora = {k: v.clone().requires_grad_(True) for k, v in init.items()}
    prompt = srv.ask({"op": "prompts", "split": "compositional", "seed": 1, "pool": a.prompt + 1, "heldout": 16})["train"][a.prompt]
    (pids, progs), = pol.sample([prompt["prompt"]], lora, 8, 1.0, 320, torch.Generator().manual_seed(a.seed))
    rewards = srv.ask({"op": "score", "set": "train", "i": a.prompt, "programs": [t for t, _ in progs]})["rewards"]
    ids, mask, adv = batch_of(pids, progs, advantages(rewards, "grpo"))
    if ids.shape[1] > SEQ:
        raise SystemExit(f"the sampled group is {ids.shape[1]} tokens long; pick another --seed (the check uses the {SEQ} bucket)")

    zero = torch.zeros(())
    loss, _ = grpo_loss(pol.w, pol.cfg, lora, ids, mask, adv, zero.expand_as(mask), zero.expand_as(mask),
                        clip_low=torch.tensor(0.2), clip_high=torch.tensor(0.28), kl_beta=zero, loss_denom=zero,
                        use_old_logp=zero)
    opt = torch.optim.AdamW(list(lora.values()), lr=LR, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    loss.backward()
    gn = torch.nn.utils.clip_grad_norm_(list(lora.values()), 1.0)
    opt.step()

    sess = ort.InferenceSession(os.path.join(FOLDER, "onnx", f"train_step_{SEQ}.onnx"), providers=["CPUExecutionProvider"])
    B, T = ids.shape
    pid = np.zeros((8, SEQ), np.int64)
    pid[:B, :T] = ids.numpy()
    pm = np.zeros((8, SEQ), np.float32)
    pm[:B, :T] = mask.numpy()
    pa = np.zeros(8, np.float32)
    pa[:B] = adv.numpy()
    f = lambda x: np.array(x, np.float32)  # noqa: E731
    feeds = {**{n: init[n].numpy() for n in names}, **{f"adam_m.{n}": np.zeros_like(init[n].numpy()) for n in names},
             **{f"adam_v.{n}": np.zeros_like(init[n].numpy()) for n in names},
             "step": f(0), "lr": f(LR), "input_ids": pid, "loss_mask": pm, "advantages": pa,
             "old_logp": np.zeros((8, SEQ), np.float32), "ref_logp": np.zeros((8, SEQ), np.float32),
             "clip_low": f(0.2), "clip_high": f(0.28), "kl_beta": f(0), "weight_decay": f(0), "max_grad_norm": f(1),
             "loss_denom": f(0), "use_old_logp": f(0)}
    outs = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, {i.name: feeds[i.name] for i in sess.get_inputs()})))
    diff = np.concatenate([np.abs(lora[n].detach().numpy() - outs[f"updated.{n}"]).ravel() for n in names])
    print(json.dumps({"rewards": [round(r, 3) for r in rewards], "loss_torch": loss.item(), "loss_graph": float(outs["loss"]),
                      "grad_norm_torch": float(gn), "grad_norm_graph": float(outs["grad_norm"]),
                      "elements": int(diff.size), "moved_apart": int((diff > LR / 10).sum()),
                      "moved_by_lr": int(sum((np.abs(outs[f"updated.{n}"] - init[n].numpy()) > LR * 0.9).sum() for n in names))}))


if __name__ == "__main__":
    main()
