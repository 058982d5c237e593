"""A PyTorch mirror of the tab's GRPO run (`npm run rl`), fast enough to search settings on this CPU.

    python3 training/policy/grpo_mirror.py --seed 1 --steps 30 [--lr 3e-3 --prompts-per-step 2 …] --out run.jsonl

Same policy (the weights of onnx/model.onnx, read back), same LoRA (lora_init.safetensors: rank 8, alpha 16 on
q, v, gate, up, down), same loss (train_step.grpo_loss: clipped ratio, μ = 1 so old_logp is the step's own
detached log-probs, token-mean or Dr.GRPO's constant denominator), AdamW (0.9, 0.999, 1e-8) with the global
grad-norm clip — torch's, or with `--engine graph` the tab's own train_step graphs in onnxruntime —, the same
prompts (the seed's training pool and the fixed held-out set of src/lib/rl/prompts.ts)
and the same reward (reward_server.ts: the app's render path, terms, composer and preset). Sampling is torch's
own (temperature, stop at `</svg>` or eos, at most --max-new tokens), so samples differ from the browser's
seeded sampler but follow the same distribution; the step-0 held-out reward checks that (browser: 0.742).
Prints one JSON line per held-out measurement and per step.

--dynamic-sampling (DAPO, Yu et al. 2025): a step keeps drawing training prompts, in pool order, until it has
--prompts-per-step groups whose rewards are not all equal (at most --draw-cap × that many draws); only those are
trained on. A step's log counts its draws; the next step continues where this one stopped in the pool.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
import onnx  # noqa: E402
import torch  # noqa: E402
from onnx import numpy_helper  # noqa: E402
from safetensors.torch import load_file  # noqa: E402
from transformers import LlamaConfig  # noqa: E402

from training.policy import model as M  # noqa: E402
from training.policy.tokenizer import END, PAD, load as load_tokenizer, prompt_text  # noqa: E402
from training.policy.train_step import grpo_loss  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
FOLDER = os.path.join(ROOT, "public", "models", "sgp-tiny-policy")


class RewardServer:
    """reward_server.ts as a child process: one JSON line in, one out."""

    def __init__(self, preset="verifiable"):
        self.p = subprocess.Popen(["node", "--import", "tsx", "training/policy/reward_server.ts", "--preset", preset],
                                  cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def ask(self, req):
        self.p.stdin.write(json.dumps(req) + "\n")
        self.p.stdin.flush()
        reply = json.loads(self.p.stdout.readline())
        if "error" in reply:
            raise RuntimeError(f"reward server: {reply['error']}")
        return reply


class Policy:
    def __init__(self, folder=FOLDER):
        self.cfg = LlamaConfig.from_pretrained(folder)
        self.w = {i.name.replace("__", "."): torch.from_numpy(numpy_helper.to_array(i).copy())
                  for i in onnx.load(os.path.join(folder, "onnx", "model.onnx")).graph.initializer}
        self.tok = load_tokenizer(folder)
        self.end_id, self.pad_id = self.tok.token_to_id(END), self.tok.token_to_id(PAD)
        self.has_gt = torch.tensor(['>' in self.tok.decode([i]) for i in range(self.cfg.vocab_size)])

    def prompt_ids(self, prompt):
        return self.tok.encode(prompt_text(prompt)).ids

    @torch.no_grad()
    def sample(self, prompts, lora, n, temperature, max_new, gen):
        """n programs per prompt in one left-padded batch: [(prompt_ids, [(text, tokens)] * n)] per prompt."""
        enc = [self.prompt_ids(p) for p in prompts]
        rows = [e for e in enc for _ in range(n)]
        B, P = len(rows), max(map(len, rows))
        ids = torch.tensor([[self.pad_id] * (P - len(e)) + e for e in rows])
        am = torch.tensor([[0] * (P - len(e)) + [1] * len(e) for e in rows])
        pos = (am.cumsum(-1) - 1).clamp(min=0)
        out = [[] for _ in range(B)]
        done = torch.zeros(B, dtype=torch.bool)
        past = None
        for _ in range(max_new):
            logits, past = M.forward(self.w, self.cfg, ids, pos, am, past, lora)
            lg = logits[:, -1].double()
            if temperature > 0:
                nxt = torch.multinomial(torch.softmax(lg / temperature, -1), 1, generator=gen)[:, 0]
            else:
                nxt = lg.argmax(-1)
            for b in torch.nonzero(~done)[:, 0].tolist():
                t = int(nxt[b])
                out[b].append(t)
                if t == self.end_id:
                    done[b] = True
                elif self.has_gt[t] and "</svg>" in self.tok.decode(out[b][-8:]):
                    done[b] = True
            if bool(done.all()):
                break
            ids = torch.where(done, self.end_id, nxt)[:, None]
            am = torch.cat([am, torch.ones(B, 1, dtype=am.dtype)], 1)
            pos = pos[:, -1:] + 1
        groups = []
        for k, e in enumerate(enc):
            toks = out[k * n:(k + 1) * n]
            groups.append((e, [(self.text(t), t) for t in toks]))
        return groups

    def text(self, toks):
        s = self.tok.decode([t for t in toks if t != self.end_id])
        at = s.find("</svg>")
        return s[:at + 6] if at >= 0 else s


class GraphLearner:
    """The tab's own update: the train_step_<T>.onnx graphs (onnxruntime CPU) with LoRA and AdamW state kept
    here, written back into the mirror's LoRA tensors after each step (to compare engines over a run)."""

    BUCKETS = ((128, "train_step_128.onnx"), (256, "train_step_256.onnx"), (384, "train_step.onnx"), (768, "train_step_768.onnx"))

    def __init__(self, lora):
        import numpy as np
        import onnxruntime as ort
        self.np, self.ort, self.sessions = np, ort, {}
        self.lora = lora
        self.m = {k: np.zeros(tuple(v.shape), np.float32) for k, v in lora.items()}
        self.v = {k: np.zeros(tuple(v.shape), np.float32) for k, v in lora.items()}
        self.step = 0

    def update(self, ids, mask, adv, lr, clip_low, clip_high, max_grad_norm, loss_denom):
        np = self.np
        T = next(t for t, _ in self.BUCKETS if t >= ids.shape[1])
        if T not in self.sessions:
            so = self.ort.SessionOptions()
            so.intra_op_num_threads = 1
            f = dict(self.BUCKETS)[T]
            self.sessions[T] = self.ort.InferenceSession(os.path.join(FOLDER, "onnx", f), so, providers=["CPUExecutionProvider"])
        sess = self.sessions[T]
        B = 8
        pid = np.zeros((B, T), np.int64)
        pid[:ids.shape[0], :ids.shape[1]] = ids.numpy()
        pm = np.zeros((B, T), np.float32)
        pm[:mask.shape[0], :mask.shape[1]] = mask.numpy()
        pa = np.zeros(B, np.float32)
        pa[:adv.shape[0]] = adv.numpy()
        f = lambda x: np.array(x, np.float32)  # noqa: E731
        feeds = {**{k: v.detach().numpy() for k, v in self.lora.items()}, **{f"adam_m.{k}": v for k, v in self.m.items()},
                 **{f"adam_v.{k}": v for k, v in self.v.items()}, "step": f(self.step), "lr": f(lr), "input_ids": pid,
                 "loss_mask": pm, "advantages": pa, "old_logp": np.zeros((B, T), np.float32),
                 "ref_logp": np.zeros((B, T), np.float32), "clip_low": f(clip_low), "clip_high": f(clip_high),
                 "kl_beta": f(0), "weight_decay": f(0), "max_grad_norm": f(max_grad_norm), "loss_denom": f(loss_denom),
                 "use_old_logp": f(0)}
        outs = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, {i.name: feeds[i.name] for i in sess.get_inputs()})))
        with torch.no_grad():
            for k, v in self.lora.items():
                v.copy_(torch.from_numpy(outs[f"updated.{k}"]))
        self.m = {k: outs[f"updated.adam_m.{k}"] for k in self.m}
        self.v = {k: outs[f"updated.adam_v.{k}"] for k in self.v}
        self.step += 1
        return float(outs["grad_norm"])


def advantages(r, objective):
    r = torch.tensor(r, dtype=torch.float32)
    if objective == "dr-grpo":
        return r - r.mean()
    return (r - r.mean()) / (r.std(unbiased=True) + 1e-4)


def batch_of(prompt_ids, programs, adv):
    """Right-padded (G, T) ids and the loss mask over program tokens, as train-batch.ts packs them."""
    seqs = [prompt_ids + toks for _, toks in programs]
    T = max(map(len, seqs))
    ids = torch.full((len(seqs), T), 0, dtype=torch.long)
    mask = torch.zeros(len(seqs), T)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = torch.tensor(s)
        mask[i, len(prompt_ids):len(s)] = 1
    return ids, mask, adv


def heldout(policy, server, lora, prompts, a, tag):
    gen = torch.Generator().manual_seed(a.heldout_seed)
    groups = policy.sample([p["prompt"] for p in prompts], lora, a.heldout_samples, a.eval_temperature, a.max_new, gen)
    per, valid, fails, cats = [], 0, {}, {}
    for i, (_, progs) in enumerate(groups):
        s = server.ask({"op": "score", "set": "heldout", "i": i, "programs": [t for t, _ in progs]})
        per.append(sum(s["rewards"]) / len(s["rewards"]))
        valid += sum(s["valid"])
        for f in s["failed"]:
            for name in f:
                key = name.split(":")[0]
                fails[key] = fails.get(key, 0) + 1
        cats.setdefault(prompts[i]["category"], []).append(per[-1])
    n = len(prompts) * a.heldout_samples
    return {"heldout": tag, "reward": round(sum(per) / len(per), 4), "valid_rate": round(valid / n, 3),
            "pass_rate": None, "failed_checks": fails,
            "by_category": {k: round(sum(v) / len(v), 3) for k, v in sorted(cats.items())},
            "per_prompt": [round(x, 3) for x in per]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--split", default="compositional")
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--prompts-per-step", type=int, default=2)
    ap.add_argument("--group", type=int, default=8)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--warmup", type=int, default=0, help="linear lr warm-up steps")
    ap.add_argument("--temperature", type=float, default=1.0, help="sampling temperature while training")
    ap.add_argument("--eval-temperature", type=float, default=1.0)
    ap.add_argument("--max-new", type=int, default=320)
    ap.add_argument("--objective", default="grpo", choices=["grpo", "dr-grpo"])
    ap.add_argument("--clip-low", type=float, default=0.2)
    ap.add_argument("--clip-high", type=float, default=0.28)
    ap.add_argument("--max-grad-norm", type=float, default=1.0)
    ap.add_argument("--updates", default="per-group", choices=["per-group", "per-step"],
                    help="one AdamW update per group (the tab) or one per step over all its groups")
    ap.add_argument("--train-reward", default="raw", choices=["raw", "pass"],
                    help="what the advantages see: the preset's reward, or 1 when every verifier check passes else 0")
    ap.add_argument("--dynamic-sampling", action="store_true",
                    help="DAPO: draw prompts until the step has --prompts-per-step groups with unequal rewards")
    ap.add_argument("--draw-cap", type=int, default=4, help="with --dynamic-sampling, at most this × P draws a step")
    ap.add_argument("--engine", default="torch", choices=["torch", "graph"],
                    help="who updates the LoRA: torch AdamW, or the tab's train_step graphs in onnxruntime")
    ap.add_argument("--targets", default="", help="comma list of LoRA targets to train (default: all)")
    ap.add_argument("--pool", type=int, default=256)
    ap.add_argument("--heldout", type=int, default=16)
    ap.add_argument("--heldout-samples", type=int, default=8)
    ap.add_argument("--heldout-seed", type=int, default=7)
    ap.add_argument("--final-seeds", default="",
                    help="comma list of further held-out sampling seeds measured after the last step (the estimate's spread)")
    ap.add_argument("--eval-every", type=int, default=0, help="held-out every N steps (0: before and after only)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default="")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    out = open(a.out, "w") if a.out else None

    def log(row):
        line = json.dumps(row)
        print(line, flush=True)
        if out:
            out.write(line + "\n")
            out.flush()

    log({"config": vars(a)})
    policy = Policy()
    server = RewardServer()
    sets = server.ask({"op": "prompts", "split": a.split, "seed": a.seed, "pool": a.pool, "heldout": a.heldout})
    lora = {k: v.clone().requires_grad_(True) for k, v in load_file(os.path.join(FOLDER, "lora_init.safetensors")).items()}
    targets = [t for t in a.targets.split(",") if t]
    params = [v for k, v in lora.items() if not targets or any(f".{t}." in k for t in targets)]
    opt = torch.optim.AdamW(params, lr=a.lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    zero = torch.zeros(())
    hyper = dict(clip_low=torch.tensor(a.clip_low), clip_high=torch.tensor(a.clip_high), kl_beta=zero,
                 use_old_logp=zero)
    t0 = time.time()
    log({**heldout(policy, server, lora, sets["heldout"], a, 0), "s": round(time.time() - t0)})
    gen = torch.Generator().manual_seed(1000 + a.seed)
    n_updates = 0
    learner = GraphLearner(lora) if a.engine == "graph" else None
    cursor = 0  # next training prompt in the pool; steps draw in order, dynamic sampling draws more
    for step in range(a.steps):
        ts = time.time()
        rewards, valid, stats = [], 0, []
        losses = []
        draws = informative = 0
        per_group = []  # [pool index, mean reward] of each group drawn
        max_draws = a.prompts_per_step * (a.draw_cap if a.dynamic_sampling else 1)
        while draws < max_draws and informative < a.prompts_per_step:
            i = cursor % len(sets["train"])
            cursor += 1
            draws += 1
            prompt = sets["train"][i]
            # Each group is sampled after the previous group's update, as the tab does (on-policy, μ = 1).
            (pids, progs), = policy.sample([prompt["prompt"]], lora, a.group, a.temperature, a.max_new, gen)
            s = server.ask({"op": "score", "set": "train", "i": i, "programs": [t for t, _ in progs]})
            rewards += s["rewards"]
            valid += sum(s["valid"])
            per_group.append([i, round(sum(s["rewards"]) / len(s["rewards"]), 3)])
            shaped = [float(r >= 0.999) for r in s["rewards"]] if a.train_reward == "pass" else s["rewards"]
            adv = advantages(shaped, a.objective)
            if adv.abs().max() < 1e-6:
                continue
            informative += 1
            ids, mask, adv = batch_of(pids, progs, adv)
            if learner:
                learner.update(ids, mask, adv, a.lr, a.clip_low, a.clip_high, a.max_grad_norm,
                               float(a.group * a.max_new if a.objective == "dr-grpo" else 0))
                continue
            denom = torch.tensor(float(a.group * a.max_new if a.objective == "dr-grpo" else 0))
            loss, st = grpo_loss(policy.w, policy.cfg, lora, ids, mask, adv, zero.expand_as(mask), zero.expand_as(mask),
                                 loss_denom=denom, **hyper)
            stats.append(float(st["entropy"]))
            if a.updates == "per-group":
                lr = a.lr * min(1.0, (n_updates + 1) / a.warmup) if a.warmup else a.lr
                for g in opt.param_groups:
                    g["lr"] = lr
                opt.zero_grad()
                loss.backward()
                gn = torch.nn.utils.clip_grad_norm_(params, a.max_grad_norm) if a.max_grad_norm > 0 else zero
                opt.step()
                n_updates += 1
            else:
                losses.append(loss)
        if a.updates == "per-step" and losses:
            lr = a.lr * min(1.0, (step + 1) / a.warmup) if a.warmup else a.lr
            for g in opt.param_groups:
                g["lr"] = lr
            opt.zero_grad()
            (sum(losses) / len(losses)).backward()
            torch.nn.utils.clip_grad_norm_(params, a.max_grad_norm)
            opt.step()
        log({"step": step + 1, "reward_mean": round(sum(rewards) / len(rewards), 4),
             "valid_rate": round(valid / len(rewards), 3), "draws": draws, "trained": informative, "groups": per_group,
             "entropy": round(sum(stats) / len(stats), 4) if stats else None, "s": round(time.time() - ts, 1)})
        if a.eval_every and (step + 1) % a.eval_every == 0 and step + 1 < a.steps:
            log({**heldout(policy, server, lora, sets["heldout"], a, step + 1), "s": round(time.time() - t0)})
    log({**heldout(policy, server, lora, sets["heldout"], a, a.steps), "s": round(time.time() - t0)})
    for seed in [int(x) for x in a.final_seeds.split(",") if x]:
        log({**heldout(policy, server, lora, sets["heldout"], argparse.Namespace(**{**vars(a), "heldout_seed": seed}), a.steps),
             "heldout_seed": seed, "s": round(time.time() - t0)})


if __name__ == "__main__":
    main()
