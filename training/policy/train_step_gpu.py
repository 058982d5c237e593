"""The packed GRPO step in a form WebGPU can capture: train_step_packed.py's step with every node on the GPU.

    python3 training/policy/train_step_gpu.py [--out public/models/sgp-tiny-policy] [--check-only]   # export + check

Why: on the lent H200 the packed step is ~2,700 kernels after onnxruntime's optimisations, and onnxruntime-web's
WebGPU provider spends ~0.1 ms of CPU on each (shape checks, allocation, bind groups): 465 ms a step for ~40 ms of
GPU work. Graph capture (`enableGraphCapture`) records the dispatches once and replays them, but onnxruntime
refuses it when any node runs on the CPU, and the packed graph had nine there, all int64 or bool index math:
- the embedding lookup exported as GatherND over int64 index tensors → a Gather (model.forward, for every graph);
- the target log-prob's one-hot (an int64 Equal against a vocabulary range) → hidden · embed[target], a Gather
  and a product, exact because the embeddings are tied (model.token_logprobs with `hidden`);
- the clip statistic's bool Or → the sum of its two exclusive cases (train_step.grpo_loss);
- position_ids and segment_ids come in as float32 (RoPE and the segment Equal need no integers).
Shapes stay dynamic here; the app fixes (slots, length) per session with freeDimensionOverrides, which a
captured graph needs (src/lib/rl/gpu-train-step.ts). Same inputs and outputs as the packed graph otherwise.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
import torch  # noqa: E402
from torch._decomp import core_aten_decompositions  # noqa: E402
from torch.fx.experimental.proxy_tensor import make_fx  # noqa: E402

from training.policy import model as M, train_step as TS, train_step_packed as TP  # noqa: E402

FILE = "onnx/train_step_gpu.onnx"
FLOAT_INPUTS = ("position_ids", "segment_ids")


def as_gpu_inputs(packed):
    return {k: (t.to(torch.float32) if k in FLOAT_INPUTS else t) for k, t in packed.items()}


def export(w, cfg, out_dir):
    names = list(M.lora_shapes(cfg))
    lora = M.init_lora(cfg)
    m, v = ({n: torch.zeros_like(t) for n, t in lora.items()} for _ in range(2))  # distinct: see train_step.export_graphs
    packed, _ = TP.pack(TS.example_batch(cfg, TS.BATCH, 96))
    args = TP.packed_args(names, lora, m, v, as_gpu_inputs(packed), TS.default_hyper())
    gm = make_fx(TS.make_step_fn(w, cfg, names, packed=True, next_token=True), decomposition_table=core_aten_decompositions(),
                 tracing_mode="symbolic", _allow_non_fake_inputs=True)(*args)
    ins, outs = TP.packed_step_io(names)
    S, L = torch.export.Dim("slots", min=1, max=64), torch.export.Dim("length", min=2, max=M.MAX_POS)
    n = len(names)
    dyn = [None] * (3 * n + 2) + [{0: S, 1: L}] * len(TP.PER_TOKEN) + [None] * len(TS.HYPER)
    path = os.path.join(out_dir, FILE)
    torch.onnx.export(TS._Wrap(gm), tuple(args), path, input_names=ins, output_names=outs, opset_version=TS.OPSET,
                      dynamo=True, external_data=False, verbose=False, optimize=False, dynamic_shapes=(tuple(dyn),))
    TS.strip_metadata(path)
    gather_ids_directly(path)
    return path


def gather_ids_directly(path):
    """Feed input_ids straight into the Gathers that read them. The trace flattens the ids first (int64
    Reshape, Reshape, Cast), and onnxruntime-web places that index math on the CPU; a Gather takes (S, L)
    indices as they are and gives (S, L, D), which the Reshape after it accepts unchanged."""
    import onnx
    m = onnx.load(path)
    made_by = {o: n for n in m.graph.node for o in n.output}
    changed = set()
    for n in m.graph.node:
        src = n.input[1] if n.op_type == "Gather" else None
        while src in made_by and made_by[src].op_type in ("Cast", "Reshape"):
            src = made_by[src].input[0]
        if src == "input_ids" and n.input[1] != src:
            n.input[1] = src
            changed.update(n.output)
    used = {i for n in m.graph.node for i in n.input} | {o.name for o in m.graph.output}
    while True:  # drop the index math nothing reads now
        dead = [n for n in m.graph.node if n.op_type in ("Cast", "Reshape") and not any(o in used for o in n.output)]
        if not dead:
            break
        for n in dead:
            m.graph.node.remove(n)
        used = {i for n in m.graph.node for i in n.input} | {o.name for o in m.graph.output}
    # the Gathers' outputs changed shape: drop their recorded shapes, onnxruntime infers them again
    keep = [vi for vi in m.graph.value_info if vi.name not in changed]
    del m.graph.value_info[:]
    m.graph.value_info.extend(keep)
    assert len(changed) == 2, f"expected the embedding and the target-pick Gathers, rewired {len(changed)}"
    cast_likes_to_casts(m)
    onnx.save(m, path)


def cast_likes_to_casts(m):
    """CastLike(x, like) → Cast(x, to = like's type). CastLike has no WebGPU kernel; onnxruntime inlines it as a
    Cast that reads `like` too, so a Cast of a constant is not folded and lands on the CPU."""
    import onnx
    typed = onnx.shape_inference.infer_shapes(m)
    types = {vi.name: vi.type.tensor_type.elem_type for vi in [*typed.graph.value_info, *typed.graph.input, *typed.graph.output]}
    for n in m.graph.node:
        if n.op_type == "Constant" and n.attribute[0].name == "value":
            types[n.output[0]] = n.attribute[0].t.data_type
    for i, n in enumerate(m.graph.node):
        if n.op_type == "CastLike":
            cast = onnx.helper.make_node("Cast", [n.input[0]], list(n.output), name=n.name, to=types[n.input[1]])
            m.graph.node.remove(n)
            m.graph.node.insert(i, cast)


def check(w, cfg, path):
    """The graph in onnxruntime against the unpacked step in PyTorch, as train_step_packed.check compares."""
    return TP.check(w, cfg, path, feed=as_gpu_inputs)


def add_to_manifest(out_dir):
    import json
    path = os.path.join(out_dir, "train_step.json")
    man = json.load(open(path))
    man["gpu"] = {
        "file": FILE,
        "as": "packed, with position_ids and segment_ids as float32",
        "why": "every node runs on WebGPU, so onnxruntime-web can capture the step (training/policy/train_step_gpu.py)",
    }
    with open(path, "w") as f:
        json.dump(man, f, indent=1)


if __name__ == "__main__":
    TP.cli(FILE, export, check, lambda out, cfg: add_to_manifest(out))
