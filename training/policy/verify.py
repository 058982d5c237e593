"""onnxruntime (Python, CPU) against PyTorch for the decoder graphs; the tolerances the smoke test asserts."""
import numpy as np
import torch

from training.policy import model as M
from training.policy.export import example_inputs, io_names
from training.policy.fused import open_session

TOL = {"fp32": 1e-4, "int8": 0.5}  # max |Δlogit|; quantized variants are checked on argmax agreement too


def session(path):
    return open_session(path)  # the same interface for graphs that keep their cache outside (fused.py)


def decoder_cases(cfg, lora=None):
    """Prefill with left padding and no past (the first call), then one cached step (every later call)."""
    d = M.dims(cfg)
    g = torch.Generator().manual_seed(1)
    B, S = 2, 6
    ids = torch.randint(4, cfg.vocab_size, (B, S), generator=g)
    am = torch.ones(B, S, dtype=torch.long)
    am[1, :2] = 0
    pos = (am.cumsum(-1) - 1).clamp(min=0)
    empty = [torch.zeros(B, d["Hkv"], 0, d["hd"]) for _ in range(2 * d["L"])]
    yield (ids, am, pos, *empty, *(lora.values() if lora else []))
    yield example_inputs(cfg, B=2, S=1, P=5, lora=lora)


def check_decoder(path, w, cfg, lora=None):
    """Max |ORT − PyTorch| over logits and present.*, and the share of positions whose argmax agrees."""
    names = list(lora) if lora else []
    ins, outs = io_names(cfg, names)
    sess = session(path)
    worst, agree, total = 0.0, 0, 0
    for args in decoder_cases(cfg, lora):
        feeds = {n: a.numpy() for n, a in zip(ins, args)}
        got = dict(zip(outs, sess.run(outs, feeds)))
        n_kv = 2 * cfg.num_hidden_layers
        past = [(args[3 + 2 * i], args[4 + 2 * i]) for i in range(n_kv // 2)]
        with torch.no_grad():
            logits, present = M.forward(w, cfg, args[0], args[2], args[1], past,
                                        dict(zip(names, args[3 + n_kv:])) if names else None)
        ref = {"logits": logits, **{f"present.{i}.{kv}": t for i, p in enumerate(present)
                                    for kv, t in zip(("key", "value"), p)}}
        valid = args[1][:, -logits.shape[1]:].bool().numpy()  # padded query rows are never read
        for k, r in ref.items():
            diff = np.abs(got[k] - r.numpy())
            worst = max(worst, float(diff[valid].max() if k == "logits" else diff.max()))
        agree += int((got["logits"].argmax(-1) == logits.numpy().argmax(-1))[valid].sum())
        total += int(valid.sum())
    return {"max_abs": worst, "argmax_agree": agree / total}


def greedy_torch(w, cfg, prompt_ids, max_new, end_id):
    """Greedy decoding with full recomputation (no cache): the reference for the cached ONNX sampler."""
    ids = list(prompt_ids)
    out = []
    with torch.no_grad():
        for _ in range(max_new):
            x = torch.tensor([ids])
            logits, _ = M.forward(w, cfg, x, torch.arange(len(ids))[None])
            nxt = int(logits[0, -1].argmax())
            if nxt == end_id:
                break
            out.append(nxt)
            ids.append(nxt)
    return out
