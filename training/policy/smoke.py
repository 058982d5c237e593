"""CPU smoke test of the whole policy factory on a tiny random model (run by tests/factory/policy.test.ts).

    python3 training/policy/smoke.py [--keep DIR]

Trains a tokenizer on the synthetic stand-in corpus, builds a random 2-layer Llama, exports every graph
(decoder fp32/int8, LoRA decoder, log-prob, train step), and checks each with onnxruntime against
PyTorch, the train step against transformers+PEFT gradients and TRL's GRPO loss. Prints one JSON line;
exit status 1 when a check fails.
"""
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
T0 = time.time()
import numpy as np  # noqa: E402
import torch  # noqa: E402
from transformers import LlamaForCausalLM  # noqa: E402

from training.common.corpus import synthetic_records  # noqa: E402
from training.policy import check_grpo, export, model as M, train_step as TS, verify  # noqa: E402
from training.policy import tokenizer as TK  # noqa: E402
from training.policy.sample import OrtPolicy  # noqa: E402

TINY = dict(num_hidden_layers=2, hidden_size=64, num_attention_heads=4, num_key_value_heads=4, head_dim=16,
            intermediate_size=128)
B, T = 2, 24  # train-step shapes for the smoke test (the bundled graph uses train_step.BATCH × SEQ)


def main(work):
    checks = {}

    def check(name, ok, **values):
        checks[name] = {"ok": bool(ok), **values}

    tok = TK.train_tokenizer(TK.corpus_texts(synthetic_records()), 400)
    TK.save(tok, work, 256)
    cfg = M.llama_config(tok.get_vocab_size(), pad_id=0, eos_id=1, **TINY)
    torch.manual_seed(0)
    hf = LlamaForCausalLM(cfg).eval()
    with torch.no_grad():
        for p in hf.parameters():
            p.normal_(0, 0.15)  # large enough that logits differ clearly between tokens
    ckpt = os.path.join(work, "ckpt")
    hf.save_pretrained(ckpt)
    hf, paths = export.export_all(ckpt, work, "")
    w = M.base_weights(hf)

    for variant in ("fp32", "int8"):
        r = verify.check_decoder(paths[variant], w, cfg)
        ok = r["max_abs"] <= verify.TOL[variant] and (variant != "fp32" or r["argmax_agree"] == 1.0)
        check(f"decoder_{variant}", ok, **r, tol=verify.TOL[variant], bytes=os.path.getsize(paths[variant]))
    g = torch.Generator().manual_seed(2)
    lora = {n: (t if n.endswith("A") else torch.randn(t.shape, generator=g) * 0.1) for n, t in M.init_lora(cfg).items()}
    r = verify.check_decoder(paths["lora"], w, cfg, lora)
    check("decoder_lora", r["max_abs"] <= verify.TOL["fp32"], **r)

    pol = OrtPolicy(work)
    prompts = ["a red circle on the left", "a blue square"]
    texts, _, _ = pol.generate(prompts, temperature=0.0, max_new_tokens=12)
    ref = [tok.decode(verify.greedy_torch(w, cfg, tok.encode(TK.prompt_text(p)).ids, 12, 1)) for p in prompts]
    check("greedy_cached_vs_full", texts == ref and all(texts), onnx=texts, torch=ref)

    p_step, p_lp = TS.export_graphs(w, cfg, work, B, (T,))
    names = list(M.lora_shapes(cfg))
    batch = TS.example_batch(cfg, B, T)
    with torch.no_grad():
        lp, ent = TS.make_logprob_fn(w, cfg, names)(*lora.values(), batch["input_ids"])
    mask = batch["loss_mask"]
    gen = torch.Generator().manual_seed(3)
    batch["old_logp"] = (lp + 0.3 * torch.randn(B, T, generator=gen)) * mask  # some ratios clip
    batch["ref_logp"] = (lp + 0.1 * torch.randn(B, T, generator=gen)) * mask
    export.share_weights([paths["fp32"], paths["lora"], p_lp, p_step])

    got = verify.session(p_lp).run(None, {**{n: t.numpy() for n, t in lora.items()},
                                          "input_ids": batch["input_ids"].numpy()})
    check("logprob", float(np.abs(got[0] - lp.numpy()).max()) <= 1e-4, max_abs=float(np.abs(got[0] - lp.numpy()).max()))
    r = verify.check_decoder(paths["lora"], w, cfg, lora)
    check("decoder_lora_shared_weights", r["max_abs"] <= verify.TOL["fp32"], **r)
    r = verify.check_decoder(export.export_lora_sampler(work), w, cfg, lora)  # the RL sampler, fused, over the shared file
    check("decoder_lora_fused_shared_weights", r["max_abs"] <= verify.TOL["fp32"], **r)
    r = verify.check_decoder(paths["fp32"], w, cfg)
    check("decoder_fp32_shared_weights", r["max_abs"] <= verify.TOL["fp32"] and r["argmax_agree"] == 1.0, **r)

    n_prompt = int(mask[0].nonzero()[0])
    pm = check_grpo.peft_model(hf, lora)
    ins, outs = TS.step_io(names)
    zeros = {n: torch.zeros_like(t) for n, t in lora.items()}
    sess = verify.session(p_step)
    for label, hyper in (("token_mean", TS.default_hyper(max_grad_norm=0.0)),
                         ("dr_grpo", TS.default_hyper(max_grad_norm=0.0, loss_denom=float(B * (T - n_prompt))))):
        args = TS.step_args(names, lora, zeros, zeros, batch, hyper)
        res = dict(zip(outs, sess.run(None, {n: a.numpy() for n, a in zip(ins, args)})))
        c = check_grpo.compare(res, names, pm, batch, n_prompt, hyper)
        rel = lambda a, b: abs(a - b) / max(abs(b), 1e-8)  # noqa: E731
        ok = (c["grad_rel_err"] <= 1e-4 and rel(c["graph_loss"], c["peft_loss"]) <= 1e-4
              and rel(c["graph_loss"], c["trl_loss"]) <= 1e-4 and rel(c["graph_kl"], c["trl_kl"]) <= 1e-4
              and abs(c["graph_clip_frac"] - c["trl_clip_frac"]) <= 1e-6 and rel(c["graph_entropy"], c["trl_entropy"]) <= 1e-4)
        check(f"train_step_{label}", ok, **c)
    # one full step with clipping and decay: the graph equals the eager function it was traced from
    args = TS.step_args(names, lora, zeros, zeros, batch, TS.default_hyper(weight_decay=0.01, max_grad_norm=0.05))
    res = sess.run(None, {n: a.numpy() for n, a in zip(ins, args)})
    eager = TS.make_step_fn(w, cfg, names)(*args)
    diff = max(float(np.abs(r - e.detach().numpy()).max()) for r, e in zip(res, eager))
    check("train_step_vs_eager", diff <= 1e-5, max_abs=diff)
    # use_old_logp = 0 (one update per group): the graph's own detached log-probs replace the old_logp input,
    # so garbage there changes nothing, and the step equals feeding old_logp = the current log-probs
    on = {**batch, "old_logp": lp * mask}
    want = sess.run(None, {n: a.numpy() for n, a in zip(ins, TS.step_args(names, lora, zeros, zeros, on, TS.default_hyper()))})
    junk = {**batch, "old_logp": torch.full_like(lp, -7.0)}
    got = sess.run(None, {n: a.numpy() for n, a in zip(ins, TS.step_args(names, lora, zeros, zeros, junk, TS.default_hyper(use_old_logp=0.0)))})
    diff = max(float(np.abs(g - w).max()) for g, w in zip(got, want))
    check("train_step_own_old_logp", diff <= 1e-5, max_abs=diff)
    return checks


if __name__ == "__main__":
    keep = sys.argv[sys.argv.index("--keep") + 1] if "--keep" in sys.argv else None
    if keep:
        os.makedirs(keep, exist_ok=True)
        checks = main(keep)
    else:
        with tempfile.TemporaryDirectory() as d:
            checks = main(d)
    ok = all(c["ok"] for c in checks.values())
    print(json.dumps({"ok": ok, "seconds": round(time.time() - T0, 1), "torch": torch.__version__, "checks": checks}))
    sys.exit(0 if ok else 1)
