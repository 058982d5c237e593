"""CPU anchors for `npm run bench` (section train): one GRPO step of the bundled policy on the same (B, T)
batch the browser times, in PyTorch CPU eager (PEFT LoRA on the LlamaForCausalLM rebuilt from model.onnx,
torch.optim.AdamW) and in native onnxruntime on the bucket's train-step graph and on the packed graph the app runs
(train_step_packed.py: the rows packed into fewer slots, so it skips the padding both others compute), and
PyTorch CPU eager on those same slots (the function that graph was traced from): equal work, engine against engine.

    python3 training/policy/bench_train.py --seqs 256,384 --threads 2 --repeats 3 --json

The batch: goldens/train_step.json's 8 sampled programs for one prompt; for a bucket T, row 0 spans all T
positions (so the group needs exactly that bucket) and the other rows keep their own length, cut at T —
scripts/lib/bench-train.ts builds the same rows. The step is on-policy (one update per group): ratio
exp(logp − logp.detach()), token-mean loss, gradient-norm clip 1, AdamW. Each figure is the best of --repeats
steps after one warm-up step. Prints one JSON object (one line with --json).
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
import onnxruntime as ort  # noqa: E402
import torch  # noqa: E402
from safetensors.torch import load_file  # noqa: E402

from training.policy import check_grpo, model as M, train_step as TS, train_step_packed as TP  # noqa: E402


def bench_batch(folder, T):
    g = json.load(open(os.path.join(folder, "goldens", "train_step.json")))
    ids = torch.tensor(g["input_ids"])[:, :T]
    B = ids.shape[0]
    mask = torch.zeros(B, T)
    for b, (start, end) in enumerate(g["loss_mask_rows"]):
        mask[b, start:(T if b == 0 else min(end, T))] = 1
    return ids, mask, torch.tensor(g["advantages"])


def best_ms(fn, repeats):
    fn()  # warm-up: allocations, first-call dispatch
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, (time.perf_counter() - t0) * 1000)
    return round(best, 1)


def torch_step_fn(pm, ids, mask, adv):
    params = [p for p in pm.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.0)

    def step():
        opt.zero_grad()
        logits = pm(input_ids=ids).logits
        lp = torch.log_softmax(logits[:, :-1], -1).gather(-1, ids[:, 1:, None]).squeeze(-1)
        lp = torch.cat([torch.zeros_like(lp[:, :1]), lp], 1)
        ratio = torch.exp(lp - lp.detach())
        loss = (-(ratio * adv[:, None]) * mask).sum() / mask.sum()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
    return step


def ort_step_fn(folder, T, ids, mask, adv, threads):
    f_step, _ = TS.graph_files(T)
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(os.path.join(folder, f_step), so, providers=["CPUExecutionProvider"])
    lora = load_file(os.path.join(folder, "lora_init.safetensors"))
    names = [i.name for i in sess.get_inputs()][: len(lora)]
    zeros = {n: torch.zeros_like(t) for n, t in lora.items()}
    hyper = TS.default_hyper(kl_beta=0.0, use_old_logp=0.0)
    batch = {"input_ids": ids, "loss_mask": mask, "advantages": adv, "old_logp": torch.zeros(ids.shape), "ref_logp": torch.zeros(ids.shape)}
    ins, _ = TS.step_io(names)
    feeds = {n: a.numpy() for n, a in zip(ins, TS.step_args(names, lora, zeros, zeros, batch, hyper))}
    return lambda: sess.run(None, feeds)


def ort_packed_step_fn(folder, ids, mask, adv, threads):
    """The same batch through the packed graph (train_step_packed.py), as the app's trainer runs it."""
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(os.path.join(folder, TP.FILE), so, providers=["CPUExecutionProvider"])
    lora = load_file(os.path.join(folder, "lora_init.safetensors"))
    names = [i.name for i in sess.get_inputs()][: len(lora)]
    zeros = {n: torch.zeros_like(t) for n, t in lora.items()}
    batch = {"input_ids": ids, "loss_mask": mask, "advantages": adv, "old_logp": torch.zeros(ids.shape), "ref_logp": torch.zeros(ids.shape)}
    packed, _ = TP.pack(batch)
    ins, _ = TP.packed_step_io(names)
    args = TP.packed_args(names, lora, zeros, zeros, packed, TS.default_hyper(kl_beta=0.0, use_old_logp=0.0))
    feeds = {n: a.numpy() for n, a in zip(ins, args)}
    return lambda: sess.run(None, feeds)


def torch_packed_step_fn(hf, folder, ids, mask, adv):
    """PyTorch eager on the very slots the app's packed graph gets: the same function the graph was traced
    from (train_step.make_step_fn, packed), so the ratio against it compares engines on equal work."""
    w, cfg = M.base_weights(hf), hf.config
    names = list(M.lora_shapes(cfg))
    lora = load_file(os.path.join(folder, "lora_init.safetensors"))
    zeros = {n: torch.zeros_like(t) for n, t in lora.items()}
    batch = {"input_ids": ids, "loss_mask": mask, "advantages": adv, "old_logp": torch.zeros(ids.shape), "ref_logp": torch.zeros(ids.shape)}
    packed, _ = TP.pack(batch)
    args = TP.packed_args(names, lora, zeros, zeros, packed, TS.default_hyper(kl_beta=0.0, use_old_logp=0.0))
    step = TS.make_step_fn(w, cfg, names, packed=True)
    return lambda: step(*args)


def main(a):
    torch.set_num_threads(a.threads)
    hf = M.llama_from_onnx(a.model)
    pm = check_grpo.peft_model(hf, load_file(os.path.join(a.model, "lora_init.safetensors"))).train()
    report = {"threads": a.threads, "repeats": a.repeats, "batch": 8, "torch": torch.__version__,
              "onnxruntime": ort.__version__, "torch_cpu_step_ms": {}, "ort_cpu_step_ms": {}}
    for T in map(int, a.seqs.split(",")):
        ids, mask, adv = bench_batch(a.model, T)
        report["torch_cpu_step_ms"][f"T{T}"] = best_ms(torch_step_fn(pm, ids, mask, adv), a.repeats)
        report["ort_cpu_step_ms"][f"T{T}"] = best_ms(ort_step_fn(a.model, T, ids, mask, adv, a.threads), a.repeats)
        if os.path.exists(os.path.join(a.model, TP.FILE)):
            report.setdefault("ort_cpu_packed_step_ms", {})[f"T{T}"] = best_ms(ort_packed_step_fn(a.model, ids, mask, adv, a.threads), a.repeats)
            report.setdefault("torch_cpu_packed_step_ms", {})[f"T{T}"] = best_ms(torch_packed_step_fn(hf, a.model, ids, mask, adv), a.repeats)
    return report


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="public/models/sgp-tiny-policy")
    ap.add_argument("--seqs", default="256,384")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    r = main(args)
    print(json.dumps(r) if args.json else json.dumps(r, indent=1))
