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


class GraphBuilder:
    """The nodes and initializers of a hand-built ONNX graph; each node is named after its first output."""

    def __init__(self):
        self.nodes, self.inits = [], []

    def init(self, name, arr):
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def node(self, op, ins, outs, domain="", **attrs):
        self.nodes.append(helper.make_node(op, ins, outs, name=f"/{outs[0]}", domain=domain, **attrs))
        return outs[0] if len(outs) == 1 else outs

OPSET = 17
MS = "com.microsoft"


def read_weights(model_dir):
    """name (dots) → float32 array from onnx/model.onnx (external data included); MatMul weights are [in, out]."""
    m = onnx.load(os.path.join(model_dir, "onnx", "model.onnx"))
    return {i.name.replace("__", "."): numpy_helper.to_array(i) for i in m.graph.initializer if i.data_type == TensorProto.FLOAT}


def build(model_dir, cache="present", lora=False, separate=False):
    """The fused decoder of `model_dir`'s model.onnx weights.

    cache="present": transformers.js layout, present.{i}.key/value = past + this call's keys/values.
    cache="new": outputs only this call's keys and values, new.{i}.key/value [batch, seq, heads·head_dim]
      (keys after RoPE); the caller keeps the cache and feeds it back as past_key_values.{i}.* [batch, heads,
      capacity, head_dim], slots it has not filled masked out by attention_mask [batch, capacity + seq]. On
      WASM onnxruntime-web copies every input into its heap and every output out of it on each run: a
      present cache makes each step move the whole cache in, concatenated and out again; this layout
      moves it only in (src/lib/policy/cache-decoder.ts).
    lora: the LoRA matrices of model.lora_shapes as extra inputs (named as in model_lora.onnx),
      y += (alpha / rank) · x·A·B on q, v, gate, up and down, as model.forward does.
    separate: q|k|v and gate|up stay separate initializers (the bytes of model.onnx) joined by Concat nodes
      that onnxruntime folds at load, so export.add_to_shared_weights can point them into the shared file.
    """
    import json
    from training.policy import model as M
    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    L, D, H = cfg["num_hidden_layers"], cfg["hidden_size"], cfg["num_attention_heads"]
    Hkv = cfg.get("num_key_value_heads", H)
    hd = cfg.get("head_dim", D // H)
    V, eps, theta, max_pos = cfg["vocab_size"], cfg["rms_norm_eps"], cfg["rope_theta"], cfg["max_position_embeddings"]
    if Hkv != H:
        raise ValueError(f"fused.py builds multi-head attention only; this config has {Hkv} KV heads for {H} heads")
    if cache not in ("present", "new"):
        raise ValueError(f"cache must be 'present' or 'new', got {cache!r}")
    w = read_weights(model_dir)
    g = GraphBuilder()
    nodes, inits, init, node = g.nodes, g.inits, g.init, g.node


    def const_i64(name, values):
        return init(name, np.array(values, np.int64))

    def joined(name, parts):
        """Weights side by side ([in, out1 + out2 …]): one initializer, or a Concat of model.onnx's own."""
        if not separate:
            return init(name, np.concatenate([w[n] for n in parts], axis=1))
        return node("Concat", [init(n, w[n]) for n in parts], [name], axis=1)

    from types import SimpleNamespace
    lora_shapes = M.lora_shapes(SimpleNamespace(**cfg)) if lora else {}
    scale = init("lora_scale", np.array(M.LORA_ALPHA / M.LORA_RANK, np.float32)) if lora else None

    def plus_lora(y, x, name, tag):
        """y + scale · (x·A)·B for the LoRA pair `name`.lora_A/B; y itself when there is no LoRA."""
        if not lora:
            return y
        xa = node("MatMul", [x, f"{name}.lora_A"], [f"{tag}_xa"])
        xab = node("MatMul", [node("Mul", [xa, scale], [f"{tag}_xas"]), f"{name}.lora_B"], [f"{tag}_xab"])
        return node("Add", [y, xab], [f"{tag}_lora"])

    heads = const_i64("heads_shape", [0, 0, H, hd])
    flat = const_i64("flat_shape", [0, 0, H * hd])

    def split_attention(q, k, v, i):
        """Attention over the fed cache and this call's keys as two products whose scores meet in one softmax:
        no [batch, heads, cache + seq, head_dim] concatenation is ever made (MultiHeadAttention builds one
        for its `present`, and its CPU kernel took ~60 % of a B=8 step at 200 cached positions)."""
        bhsd = lambda t, n: node("Transpose", [node("Reshape", [t, heads], [f"{n}_4d"])], [f"{n}_bhsd"], perm=[0, 2, 1, 3])
        qh, kh, vh = bhsd(q, f"q_{i}"), bhsd(k, f"k_{i}"), bhsd(v, f"v_{i}")
        mm = dict(domain=MS, transA=0, transB=1, alpha=float(1.0 / np.sqrt(hd)))
        s_past = node("FusedMatMul", [qh, f"past_key_values.{i}.key"], [f"s_past_{i}"], **mm)  # [B, H, S, C]
        s_new = node("FusedMatMul", [qh, kh], [f"s_new_{i}"], **mm)  # [B, H, S, S]
        scores = node("Add", [node("Concat", [s_past, s_new], [f"s_{i}"], axis=-1), bias], [f"s_masked_{i}"])
        probs = node("Softmax", [scores], [f"p_{i}"], axis=-1)
        past_len = node("Gather", [node("Shape", [f"past_key_values.{i}.key"], [f"pk_shape_{i}"]), const_i64(f"i2_{i}", [2])], [f"cap_{i}"], axis=0)
        p_past, p_new = node("Split", [probs, node("Concat", [past_len, seq], [f"p_split_{i}"], axis=0)], [f"p_past_{i}", f"p_new_{i}"], axis=-1)
        o = node("Add", [node("MatMul", [p_past, f"past_key_values.{i}.value"], [f"o_past_{i}"]), node("MatMul", [p_new, vh], [f"o_new_{i}"])], [f"o_bhsd_{i}"])
        return node("Reshape", [node("Transpose", [o], [f"o_bshd_{i}"], perm=[0, 2, 1, 3]), flat], [f"attn_{i}"])

    # RoPE tables as model.forward computes them: angle = position · θ^(−2i/hd), float32.
    inv_freq = (1.0 / (theta ** (np.arange(0, hd, 2, dtype=np.float32) / hd))).astype(np.float32)
    angles = np.arange(max_pos, dtype=np.float32)[:, None] * inv_freq[None, :]
    cos, sin = init("rope_cos", np.cos(angles).astype(np.float32)), init("rope_sin", np.sin(angles).astype(np.float32))

    # Additive mask [batch, 1, seq, total]: 0 where key j ≤ query position and attention_mask[b, j] = 1, else NEG.
    # (With cache="new", key slots < total − seq are the fed cache, all before every query.)
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
        wqkv = joined(f"{p}.self_attn.qkv_proj.weight", [f"{p}.self_attn.{t}_proj.weight" for t in "qkv"])
        qkv = node("MatMul", [h, wqkv], [f"qkv_{i}"])
        q, k, v = node("Split", [qkv, const_i64(f"qkv_split_{i}", [H * hd, Hkv * hd, Hkv * hd])], [f"q_{i}", f"k_{i}", f"v_{i}"], axis=-1)
        q = plus_lora(q, h, f"{p}.self_attn.q_proj", f"q_{i}")
        v = plus_lora(v, h, f"{p}.self_attn.v_proj", f"v_{i}")
        q = node("RotaryEmbedding", [q, "position_ids", cos, sin], [f"q_rot_{i}"], domain=MS, num_heads=H, interleaved=0)
        k = node("RotaryEmbedding", [k, "position_ids", cos, sin], [f"k_rot_{i}"], domain=MS, num_heads=Hkv, interleaved=0)
        if cache == "new":
            node("Identity", [k], [f"new.{i}.key"])
            node("Identity", [v], [f"new.{i}.value"])
            o = split_attention(q, k, v, i)
        else:
            o, _, _ = node("MultiHeadAttention", [q, k, v, "", "", bias, f"past_key_values.{i}.key", f"past_key_values.{i}.value"],
                           [f"attn_{i}", f"present.{i}.key", f"present.{i}.value"], domain=MS, num_heads=H, scale=1.0 / np.sqrt(hd))
        x = node("Add", [x, node("MatMul", [o, init(f"{p}.self_attn.o_proj.weight", w[f"{p}.self_attn.o_proj.weight"])], [f"o_{i}"])], [f"x_attn_{i}"])
        h = node("SimplifiedLayerNormalization", [x, init(f"ln2_{i}", w[f"{p}.post_attention_layernorm.weight"])], [f"h2_{i}"], axis=-1, epsilon=eps, stash_type=1)
        wgu = joined(f"{p}.mlp.gate_up_proj.weight", [f"{p}.mlp.gate_proj.weight", f"{p}.mlp.up_proj.weight"])
        gu = node("MatMul", [h, wgu], [f"gu_{i}"])
        F = w[f"{p}.mlp.gate_proj.weight"].shape[1]
        g, u = node("Split", [gu, const_i64(f"gu_split_{i}", [F, F])], [f"g_{i}", f"u_{i}"], axis=-1)
        g = plus_lora(g, h, f"{p}.mlp.gate_proj", f"g_{i}")
        u = plus_lora(u, h, f"{p}.mlp.up_proj", f"u_{i}")
        act = node("Mul", [node("Mul", [g, node("Sigmoid", [g], [f"sig_{i}"])], [f"silu_{i}"]), u], [f"act_{i}"])
        down = node("MatMul", [act, init(f"{p}.mlp.down_proj.weight", w[f"{p}.mlp.down_proj.weight"])], [f"down_{i}"])
        down = plus_lora(down, act, f"{p}.mlp.down_proj", f"down_{i}")
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
            if cache == "present":
                outputs.append(helper.make_tensor_value_info(f"present.{i}.{kv}", f32, ["batch", Hkv, "total", hd]))
            else:
                outputs.append(helper.make_tensor_value_info(f"new.{i}.{kv}", f32, ["batch", "seq", Hkv * hd]))
    inputs += [helper.make_tensor_value_info(n, f32, list(shape)) for n, shape in lora_shapes.items()]
    graph = helper.make_graph(nodes, "sgp-tiny-policy-fused", inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid(MS, 1)],
                              producer_name="sgp-studio training/policy/fused.py")
    model.ir_version = 8
    return model


def check(model_dir, path, tol=1e-4, lora_seed=None):
    """Max |Δ| of logits and cache against model.onnx (model_lora.onnx when the graph takes LoRA inputs) on a
    left-padded prefill and two cached steps (onnxruntime CPU). A cache="new" graph keeps its cache here, with
    idle slots of noise that its attention mask must hide. LoRA inputs are random and non-zero (seed
    `lora_seed`, default 0), so the LoRA path is compared too."""
    import json

    import onnxruntime as ort
    new = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    lora_names = [i.name for i in new.get_inputs() if ".lora_" in i.name]
    ref_name = "model_lora.onnx" if lora_names else "model.onnx"
    ref = ort.InferenceSession(os.path.join(model_dir, "onnx", ref_name), providers=["CPUExecutionProvider"])
    outside = any(o.name.startswith("new.") for o in new.get_outputs())
    rng = np.random.default_rng(0 if lora_seed is None else lora_seed)
    lora = {i.name: (rng.standard_normal(i.shape) * 0.05).astype(np.float32) for i in new.get_inputs() if ".lora_" in i.name}
    B, S, L = 3, 7, len([i for i in ref.get_inputs() if i.name.endswith(".key")])
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
    feeds = {"input_ids": ids, "attention_mask": am, "position_ids": pos, **past, **lora}
    idle = 0  # the "new" graph's idle cache slots (noise, masked out)
    mine = dict(past)
    for step in range(3):
        a = ref.run(names, feeds)
        if outside:
            b = new.run(None, {**feeds, **mine, "attention_mask": np.concatenate([am[:, :-ids.shape[1]], np.zeros((B, idle), np.int64), am[:, -ids.shape[1]:]], 1)})
            logits, fresh = b[0], {o.name: t for o, t in zip(new.get_outputs(), b)}
            for i in range(L):
                for kv in ("key", "value"):
                    got = fresh[f"new.{i}.{kv}"].reshape(B, ids.shape[1], shape[1], shape[3]).transpose(0, 2, 1, 3)
                    want = a[names.index(f"present.{i}.{kv}")][:, :, -ids.shape[1]:]
                    worst = max(worst, float(np.abs(got - want)[am[:, -ids.shape[1]:].astype(bool)[:, None, :, None].repeat(shape[1], 1).repeat(shape[3], 3)].max()))
                    filled = mine[f"past_key_values.{i}.{kv}"][:, :, :mine[f"past_key_values.{i}.{kv}"].shape[2] - idle]
                    noise = rng.standard_normal((B, shape[1], 2, shape[3])).astype(np.float32)
                    mine[f"past_key_values.{i}.{kv}"] = np.concatenate([filled, got, noise], 2)
            idle = 2
        else:
            b = new.run(names, feeds)
            logits = b[0]
            for x, y in zip(a[1:], b[1:]):
                worst = max(worst, float(np.abs(x - y)[..., -1:, :].max()) if step else 0.0)
        live = am[:, -ids.shape[1]:].astype(bool)  # logits at padded positions are not used
        worst = max(worst, float(np.abs(a[0][live] - logits[live]).max()))
        nxt = a[0][:, -1].argmax(-1)[:, None].astype(np.int64)
        am = np.concatenate([am, np.ones((B, 1), np.int64)], 1)
        feeds = {"input_ids": nxt, "attention_mask": am, "position_ids": pos[:, -1:] + 1 + step, **lora,
                 **{"past_key_values." + n[len("present."):]: t for n, t in zip(names[1:], a[1:])}}
        ids = nxt
    if worst > tol:
        raise AssertionError(f"{path} differs from {ref_name} by {worst:.2e} (> {tol})")
    return worst


class PresentView:
    """A cache="new" graph behind the transformers.js interface (present.{i}.* = past + new), for the Python
    callers that feed `present` back (sampling, agreement, verify, the native onnxruntime anchor); any other
    graph passes through. Build with `open_session`."""

    def __init__(self, sess):
        self.sess = sess
        self.outside = any(o.name.startswith("new.") for o in sess.get_outputs())
        self._outputs = [_Named(o.name.replace("new.", "present.", 1)) for o in sess.get_outputs()]

    def get_inputs(self):
        return self.sess.get_inputs()

    def get_outputs(self):
        return self._outputs if self.outside else self.sess.get_outputs()

    def run(self, names, feeds):
        if not self.outside:
            return self.sess.run(names, feeds)
        res = {}
        B, S = feeds["input_ids"].shape
        for o, t in zip(self.sess.get_outputs(), self.sess.run(None, feeds)):
            if o.name.startswith("new."):
                past = feeds["past_key_values." + o.name[len("new."):]]
                t = np.concatenate([past, t.reshape(B, S, past.shape[1], past.shape[3]).transpose(0, 2, 1, 3)], 2)
            res[o.name.replace("new.", "present.", 1)] = t
        return [res[n] for n in (names or [o.name for o in self._outputs])]


class _Named:
    def __init__(self, name):
        self.name = name


def open_session(path, so=None):
    """onnxruntime CPU session of `path`, seen through PresentView (same interface whichever cache layout)."""
    import onnxruntime as ort
    return PresentView(ort.InferenceSession(path, so, providers=["CPUExecutionProvider"]))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="public/models/sgp-tiny-policy")
    ap.add_argument("--out", required=True)
    ap.add_argument("--cache", default="present", choices=["present", "new"])
    ap.add_argument("--lora", action="store_true")
    a = ap.parse_args()
    onnx.save(build(a.model, cache=a.cache, lora=a.lora), a.out)
    print({"path": a.out, "bytes": os.path.getsize(a.out), "nodes": len(onnx.load(a.out).graph.node), "max_abs_diff_vs_reference": check(a.model, a.out)})
