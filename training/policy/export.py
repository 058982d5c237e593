"""Export the policy to ONNX in the transformers.js decoder layout, plus quantized and LoRA-input variants.

    python3 training/policy/export.py --ckpt training/runs/policy/final --out public/models/sgp-tiny-policy

Writes onnx/model.onnx (fp32: input_ids, attention_mask, position_ids, past_key_values.{i}.key/value →
logits, present.{i}.key/value), onnx/model_quantized.onnx (the default: the fused graph of fused.py with
int8 weights, MatMulInteger, the MLP down projections kept fp32), onnx/model_lora.onnx (fp32 + the LoRA matrices as extra inputs named as
in model.lora_shapes), then config.json and generation_config.json beside them. build.py then moves the
fp32 weights of model.onnx, model_lora.onnx and the GRPO graphs into one shared external-data file.

Variants tried and dropped (model card, "Variants"): int8 on every MatMul (the down projections'
activations quantize badly: 96.8 % argmax agreement, max |Δlogit| 8), 4-bit and 8-bit MatMulNBits
(slower than fp32 in onnxruntime-web's WASM kernels), an int8 LoRA decoder (over the size budget).
"""
import argparse
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
import numpy as np  # noqa: E402
import onnx  # noqa: E402
import torch  # noqa: E402
from transformers import LlamaForCausalLM  # noqa: E402

from training.policy import model as M  # noqa: E402

OPSET = 17


def io_names(cfg, lora_names=()):
    L = cfg.num_hidden_layers
    past = [f"past_key_values.{i}.{kv}" for i in range(L) for kv in ("key", "value")]
    present = [f"present.{i}.{kv}" for i in range(L) for kv in ("key", "value")]
    return ["input_ids", "attention_mask", "position_ids", *past, *lora_names], ["logits", *present]


class Decoder(torch.nn.Module):
    def __init__(self, w, cfg, lora_names=()):
        super().__init__()
        self.cfg, self.lora_names, self.keys = cfg, list(lora_names), list(w)
        for k, v in w.items():  # buffers, not closure constants: quantizers only rewrite initializers
            self.register_buffer(k.replace(".", "__"), v)

    def forward(self, input_ids, attention_mask, position_ids, *rest):
        n = 2 * self.cfg.num_hidden_layers
        flat, lora = rest[:n], rest[n:]
        past = [(flat[2 * i], flat[2 * i + 1]) for i in range(n // 2)]
        lora_d = dict(zip(self.lora_names, lora)) if self.lora_names else None
        w = {k: getattr(self, k.replace(".", "__")) for k in self.keys}
        logits, present = M.forward(w, self.cfg, input_ids, position_ids, attention_mask, past, lora_d)
        return (logits, *[t for kv in present for t in kv])


def example_inputs(cfg, B=2, S=3, P=4, lora=None):
    d = M.dims(cfg)
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(4, cfg.vocab_size, (B, S), generator=g)
    am = torch.ones(B, P + S, dtype=torch.long)
    pos = torch.arange(P, P + S)[None].expand(B, S).contiguous()
    past = [torch.randn(B, d["Hkv"], P, d["hd"], generator=g) for _ in range(2 * d["L"])]
    return (ids, am, pos, *past, *(lora.values() if lora else []))


def export_decoder(w, cfg, path, lora_names=()):
    ins, outs = io_names(cfg, lora_names)
    dyn = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "total"},
           "position_ids": {0: "batch", 1: "seq"}, "logits": {0: "batch", 1: "seq"}}
    for n in ins[3:3 + 2 * cfg.num_hidden_layers]:
        dyn[n] = {0: "batch", 2: "past"}
    for n in outs[1:]:
        dyn[n] = {0: "batch", 2: "total"}
    lora = M.init_lora(cfg) if lora_names else None
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(Decoder(w, cfg, lora_names), example_inputs(cfg, lora=lora), path, input_names=ins,
                          output_names=outs, dynamic_axes=dyn, opset_version=OPSET, dynamo=False,
                          do_constant_folding=True)
    onnx.checker.check_model(path)
    return path


def quantize_int8(src, dst):
    """int8 weights with per-channel scales and dynamically quantized (per-tensor uint8) activations, on the
    fused graph of fused.py (same function as `src`, ~115 nodes instead of ~1 500: on WASM the per-node
    dispatch cost, not the arithmetic, sets the speed at batch 1).

    The MLP down projections stay fp32: their input, silu(gate)·up, has outlier channels that a per-tensor
    activation scale crushes (keeping them fp32 lifts argmax agreement with fp32 from 96.8 % to 98.8 % and
    cuts max |Δlogit| from 8.3 to 3.3, on 48 greedy val programs). The embedding Gather stays fp32 (it is
    looked up, not multiplied); the tied lm_head MatMul is quantized like the other projections.
    """
    import tempfile

    from onnxruntime.quantization import QuantType, quantize_dynamic

    from training.policy.fused import build as build_fused, check as check_fused
    with tempfile.TemporaryDirectory() as tmp:
        fused = os.path.join(tmp, "model_fused.onnx")
        onnx.save(build_fused(os.path.dirname(os.path.dirname(src)), cache="new"), fused)
        check_fused(os.path.dirname(os.path.dirname(src)), fused)
        m = onnx.load(fused)
        weights = {i.name for i in m.graph.initializer}
        # attention's products (no weight operand) stay fp32 too
        keep = [n.name for n in m.graph.node if n.op_type == "MatMul" and (n.input[1] not in weights or "down_proj" in n.input[1])]
        # contrib ops (RotaryEmbedding, MultiHeadAttention) defeat shape inference: their outputs are float32
        quantize_dynamic(fused, dst, weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul"],
                         nodes_to_exclude=keep, extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    return dst


def export_lora_sampler(model_dir, name="model_lora_fused.onnx"):
    """The RL sampler: the fused graph of fused.py (cache kept by the caller) in fp32 with model_lora.onnx's LoRA
    inputs, its weights pointed into the shared policy_weights.onnx_data (the same bytes as model.onnx: q|k|v and
    gate|up are Concat nodes of the separate matrices, which onnxruntime folds at load). model_lora.onnx is the
    exported graph (~1 500 nodes, the cache round-tripping through every step); this one samples as fast as
    the default. Checked against model_lora.onnx with a non-zero LoRA. Call after the decoders share the file."""
    from training.policy.fused import build as build_fused, check as check_fused
    onnx_dir = os.path.join(model_dir, "onnx")
    path = os.path.join(onnx_dir, name)
    onnx.save(build_fused(model_dir, cache="new", lora=True, separate=True), path)
    check_fused(model_dir, path)
    users = [os.path.join(onnx_dir, f) for f in sorted(os.listdir(onnx_dir))
             if f.endswith(".onnx") and f != name and "policy_weights.onnx_data".encode() in open(os.path.join(onnx_dir, f), "rb").read()]
    add_to_shared_weights([path], users)
    return path


def share_weights(paths, data_name="policy_weights.onnx_data", min_bytes=4096):
    """Move every large initializer of these graphs into one external-data file, each distinct tensor once.

    model, model_lora, logprob and train_step hold the same fp32 base weights (≈ 20 MB); sharing one file
    keeps the folder small and lets the tab fetch the weights once (onnxruntime-web: the `externalData`
    option with path = data_name, the same buffer for each session). Graphs that already use the file are
    read whole before it is rewritten.
    """
    data_path = os.path.join(os.path.dirname(paths[0]), data_name)
    where = {}
    models = [onnx.load(p) for p in paths]
    with open(data_path, "wb") as f:
        _externalise(f, paths, models, where, data_name, min_bytes)
    return data_path


def add_to_shared_weights(paths, users, data_name="policy_weights.onnx_data", min_bytes=4096):
    """Point the large initializers of the graphs in `paths` into the existing shared weights file, appending
    only tensors it lacks. The graphs in `users` already read the file and are not touched (their offsets stay),
    so new graphs (e.g. train-step buckets) can be added without rewriting the decoders. A tensor no user points
    at but the file holds (a re-exported graph's own, written by its previous export) is found by its bytes."""
    import hashlib

    data_path = os.path.join(os.path.dirname(paths[0]), data_name)
    where = {}
    with open(data_path, "rb") as f:
        for u in users:
            for init in onnx.load(u, load_external_data=False).graph.initializer:
                if init.data_location != onnx.TensorProto.EXTERNAL:
                    continue
                ext = {e.key: e.value for e in init.external_data}
                f.seek(int(ext["offset"]))
                raw = f.read(int(ext["length"]))
                dtype = onnx.helper.tensor_dtype_to_np_dtype(init.data_type)
                key = hashlib.sha1(raw + str((np.dtype(dtype), tuple(init.dims))).encode()).hexdigest()
                where[key] = (int(ext["offset"]), len(raw))
        f.seek(0)
        held = f.read()
    models = [onnx.load(p) for p in paths]
    with open(data_path, "ab") as f:
        _externalise(f, paths, models, where, data_name, min_bytes, held)
    return data_path


def _aligned_find(held, raw, align=64):
    """The first offset in `held` where `raw` starts on an `align`-byte boundary, or -1."""
    at = held.find(raw)
    while at >= 0 and at % align:
        at = held.find(raw, at + 1)
    return at


def _externalise(f, paths, models, where, data_name, min_bytes, held=b""):
    """Point each large initializer of `models` at its bytes in the open weights file `f`, writing the tensors
    `where` (content hash → (offset, length)) does not hold yet and `held` (the file's bytes so far) does not
    contain; then save each model over its path."""
    import hashlib

    from onnx import numpy_helper
    for p, m in zip(paths, models):
        for init in m.graph.initializer:
            arr = numpy_helper.to_array(init)
            if arr.nbytes < min_bytes:
                continue
            raw = np.ascontiguousarray(arr).tobytes()
            key = hashlib.sha1(raw + str((arr.dtype, arr.shape)).encode()).hexdigest()
            if key not in where and (at := _aligned_find(held, raw)) >= 0:
                where[key] = (at, len(raw))
            if key not in where:
                f.write(b"\0" * (-f.tell() % 64))  # 64-byte alignment for mapped reads
                where[key] = (f.tell(), len(raw))
                f.write(raw)
            off, n = where[key]
            init.ClearField("raw_data")
            for field in ("float_data", "int32_data", "int64_data", "double_data"):
                init.ClearField(field)
            init.data_location = onnx.TensorProto.EXTERNAL
            del init.external_data[:]
            for k, v in (("location", data_name), ("offset", str(off)), ("length", str(n))):
                init.external_data.add(key=k, value=v)
        onnx.save(m, p)


def write_configs(model, out_dir, tok_dir):
    cfg = model.config
    c = {**cfg.to_diff_dict(), "model_type": "llama", "architectures": ["LlamaForCausalLM"]}
    c.pop("_name_or_path", None)
    c["rope_theta"] = cfg.rope_parameters["rope_theta"]  # older readers (transformers.js) look here
    # transformers.js reads these to pick the file (model.onnx = fp32) and size the empty KV cache
    c["transformers.js_config"] = {"dtype": "fp32", "kv_cache_dtype": "float32"}
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(c, f, indent=2)
    gen = {"eos_token_id": cfg.eos_token_id, "pad_token_id": cfg.pad_token_id, "max_new_tokens": 700,
           "do_sample": True, "temperature": 1.0, "top_k": 0, "top_p": 1.0}
    with open(os.path.join(out_dir, "generation_config.json"), "w") as f:
        json.dump(gen, f, indent=2)
    if tok_dir and os.path.abspath(tok_dir) != os.path.abspath(out_dir):
        for n in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
            shutil.copy(os.path.join(tok_dir, n), os.path.join(out_dir, n))


def export_all(ckpt, out_dir, tok_dir="", variants=("fp32", "int8", "lora")):
    model = LlamaForCausalLM.from_pretrained(ckpt, dtype=torch.float32).eval()
    cfg = model.config
    w = M.base_weights(model)
    onnx_dir = os.path.join(out_dir, "onnx")
    os.makedirs(onnx_dir, exist_ok=True)
    paths = {}
    write_configs(model, out_dir, tok_dir)  # first: the int8 variant's fused graph reads config.json
    fp32 = export_decoder(w, cfg, os.path.join(onnx_dir, "model.onnx"))
    paths["fp32"] = fp32
    if "int8" in variants:
        paths["int8"] = quantize_int8(fp32, os.path.join(onnx_dir, "model_quantized.onnx"))
    if "lora" in variants:
        lp = export_decoder(w, cfg, os.path.join(onnx_dir, "model_lora.onnx"), list(M.lora_shapes(cfg)))
        paths["lora"] = lp
    return model, paths


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True, help="save_pretrained folder from train.py")
    ap.add_argument("--out", default="public/models/sgp-tiny-policy")
    ap.add_argument("--tokenizer", default="", help="folder with tokenizer.json (default: --out)")
    a = ap.parse_args()
    _, paths = export_all(a.ckpt, a.out, a.tokenizer)
    print(json.dumps({k: {"path": p, "bytes": os.path.getsize(p)} for k, p in paths.items()}, indent=1))
