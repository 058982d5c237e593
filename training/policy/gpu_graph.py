"""The policy decoder as one static-shape decode step for WebGPU: fixed-size KV cache, sampling inside.

    python3 training/policy/gpu_graph.py --model public/models/sgp-tiny-policy

Why: on a real GPU (the lent H200, README "Real GPU") a decode step of this 5 M-parameter model costs
10–15 ms whatever the batch, and the arithmetic is a tiny part of it: the step's ~100 dispatches are
recorded again each call, every step's cache has a new length (new buffers, new shader variants), and
the whole logits row comes back to the CPU to be sampled. This graph removes all three:
- every shape is static ([rows, 1] in, a KV cache of `max_len` positions per layer), so onnxruntime-web's
  `enableGraphCapture` records the step once and replays it;
- the cache is updated in place: com.microsoft GroupQueryAttention with past and present bound to one
  buffer (`past_present_share_buffer`), the position coming from `seqlens_k` (tokens already cached) on
  the GPU, RoPE applied inside it (`do_rotary`, tables in the graph);
- the next token is chosen inside: Gumbel-max, argmax(logits + noise), where the caller writes
  noise = T·Gumbel(u) from its seeded generator (0 for greedy; −1e9 on a banned token), and the
  token's log-prob at temperature 1 (the policy's own, as RL needs). Only [rows, 2] floats come back.

Inputs: input_ids int32 [rows, 1], seqlens_k int32 [rows] (= tokens already in the cache = the new
token's position), total_sequence_length int32 [1] (= seqlens_k + 1), noise float32 [rows, vocab],
past_key_values.{i}.key/value float32 [rows, kv_heads, max_len, head_dim].
Outputs: next float32 [rows, 2] = (token id, log p(token)), present.{i}.key/value (the past's buffers).
The prompt goes through the same graph one token a step (rows alike), so one captured graph serves
prefill and decode. Weights: the fp32 initializers of model.onnx, pointing into the shared
policy_weights.onnx_data (nothing new in the folder but this ~0.2 MB graph).
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
import numpy as np  # noqa: E402
import onnx  # noqa: E402
from onnx import TensorProto, helper  # noqa: E402

from training.policy.fused import GraphBuilder  # noqa: E402

OPSET = 17
MS = "com.microsoft"


def build(model_dir, lora=False):
    """lora: the LoRA sampler's step (model_gpu_lora.onnx): every LoRA target gets x·W + (α/R)·(x·A)·B with A and
    B as inputs named as model_lora.onnx's (the learner's live tensors, training/policy/model.py's layout)."""
    from training.policy.model import LORA_ALPHA, LORA_RANK, LORA_TARGETS
    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    L, D, H = cfg["num_hidden_layers"], cfg["hidden_size"], cfg["num_attention_heads"]
    Hkv = cfg.get("num_key_value_heads", H)
    hd = cfg.get("head_dim", D // H)
    V, eps, max_pos = cfg["vocab_size"], cfg["rms_norm_eps"], cfg["max_position_embeddings"]
    theta = cfg.get("rope_theta", cfg.get("rope_parameters", {}).get("rope_theta", 10000.0))
    # model.onnx's initializers, external-data references included (not loaded): the same bytes
    src = onnx.load(os.path.join(model_dir, "onnx", "model.onnx"), load_external_data=False)
    by_name = {i.name.replace("__", "."): i for i in src.graph.initializer}
    g = GraphBuilder()
    nodes, inits, init, node, used = g.nodes, g.inits, g.init, g.node, set()

    def weight(name):
        t = by_name[name]
        if t.name not in used:
            used.add(t.name)
            inits.append(t)
        return t.name


    lora_inputs = []
    lora_scale = init("lora_scale", np.array(LORA_ALPHA / LORA_RANK, np.float32)) if lora else None

    def proj(x, p, t, out):
        """x·W for module p.t, plus the LoRA update when this graph takes LoRA inputs and t is a target."""
        y = node("MatMul", [x, weight(f"{p}.{t}.weight")], [out])
        if not lora or t not in LORA_TARGETS:
            return y
        a, b = f"{p}.{t}.lora_A", f"{p}.{t}.lora_B"
        lora_inputs.extend([a, b])
        delta = node("MatMul", [node("MatMul", [x, a], [f"{out}_xa"]), b], [f"{out}_xab"])
        return node("Add", [y, node("Mul", [delta, lora_scale], [f"{out}_lora"])], [f"{out}_sum"])

    inv_freq = (1.0 / (theta ** (np.arange(0, hd, 2, dtype=np.float32) / hd))).astype(np.float32)
    angles = np.arange(max_pos, dtype=np.float32)[:, None] * inv_freq[None, :]
    cos, sin = init("rope_cos", np.cos(angles).astype(np.float32)), init("rope_sin", np.sin(angles).astype(np.float32))

    x = node("Gather", [weight("model.embed_tokens.weight"), "input_ids"], ["x_0"], axis=0)  # [rows, 1, D]
    for i in range(L):
        p = f"model.layers.{i}"
        h = node("SimplifiedLayerNormalization", [x, weight(f"{p}.input_layernorm.weight")], [f"h1_{i}"], axis=-1, epsilon=eps, stash_type=1)
        # three MatMuls on the shared weights, packed for GQA (a concatenated copy would grow the folder)
        qkv = node("Concat", [proj(h, p, f"self_attn.{t}_proj", f"{t}_{i}") for t in "qkv"], [f"qkv_{i}"], axis=-1)
        o, _, _ = node("GroupQueryAttention", [qkv, "", "", f"past_key_values.{i}.key", f"past_key_values.{i}.value", "seqlens_k", "total_sequence_length", cos, sin],
                       [f"attn_{i}", f"present.{i}.key", f"present.{i}.value"], domain=MS,
                       num_heads=H, kv_num_heads=Hkv, do_rotary=1, rotary_interleaved=0, scale=float(1.0 / np.sqrt(hd)))
        x = node("Add", [x, proj(o, p, "self_attn.o_proj", f"o_{i}")], [f"x_attn_{i}"])
        h = node("SimplifiedLayerNormalization", [x, weight(f"{p}.post_attention_layernorm.weight")], [f"h2_{i}"], axis=-1, epsilon=eps, stash_type=1)
        g = proj(h, p, "mlp.gate_proj", f"g_{i}")
        u = proj(h, p, "mlp.up_proj", f"u_{i}")
        act = node("Mul", [node("Mul", [g, node("Sigmoid", [g], [f"sig_{i}"])], [f"silu_{i}"]), u], [f"act_{i}"])
        x = node("Add", [x, proj(act, p, "mlp.down_proj", f"down_{i}")], [f"x_{i + 1}"])
    h = node("SimplifiedLayerNormalization", [x, weight("model.norm.weight")], ["h_final"], axis=-1, epsilon=eps, stash_type=1)
    logits3 = node("MatMul", [h, weight("lm_head.weight_t")], ["logits3"])
    logits = node("Reshape", [logits3, init("rows_vocab", np.array([-1, V], np.int64))], ["logits"])  # [rows, V]
    # Sampling in float ops only: ArgMax (int64 out), LogSoftmax and Cast from int64 have no WebGPU kernel
    # in onnxruntime-web 1.30 and would run on the CPU, with a copy each way every step.
    ax = init("axis1", np.array([1], np.int64))
    iota = init("token_ids_f", np.arange(V, dtype=np.float32)[None])
    perturbed = node("Add", [logits, "noise"], ["perturbed"])
    is_max = node("Equal", [perturbed, node("ReduceMax", [perturbed], ["pmax"], axes=[1], keepdims=1)], ["is_max"])
    # the first of the largest (ties to the lower id, as sampler.ts's argmax)
    token = node("ReduceMin", [node("Where", [is_max, iota, init("past_vocab", np.array(V, np.float32))], ["max_ids"])], ["token"], axes=[1], keepdims=1)
    lmax = node("ReduceMax", [logits], ["lmax"], axes=[1], keepdims=1)
    lse = node("Add", [node("Log", [node("ReduceSum", [node("Exp", [node("Sub", [logits, lmax], ["shifted"])], ["exps"]), ax], ["sumexp"], keepdims=1)], ["logsum"]), lmax], ["lse"])
    picked = node("ReduceSum", [node("Where", [node("Equal", [iota, token], ["is_token"]), logits, init("f_zero", np.array(0, np.float32))], ["token_logit_row"]), ax], ["token_logit"], keepdims=1)
    node("Concat", [token, node("Sub", [picked, lse], ["logp"])], ["next"], axis=1)

    f32, i32 = TensorProto.FLOAT, TensorProto.INT32
    inputs = [helper.make_tensor_value_info("input_ids", i32, ["rows", 1]),
              helper.make_tensor_value_info("seqlens_k", i32, ["rows"]),
              helper.make_tensor_value_info("total_sequence_length", i32, [1]),
              helper.make_tensor_value_info("noise", f32, ["rows", V])]
    outputs = [helper.make_tensor_value_info("next", f32, ["rows", 2])]
    for i in range(L):
        for kv in ("key", "value"):
            inputs.append(helper.make_tensor_value_info(f"past_key_values.{i}.{kv}", f32, ["rows", Hkv, "max_len", hd]))
            outputs.append(helper.make_tensor_value_info(f"present.{i}.{kv}", f32, ["rows", Hkv, "max_len", hd]))
    inputs += [helper.make_tensor_value_info(n, f32, [None, None]) for n in lora_inputs]
    graph = helper.make_graph(nodes, "sgp-tiny-policy-gpu-step", inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid(MS, 1)],
                              producer_name="sgp-studio training/policy/gpu_graph.py")
    model.ir_version = 8
    return model


def check(model_dir, path, prompt_len=9, steps=24, rows=3, max_len=64, lora=False):
    """Greedy tokens and log-probs of this graph (prompt fed a token a step) against model.onnx (onnxruntime CPU);
    with lora, against model_lora.onnx, both fed the same random LoRA (B ≠ 0, so the update matters)."""
    import onnxruntime as ort
    ref = ort.InferenceSession(os.path.join(model_dir, "onnx", "model_lora.onnx" if lora else "model.onnx"), providers=["CPUExecutionProvider"])
    new = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    L, Hkv = cfg["num_hidden_layers"], cfg.get("num_key_value_heads", cfg["num_attention_heads"])
    hd, V = cfg.get("head_dim", cfg["hidden_size"] // cfg["num_attention_heads"]), cfg["vocab_size"]
    rng = np.random.default_rng(0)
    prompt = rng.integers(4, min(1000, V), prompt_len).astype(np.int64)
    extra = {i.name: (rng.standard_normal([d if isinstance(d, int) else 0 for d in i.shape]) * 0.05).astype(np.float32)
             for i in ref.get_inputs() if "lora_" in i.name}
    # reference: prefill, then greedy steps, one row
    names = [o.name for o in ref.get_outputs()]
    past = {f"past_key_values.{i}.{kv}": np.zeros((1, Hkv, 0, hd), np.float32) for i in range(L) for kv in ("key", "value")}
    feeds = {"input_ids": prompt[None], "attention_mask": np.ones((1, prompt_len), np.int64), "position_ids": np.arange(prompt_len)[None], **past, **extra}
    want_tok, want_lp = [], []
    for s in range(steps):
        out = ref.run(names, feeds)
        row = out[0][0, -1].astype(np.float64)
        t = int(row.argmax())
        want_tok.append(t)
        want_lp.append(float(row[t] - row.max() - np.log(np.exp(row - row.max()).sum())))
        n = prompt_len + s + 1
        feeds = {"input_ids": np.array([[t]]), "attention_mask": np.ones((1, n), np.int64), "position_ids": np.array([[n - 1]]), **extra,
                 **{"past_key_values." + k[len("present."):]: v for k, v in zip(names[1:], out[1:])}}
    # this graph: rows alike, cache of max_len, prompt a token a step
    cache = {f"past_key_values.{i}.{kv}": np.zeros((rows, Hkv, max_len, hd), np.float32) for i in range(L) for kv in ("key", "value")}
    onames = [o.name for o in new.get_outputs()]
    got_tok, got_lp, tok = [], [], None
    for pos in range(prompt_len + steps - 1):
        t = prompt[pos] if pos < prompt_len else tok
        out = new.run(onames, {"input_ids": np.full((rows, 1), t, np.int32), "seqlens_k": np.full(rows, pos, np.int32),
                               "total_sequence_length": np.array([pos + 1], np.int32), "noise": np.zeros((rows, V), np.float32), **cache, **extra})
        cache = {"past_key_values." + k[len("present."):]: v for k, v in zip(onames[1:], out[1:])}
        if pos >= prompt_len - 1:
            nxt = out[0]
            assert (nxt[:, 0] == nxt[0, 0]).all(), "rows fed alike chose different tokens"
            tok = int(nxt[0, 0])
            got_tok.append(tok)
            got_lp.append(float(nxt[0, 1]))
    if got_tok != want_tok:
        raise AssertionError(f"greedy tokens differ from model.onnx: {got_tok} vs {want_tok}")
    worst = float(np.abs(np.array(got_lp) - np.array(want_lp)).max())
    if worst > 1e-4:
        raise AssertionError(f"log-probs differ from the reference graph by {worst:.2e} (> 1e-4)")
    return worst


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="public/models/sgp-tiny-policy")
    a = ap.parse_args()
    # MODEL/onnx/model_gpu.onnx and model_gpu_lora.onnx, beside the shared weights file they point into
    for lora in (False, True):
        out = os.path.join(a.model, "onnx", "model_gpu_lora.onnx" if lora else "model_gpu.onnx")
        m = build(a.model, lora)
        onnx.save(m, out)
        print({"path": out, "bytes": os.path.getsize(out), "nodes": len(m.graph.node), "max_abs_logprob_diff": check(a.model, out, lora=lora)})
