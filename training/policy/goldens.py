"""Goldens for the browser parity tests (public/models/sgp-tiny-policy/goldens/*.json), made with
onnxruntime (Python, CPU) from the bundled graphs, and the train-step check of the bundled graph.

tokenizer.json  strings → ids → text, and the chat template
logits.json     fp32 decoder: a left-padded prefill and one cached step, full last-position logits
greedy.json     greedy tokens (fp32 decoder) for 5 val prompts
train_step.json a fixed GRPO batch (8 programs sampled for one prompt) and two chained steps:
                step 1 from lora_init (old = ref = logprob graph), step 2 from step 1's outputs
train_step_offpolicy.json  one step from lora_init on that batch with old_logp and ref_logp moved off the
                current log-probs and kl_beta > 0, so the clip and KL terms act (checked against PEFT
                and TRL by check_grpo.py --golden)

    python3 training/policy/goldens.py --ckpt CKPT [--out DIR]   # all goldens and checks.json
    python3 training/policy/goldens.py --offpolicy-only [--out DIR]  # only train_step_offpolicy.json (no ckpt)
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
import numpy as np  # noqa: E402
import torch  # noqa: E402
from safetensors.torch import load_file  # noqa: E402

from training.policy import check_grpo, model as M, train_step as TS, verify  # noqa: E402
from training.policy.sample import OrtPolicy  # noqa: E402
from training.policy.tokenizer import CHAT_TEMPLATE, prompt_text  # noqa: E402

PROMPTS = ["a red circle", "two blue stars above a green house", "a yellow car to the left of a purple tree",
           "a boat on the sea under an orange sun", "three pink hearts"]


def r6(a):
    return np.round(np.asarray(a, np.float64), 6).tolist()


def summary(a):
    a = np.asarray(a, np.float64)
    return {"shape": list(a.shape), "sum": float(a.sum()), "abs_sum": float(np.abs(a).sum()), "head": r6(a.reshape(-1)[:4])}


def tokenizer_golden(pol):
    texts = [*PROMPTS, '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 256 256"><circle cx="128" cy="128" r="40" fill="red"/></svg>',
             "émoji ✓ and spaces  twice", prompt_text("a red circle") + '<svg viewBox="0 0 256 256"></svg><|end|>']
    cases = [{"text": t, "ids": pol.tok.encode(t).ids} for t in texts]
    for c in cases:
        c["decoded"] = pol.tok.decode(c["ids"], skip_special_tokens=False)
    return {"cases": cases, "chat_template": CHAT_TEMPLATE,
            "chat": {"messages": [{"role": "user", "content": "a red circle"}], "add_generation_prompt": True,
                     "text": prompt_text("a red circle"), "ids": pol.tok.encode(prompt_text("a red circle")).ids}}


def logits_golden(pol):
    enc = [pol.tok.encode(prompt_text(p)).ids for p in PROMPTS[:2]]
    T = max(map(len, enc))
    ids = np.array([[pol.pad_id] * (T - len(e)) + e for e in enc], np.int64)
    am = np.array([[0] * (T - len(e)) + [1] * len(e) for e in enc], np.int64)
    pos = np.clip(am.cumsum(-1) - 1, 0, None)
    res = pol.step({"input_ids": ids, "attention_mask": am, "position_ids": pos, **pol.empty_past(2)})
    nxt = res["logits"][:, -1].argmax(-1)
    feeds = {"input_ids": nxt[:, None].astype(np.int64), "attention_mask": np.concatenate([am, np.ones((2, 1), np.int64)], 1),
             "position_ids": pos[:, -1:] + 1}
    feeds.update({"past_key_values." + k[8:]: v for k, v in res.items() if k.startswith("present.")})
    res2 = pol.step(feeds)
    return {"file": "onnx/model.onnx", "tolerance": {"fp32_abs": 1e-3},
            "prefill": {"input_ids": ids.tolist(), "attention_mask": am.tolist(), "position_ids": pos.tolist(),
                        "last_logits": r6(res["logits"][:, -1]), "argmax": res["logits"].argmax(-1).tolist(),
                        "present.0.key": summary(res["present.0.key"])},
            "step": {"input_ids": feeds["input_ids"].tolist(), "position_ids": feeds["position_ids"].tolist(),
                     "logits": r6(res2["logits"][:, -1])}}


def greedy_golden(pol):
    ids, fin = pol.generate_ids(PROMPTS, temperature=0.0, max_new_tokens=400)
    return {"file": "onnx/model.onnx", "max_new_tokens": 400, "note": "batched, left-padded, KV cache; eos excluded",
            "cases": [{"prompt": p, "prompt_ids": pol.tok.encode(prompt_text(p)).ids, "ids": i, "text": pol.tok.decode(i),
                       "finished": f} for p, i, f in zip(PROMPTS, ids, fin)]}


def golden_batch(pol, cfg, B, T):
    """8 programs sampled (temperature 1, seed 0) for one prompt, right-padded to T; fixed rewards."""
    prompt = PROMPTS[1]
    texts, _, _ = pol.generate([prompt] * B, temperature=1.0, max_new_tokens=T, seed=0)
    p_ids = pol.tok.encode(prompt_text(prompt)).ids
    ids = torch.full((B, T), pol.pad_id, dtype=torch.long)
    mask = torch.zeros(B, T)
    for b, t in enumerate(texts):
        seq = (p_ids + pol.tok.encode(t).ids + [pol.end_id])[:T]
        ids[b, :len(seq)] = torch.tensor(seq)
        mask[b, len(p_ids):len(seq)] = 1
    r = torch.tensor([1.0, 0.0, 0.5, 1.0, 0.0, 0.2, 0.9, 0.4])[:B]
    return prompt, len(p_ids), ids, mask, (r - r.mean()) / (r.std() + 1e-4)


OFFPOLICY_SEED = 5
OFFSET_SCALE = {"old_logp": 0.3, "ref_logp": 0.1}  # ratios exp(−δ) outside [0.8, 1.28] for about half the tokens


def mask_of(rows, B, T):
    mask = torch.zeros(B, T)
    for b, (start, end) in enumerate(rows):
        mask[b, start:end] = 1
    return mask


def on_mask(rows, offsets, B, T):
    """Per-row offsets (one per masked token) as a dense (B, T) tensor, zero off the mask."""
    dense = torch.zeros(B, T)
    for b, ((start, end), d) in enumerate(zip(rows, offsets)):
        dense[b, start:end] = torch.tensor(d)
    return dense


def offpolicy_golden(out):
    """One step from lora_init on train_step.json's batch with old_logp = (logp + δ_old)·mask and
    ref_logp = (logp + δ_ref)·mask, kl_beta > 0. The offsets are stored rounded to 1e-3, so every side adds
    the same numbers; the clip bounds log 0.8 and log 1.28 lie ≥ 1.4e-4 from any multiple of 1e-3, far more
    than log-probs differ between runtimes (≈ 1e-6), so no token flips between clipped and unclipped."""
    g = json.load(open(os.path.join(out, "goldens", "train_step.json")))
    ids = torch.tensor(g["input_ids"])
    B, T = ids.shape
    rows = g["loss_mask_rows"]
    mask = mask_of(rows, B, T)
    lora0 = load_file(os.path.join(out, "lora_init.safetensors"))
    lp_sess = verify.session(os.path.join(out, "onnx", "logprob.onnx"))
    names = [i.name for i in lp_sess.get_inputs() if i.name != "input_ids"]  # graph order, not the file's
    logp0, _ = lp_sess.run(None, {**{n: t.numpy() for n, t in lora0.items()}, "input_ids": ids.numpy()})
    gen = torch.Generator().manual_seed(OFFPOLICY_SEED)
    offsets = {k: [np.round((scale * torch.randn(end - start, generator=gen)).numpy().astype(np.float64), 3).tolist()
                   for start, end in rows] for k, scale in OFFSET_SCALE.items()}
    batch = {"input_ids": ids, "loss_mask": mask, "advantages": torch.tensor(g["advantages"]),
             **{k: (torch.from_numpy(logp0) + on_mask(rows, offsets[k], B, T)) * mask for k in offsets}}
    hyper = TS.default_hyper(lr=1e-4, kl_beta=0.1)
    ins, outs = TS.step_io(names)
    zeros = {n: torch.zeros_like(t) for n, t in lora0.items()}
    args = TS.step_args(names, lora0, zeros, zeros, batch, hyper)
    res = dict(zip(outs, verify.session(os.path.join(out, "onnx", "train_step.onnx")).run(
        outs, {n: a.numpy() for n, a in zip(ins, args)})))
    golden = {
        "batch": "input_ids, loss_mask_rows, advantages and n_prompt of train_step.json; state: lora_init, Adam moments 0, step 0",
        "old_logp": "(logp(lora_init) + offsets.old_logp) · loss_mask", "ref_logp": "(logp(lora_init) + offsets.ref_logp) · loss_mask",
        "offsets": {k: {"seed": OFFPOLICY_SEED, "scale": OFFSET_SCALE[k], "rows": v} for k, v in offsets.items()},
        "hyper": {k: float(v) for k, v in hyper.items() if k != "step"},
        "step": {**{s: float(res[s]) for s in ("loss", "kl", "clip_frac", "entropy", "grad_norm")},
                 "updated": {o: summary(res[o]) for o in outs[:3 * len(names)]}},
        "tolerance": {"stats_rel": 1e-3, "tensors_rel": 1e-3}}
    json.dump(golden, open(os.path.join(out, "goldens", "train_step_offpolicy.json"), "w"), separators=(",", ":"))
    return golden


def write_all(out, hf, w, cfg, check_lora):
    gdir = os.path.join(out, "goldens")
    os.makedirs(gdir, exist_ok=True)
    pol = OrtPolicy(out)
    dump = lambda name, obj: json.dump(obj, open(os.path.join(gdir, name), "w"), separators=(",", ":"))  # noqa: E731
    dump("tokenizer.json", tokenizer_golden(pol))
    dump("logits.json", logits_golden(pol))
    dump("greedy.json", greedy_golden(pol))

    names = list(M.lora_shapes(cfg))
    B, T = TS.BATCH, TS.SEQ
    prompt, n_prompt, ids, mask, adv = golden_batch(pol, cfg, B, T)
    lp_sess = verify.session(os.path.join(out, "onnx", "logprob.onnx"))
    st_sess = verify.session(os.path.join(out, "onnx", "train_step.onnx"))
    lora0 = load_file(os.path.join(out, "lora_init.safetensors"))
    logp0, ent0 = lp_sess.run(None, {**{n: lora0[n].numpy() for n in names}, "input_ids": ids.numpy()})
    batch = {"input_ids": ids, "loss_mask": mask, "advantages": adv, "old_logp": torch.from_numpy(logp0) * mask,
             "ref_logp": torch.from_numpy(logp0) * mask}
    hyper = TS.default_hyper(lr=1e-4)  # a usual LoRA rate: the near-deterministic policy moves fast
    ins, outs = TS.step_io(names)
    zeros = {n: torch.zeros_like(t) for n, t in lora0.items()}
    state, steps, chained_err = (lora0, zeros, zeros), [], 0.0
    for k in range(2):
        hyper["step"] = torch.tensor(float(k))
        args = TS.step_args(names, *state, batch, hyper)
        t0 = time.time()
        res = dict(zip(outs, st_sess.run(None, {n: a.numpy() for n, a in zip(ins, args)})))
        ms = (time.time() - t0) * 1000
        # The goldens come from the graph, so they cannot catch a graph that wires its inputs wrongly (it once read
        # adam_v as the first moment: invisible while both are zero). The traced PyTorch function on the same
        # inputs must agree, on the second chained step too, where m ≠ v.
        want = TS.make_step_fn(w, cfg, names)(*args)
        for i, o in enumerate(outs[:3 * len(names)]):
            ref = want[i].detach().double().numpy()
            chained_err = max(chained_err, abs(res[o].sum() - ref.sum()) / max(np.abs(ref).sum(), 1e-12))
        steps.append({"ms_cpu": round(ms), **{s: float(res[s]) for s in ("loss", "kl", "clip_frac", "entropy", "grad_norm")},
                      "logp": summary(res["logp"] * mask.numpy()),
                      "updated": {o: summary(res[o]) for o in outs[:3 * len(names)]}})
        state = tuple({n: torch.from_numpy(res[f"updated.{p}{n}"]) for n in names} for p in ("", "adam_m.", "adam_v."))
    if chained_err > 1e-3:
        raise AssertionError(f"train_step.onnx departs from the PyTorch step over two chained steps: relative error {chained_err:.2e} > 1e-3")
    dump("train_step.json", {
        "files": ["onnx/logprob.onnx", "onnx/train_step.onnx"], "prompt": prompt, "n_prompt": n_prompt,
        "input_ids": ids.tolist(), "loss_mask_rows": [[n_prompt, int(m.sum()) + n_prompt] for m in mask],
        "advantages": r6(adv), "hyper": {k: float(v) for k, v in hyper.items() if k != "step"},
        "old_logp = ref_logp": {"source": "logprob.onnx with lora_init, times loss_mask", **summary(batch["old_logp"]),
                                "row_sums": r6(batch["old_logp"].sum(1))},
        "entropy": summary(ent0), "tolerance": {"stats_rel": 1e-3, "tensors_rel": 1e-3},
        "steps": steps})
    offpolicy_golden(out)

    # the bundled graph against PEFT gradients and TRL's loss, on this batch with a LoRA whose B ≠ 0
    g = torch.Generator().manual_seed(4)
    with torch.no_grad():
        lp, _ = TS.make_logprob_fn(w, cfg, names)(*check_lora.values(), ids)
    cb = {**batch, "old_logp": (lp + 0.2 * torch.randn(B, T, generator=g)) * mask,
          "ref_logp": (lp + 0.1 * torch.randn(B, T, generator=g)) * mask}
    h = TS.default_hyper(max_grad_norm=0.0)
    args = TS.step_args(names, check_lora, zeros, zeros, cb, h)
    res = dict(zip(outs, st_sess.run(None, {n: a.numpy() for n, a in zip(ins, args)})))
    return {**check_grpo.compare(res, names, check_grpo.peft_model(hf, check_lora), cb, n_prompt, h),
            "chained_steps_vs_torch_rel": float(chained_err), "ms_cpu_step": steps[0]["ms_cpu"], "batch": B, "seq": T}


if __name__ == "__main__":  # regenerate the goldens of a built folder and its checks.json entry
    import argparse

    from transformers import LlamaForCausalLM
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt")
    ap.add_argument("--out", default="public/models/sgp-tiny-policy")
    ap.add_argument("--offpolicy-only", action="store_true", help="write only train_step_offpolicy.json")
    a = ap.parse_args()
    if a.offpolicy_only:
        st = offpolicy_golden(a.out)["step"]
        print(json.dumps({k: v for k, v in st.items() if k != "updated"}))
        sys.exit(0)
    # --ckpt: a training checkpoint; without it the base is read back from the folder's own model.onnx
    hf = LlamaForCausalLM.from_pretrained(a.ckpt, dtype=torch.float32).eval() if a.ckpt else M.llama_from_onnx(a.out)
    g = torch.Generator().manual_seed(2)
    lora = {n: (t if n.endswith("A") else torch.randn(t.shape, generator=g) * 0.02)
            for n, t in M.init_lora(hf.config).items()}
    res = write_all(a.out, hf, M.base_weights(hf), hf.config, lora)
    path = os.path.join(a.out, "checks.json")
    checks = json.load(open(path))
    checks["train_step"] = res
    json.dump(checks, open(path, "w"), indent=1)
    print(json.dumps(res), file=sys.stdout)
