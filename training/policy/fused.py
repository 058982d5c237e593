"""The policy decoder rebuilt from model.onnx's weights as a graph of few, fused onnxruntime ops.

    python3 training/policy/fused.py --model public/models/sgp-tiny-policy --out /tmp/model_fused.onnx

Why: the exported decoder (`torch.onnx.export` of model.forward) is ~1 500 nodes, ~680 after onnxruntime's
own fusions, most of them shape arithmetic (Shape/Gather/Unsqueeze/Concat/Reshape) and RoPE and attention
spelled out op by op. On WASM every node costs a kernel dispatch, so at batch 1 the dispatches, not the
arithmetic, set the speed. This graph is the same function in ~110 nodes: per layer one RMSNorm, one
fused q|k|v MatMul, two `RotaryEmbedding`, one `MultiHeadAttention` (past and present in the cache layout
below), the output projection, one fused gate|up MatMul, SiLU·up and the down projection (com.microsoft
contrib ops, which onnxruntime-web's WASM build carries). The additive mask (causal + attention_mask, so
left padding works as in model.onnx) is built once per call and shared by every layer.

Same interface as model.onnx (transformers.js layout): input_ids, attention_mask, position_ids,
past_key_values.{i}.key/value [batch, heads, past, head_dim] → logits [batch, seq, vocab], present.{i}.*.
Weights are stored inside the file (self-contained).
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
import numpy as np  # noqa: E402
import onnx  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from training.policy.model import NEG  # noqa: E402

OPSET = 17
MS = "com.microsoft"


def read_weights(model_dir):
    """name (dots) → float32 array from onnx/model.onnx (external data included); MatMul weights are [in, out]."""
    m = onnx.load(os.path.join(model_dir, "onnx", "model.onnx"))
    return {i.name.replace("__", "."): numpy_helper.to_array(i) for i in m.graph.initializer if i.data_type == TensorProto.FLOAT}


def build(model_dir):
    import json
    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    L, D, H = cfg["num_hidden_layers"], cfg["hidden_size"], cfg["num_attention_heads"]
    Hkv = cfg.get("num_key_value_heads", H)
    hd = cfg.get("head_dim", D // H)
    V, eps, theta, max_pos = cfg["vocab_size"], cfg["rms_norm_eps"], cfg["rope_theta"], cfg["max_position_embeddings"]
    if Hkv != H:
        raise ValueError(f"fused.py builds multi-head attention only; this config has {Hkv} KV heads for {H} heads")
    w = read_weights(model_dir)
    nodes, inits = [], []

    def init(name, arr):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def node(op, ins, outs, domain="", **attrs):
        nodes.append(helper.make_node(op, ins, outs, name=f"/{outs[0]}", domain=domain, **attrs))
        return outs[0] if len(outs) == 1 else outs

    def const_i64(name, values):
        return init(name, np.array(values, np.int64))

    # RoPE tables as model.forward computes them: angle = position · θ^(−2i/hd), float32.
    inv_freq = (1.0 / (theta ** (np.arange(0, hd, 2, dtype=np.float32) / hd))).astype(np.float32)
    angles = np.arange(max_pos, dtype=np.float32)[:, None] * inv_freq[None, :]
    cos, sin = init("rope_cos", np.cos(angles).astype(np.float32)), init("rope_sin", np.sin(angles).astype(np.float32))

    # Additive mask [batch, 1, seq, total]: 0 where key j ≤ query position and attention_mask[b, j] = 1, else NEG.
    i0, i1 = const_i64("i0", [0]), const_i64("i1", [1])
    total = node("Gather", [node("Shape", ["attention_mask"], ["am_shape"]), i1], ["total_1d"], axis=0)
    seq = node("Gather", [node("Shape", ["input_ids"], ["ids_shape"]), i1], ["seq_1d"], axis=0)
    total_s = node("Squeeze", [total, i0], ["total"])
    start_s = node("Squeeze", [node("Sub", [total, seq], ["past_1d"]), i0], ["past_len"])
    zero, one = init("zero_i64", np.array(0, np.int64)), init("one_i64", np.array(1, np.int64))
    kpos = node("Unsqueeze", [node("Range", [zero, total_s, one], ["kpos"]), i0], ["kpos_row"])
    qpos = node("Unsqueeze", [node("Range", [start_s, total_s, one], ["qpos"]), i1], ["qpos_col"])
    causal = node("LessOrEqual", [kpos, qpos], ["causal"])  # [seq, total]
    keep = node("Cast", [node("Unsqueeze", ["attention_mask", const_i64("i12", [1, 2])], ["am_4d"])], ["am_bool"], to=TensorProto.BOOL)
    allowed = node("And", [causal, keep], ["allowed"])  # [batch, 1, seq, total]
    bias = node("Where", [allowed, init("f_zero", np.array(0, np.float32)), init("f_neg", np.array(NEG, np.float32))], ["attn_bias"])

    x = node("Gather", [init("embed", w["model.embed_tokens.weight"]), "input_ids"], ["x_0"], axis=0)
    for i in range(L):
        p = f"model.layers.{i}"
        h = node("SimplifiedLayerNormalization", [x, init(f"ln1_{i}", w[f"{p}.input_layernorm.weight"])], [f"h1_{i}"], axis=-1, epsilon=eps, stash_type=1)
        wqkv = np.concatenate([w[f"{p}.self_attn.{t}_proj.weight"] for t in "qkv"], axis=1)
        qkv = node("MatMul", [h, init(f"{p}.self_attn.qkv_proj.weight", wqkv)], [f"qkv_{i}"])
        q, k, v = node("Split", [qkv, const_i64(f"qkv_split_{i}", [H * hd, Hkv * hd, Hkv * hd])], [f"q_{i}", f"k_{i}", f"v_{i}"], axis=-1)
        q = node("RotaryEmbedding", [q, "position_ids", cos, sin], [f"q_rot_{i}"], domain=MS, num_heads=H, interleaved=0)
        k = node("RotaryEmbedding", [k, "position_ids", cos, sin], [f"k_rot_{i}"], domain=MS, num_heads=Hkv, interleaved=0)
        o, _, _ = node("MultiHeadAttention", [q, k, v, "", "", bias, f"past_key_values.{i}.key", f"past_key_values.{i}.value"],
                       [f"attn_{i}", f"present.{i}.key", f"present.{i}.value"], domain=MS, num_heads=H, scale=1.0 / np.sqrt(hd))
        x = node("Add", [x, node("MatMul", [o, init(f"{p}.self_attn.o_proj.weight", w[f"{p}.self_attn.o_proj.weight"])], [f"o_{i}"])], [f"x_attn_{i}"])
        h = node("SimplifiedLayerNormalization", [x, init(f"ln2_{i}", w[f"{p}.post_attention_layernorm.weight"])], [f"h2_{i}"], axis=-1, epsilon=eps, stash_type=1)
        wgu = np.concatenate([w[f"{p}.mlp.gate_proj.weight"], w[f"{p}.mlp.up_proj.weight"]], axis=1)
        gu = node("MatMul", [h, init(f"{p}.mlp.gate_up_proj.weight", wgu)], [f"gu_{i}"])
        F = wgu.shape[1] // 2
        g, u = node("Split", [gu, const_i64(f"gu_split_{i}", [F, F])], [f"g_{i}", f"u_{i}"], axis=-1)
        act = node("Mul", [node("Mul", [g, node("Sigmoid", [g], [f"sig_{i}"])], [f"silu_{i}"]), u], [f"act_{i}"])
        down = node("MatMul", [act, init(f"{p}.mlp.down_proj.weight", w[f"{p}.mlp.down_proj.weight"])], [f"down_{i}"])
        x = node("Add", [x, down], [f"x_{i + 1}"])
    h = node("SimplifiedLayerNormalization", [x, init("norm", w["model.norm.weight"])], ["h_final"], axis=-1, epsilon=eps, stash_type=1)
    node("MatMul", [h, init("lm_head.weight_t", w["lm_head.weight_t"])], ["logits"])

    f32, i64 = TensorProto.FLOAT, TensorProto.INT64
    inputs = [helper.make_tensor_value_info("input_ids", i64, ["batch", "seq"]),
              helper.make_tensor_value_info("attention_mask", i64, ["batch", "total"]),
              helper.make_tensor_value_info("position_ids", i64, ["batch", "seq"])]
    outputs = [helper.make_tensor_value_info("logits", f32, ["batch", "seq", V])]
    for i in range(L):
        for kv in ("key", "value"):
            inputs.append(helper.make_tensor_value_info(f"past_key_values.{i}.{kv}", f32, ["batch", Hkv, "past", hd]))
            outputs.append(helper.make_tensor_value_info(f"present.{i}.{kv}", f32, ["batch", Hkv, "total", hd]))
    graph = helper.make_graph(nodes, "sgp-tiny-policy-fused", inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid(MS, 1)],
                              producer_name="sgp-studio training/policy/fused.py")
    model.ir_version = 8
    return model


def check(model_dir, path, tol=1e-4):
    """Max |Δ| of logits and cache against model.onnx on a left-padded prefill and a cached step (onnxruntime CPU)."""
    import onnxruntime as ort
    ref = ort.InferenceSession(os.path.join(model_dir, "onnx", "model.onnx"), providers=["CPUExecutionProvider"])
    new = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    B, S, L = 3, 7, len([i for i in ref.get_inputs() if i.name.endswith(".key")])
    import json
    vocab = json.load(open(os.path.join(model_dir, "config.json")))["vocab_size"]
    ids = rng.integers(4, min(1000, vocab), (B, S)).astype(np.int64)  # the factory's smoke model has 400 tokens
    am = np.ones((B, S), np.int64)
    am[1, :2] = 0  # left padding
    am[2, :4] = 0
    pos = np.maximum(np.cumsum(am, 1) - 1, 0)
    shape = ref.get_inputs()[3].shape
    past = {f"past_key_values.{i}.{kv}": np.zeros((B, shape[1], 0, shape[3]), np.float32) for i in range(L) for kv in ("key", "value")}
    names = [o.name for o in ref.get_outputs()]
    worst = 0.0
    feeds = {"input_ids": ids, "attention_mask": am, "position_ids": pos, **past}
    for step in range(3):
        a, b = ref.run(names, feeds), new.run(names, feeds)
        live = am[:, -ids.shape[1]:].astype(bool)  # logits at padded positions are not used
        worst = max(worst, float(np.abs(a[0][live] - b[0][live]).max()))
        for x, y in zip(a[1:], b[1:]):
            worst = max(worst, float(np.abs(x - y)[..., -1:, :].max()) if step else 0.0)
        nxt = a[0][:, -1].argmax(-1)[:, None].astype(np.int64)
        am = np.concatenate([am, np.ones((B, 1), np.int64)], 1)
        feeds = {"input_ids": nxt, "attention_mask": am, "position_ids": pos[:, -1:] + 1 + step,
                 **{"past_key_values." + n[len("present."):]: t for n, t in zip(names[1:], a[1:])}}
        ids = nxt
    if worst > tol:
        raise AssertionError(f"{path} differs from model.onnx by {worst:.2e} (> {tol})")
    return worst


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="public/models/sgp-tiny-policy")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    onnx.save(build(a.model), a.out)
    print({"path": a.out, "bytes": os.path.getsize(a.out), "nodes": len(onnx.load(a.out).graph.node), "max_abs_diff_vs_model_onnx": check(a.model, a.out)})
