"""Native onnxruntime's logits of the int8 default decoder (onnx/model_quantized.onnx) on the inputs of
goldens/logits.json (prefill, then one step fed its own KV cache), for the GPU run's int8 check:
no golden of the int8 graph is committed, and int8 kernels differ between runtimes, so the check
compares the browser with native onnxruntime on the same graph.

    python3 scripts/gpu/int8_goldens.py public/models/sgp-tiny-policy OUT.json
"""
import json
import sys

import numpy as np
import onnxruntime as ort

# int8 MatMul kernels round differently in onnxruntime-web than natively (WASM: up to 0.094 here); the
# int8 graph is ~1 logit from fp32 (checks.json: 0.96, argmax agreement 0.83), so 0.25 with the same
# argmax everywhere and cosine ≥ 0.999 still tells a broken kernel from rounding.
TOL = {"abs": 0.25, "argmax_agree": 1.0, "cosine": 0.999}


def main(folder, out):
    g = json.load(open(f"{folder}/goldens/logits.json"))
    cfg = json.load(open(f"{folder}/config.json"))
    s = ort.InferenceSession(f"{folder}/onnx/model_quantized.onnx", providers=["CPUExecutionProvider"])
    names = [o.name for o in s.get_outputs()]
    p = g["prefill"]
    B = len(p["input_ids"])
    past = {f"past_key_values.{l}.{kv}": np.zeros((B, cfg["num_key_value_heads"], 0, cfg["head_dim"]), np.float32)
            for l in range(cfg["num_hidden_layers"]) for kv in ("key", "value")}
    i64 = lambda x: np.array(x, np.int64)  # noqa: E731
    first = dict(zip(names, s.run(names, {"input_ids": i64(p["input_ids"]), "attention_mask": i64(p["attention_mask"]),
                                          "position_ids": i64(p["position_ids"]), **past})))
    nxt = {k.replace("present.", "past_key_values."): v for k, v in first.items() if k.startswith("present.")}
    # the default keeps its cache outside (training/policy/fused.py cache="new"): new.L.* [B, S, H·hd] is the whole past
    H, hd = cfg["num_key_value_heads"], cfg["head_dim"]
    nxt.update({k.replace("new.", "past_key_values."): v.reshape(B, -1, H, hd).transpose(0, 2, 1, 3)
                for k, v in first.items() if k.startswith("new.")})
    mask = i64([row + [1] for row in p["attention_mask"]])
    second = dict(zip(names, s.run(names, {"input_ids": i64(g["step"]["input_ids"]), "attention_mask": mask,
                                           "position_ids": i64(g["step"]["position_ids"]), **nxt})))
    res = {"note": __doc__.split("\n")[0], "onnxruntime": ort.__version__,
           "quantized": {"tol": TOL, "prefill": first["logits"][:, -1].tolist(), "step": second["logits"][:, -1].tolist()}}
    json.dump(res, open(out, "w"))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
