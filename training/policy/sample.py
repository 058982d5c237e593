"""Sample programs from the exported ONNX policy with onnxruntime (CPU): the model as the browser gets it.

    python3 training/policy/sample.py --data training/data/policy --split val --n 200 --temperature 1 \\
        --out training/runs/policy/samples.val.t1.jsonl

Batched, left-padded prompts with the KV cache fed back each step, exactly the transformers.js decoder
contract. Writes one JSON line per prompt: id, split, category, prompt, temperature, svg (the text before
<|end|>), finished (eos reached), tokens.
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402

from training.common.corpus import load_records  # noqa: E402
from training.policy.fused import open_session  # noqa: E402
from training.policy.tokenizer import END, PAD, load as load_tokenizer, prompt_text  # noqa: E402


class OrtPolicy:
    def __init__(self, model_dir, file="onnx/model.onnx", threads=0):
        self.tok = load_tokenizer(model_dir)
        with open(os.path.join(model_dir, "config.json")) as f:
            self.cfg = json.load(f)
        so = ort.SessionOptions()
        if threads:
            so.intra_op_num_threads = threads
        self.sess = open_session(os.path.join(model_dir, file), so)  # fused graphs keep their cache outside
        self.inputs = {i.name for i in self.sess.get_inputs()}
        self.end_id, self.pad_id = self.tok.token_to_id(END), self.tok.token_to_id(PAD)

    def empty_past(self, B):
        c = self.cfg
        hd = c["hidden_size"] // c["num_attention_heads"]
        z = np.zeros((B, c["num_key_value_heads"], 0, hd), np.float32)
        return {f"past_key_values.{i}.{kv}": z for i in range(c["num_hidden_layers"]) for kv in ("key", "value")}

    def step(self, feeds):
        names = [o.name for o in self.sess.get_outputs()]
        return dict(zip(names, self.sess.run(None, feeds)))

    def generate(self, prompts, temperature=1.0, max_new_tokens=700, seed=0, extra=None):
        """Texts (before <|end|>), finished flags and generated-token counts for a batch of prompts."""
        out, done = self.generate_ids(prompts, temperature, max_new_tokens, seed, extra)
        return [self.tok.decode(o) for o in out], done, [len(o) for o in out]

    def generate_ids(self, prompts, temperature=1.0, max_new_tokens=700, seed=0, extra=None):
        """Generated token ids (without <|end|>) and finished flags."""
        rng = np.random.default_rng(seed)
        enc = [self.tok.encode(prompt_text(p)).ids for p in prompts]
        B, T = len(enc), max(map(len, enc))
        ids = np.array([[self.pad_id] * (T - len(e)) + e for e in enc], np.int64)
        am = np.array([[0] * (T - len(e)) + [1] * len(e) for e in enc], np.int64)
        pos = np.clip(am.cumsum(-1) - 1, 0, None)
        feeds = {"input_ids": ids, "attention_mask": am, "position_ids": pos, **self.empty_past(B), **(extra or {})}
        out = [[] for _ in range(B)]
        done = np.zeros(B, bool)
        for _ in range(max_new_tokens):
            res = self.step(feeds)
            logits = res["logits"][:, -1].astype(np.float64)
            if temperature > 0:
                z = logits / temperature
                p = np.exp(z - z.max(-1, keepdims=True))
                p /= p.sum(-1, keepdims=True)
                nxt = np.array([rng.choice(len(row), p=row) for row in p])
            else:
                nxt = logits.argmax(-1)
            for b in range(B):
                if not done[b]:
                    if nxt[b] == self.end_id:
                        done[b] = True
                    else:
                        out[b].append(int(nxt[b]))
            if done.all():
                break
            nxt = np.where(done, self.pad_id, nxt)
            am = np.concatenate([am, np.ones((B, 1), np.int64)], 1)
            feeds = {"input_ids": nxt[:, None].astype(np.int64), "attention_mask": am,
                     "position_ids": pos[:, -1:] + 1, **(extra or {})}
            pos = feeds["position_ids"]
            for k, v in res.items():
                if k.startswith("present."):
                    feeds["past_key_values." + k[len("present."):]] = v
        return out, done.tolist()


def sample_split(policy, records, temperature, batch=32, max_new_tokens=700, seed=0):
    rows = []
    for s in range(0, len(records), batch):
        chunk = records[s:s + batch]
        texts, fin, n = policy.generate([r["prompt"] for r in chunk], temperature, max_new_tokens, seed + s)
        rows += [{"id": r["id"], "split": r["split"], "category": r["category"], "prompt": r["prompt"],
                  "temperature": temperature, "svg": t, "finished": f, "tokens": k}
                 for r, t, f, k in zip(chunk, texts, fin, n)]
    return rows


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="public/models/sgp-tiny-policy")
    ap.add_argument("--file", default="onnx/model.onnx")
    ap.add_argument("--data", default="training/data/policy")
    ap.add_argument("--split", default="val", help="val or heldout (corpus file)")
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--temperature", type=float, default=1.0)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    pol = OrtPolicy(a.model, a.file)
    t0 = time.time()
    rows = sample_split(pol, load_records(a.data, a.split, a.n), a.temperature, a.batch, seed=a.seed)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)
    toks = sum(r["tokens"] for r in rows)
    print(json.dumps({"rows": len(rows), "finished": sum(r["finished"] for r in rows) / len(rows),
                      "tokens": toks, "seconds": round(time.time() - t0, 1), "file": a.file}))
