"""The policy: a small Llama (RMSNorm, RoPE, SwiGLU, tied embeddings) and a functional forward pass.

Training uses transformers' LlamaForCausalLM (standard checkpoint layout). Every ONNX graph is traced from
`forward` below instead: it reads the same weights, takes the KV cache and optional LoRA matrices as plain
tensors, and writes attention and log-softmax by hand, so that the exported graphs (sampler, LoRA sampler,
log-prob, train step) use only standard ONNX ops and share one naming of weights.
"""
import functools
import math
from collections import OrderedDict

import torch
from transformers import LlamaConfig

# -----------------------------------------------------------------------------
# model size (≈ 5.1 M parameters with the 4096-token vocabulary and tied embeddings)
D_MODEL = 256
N_LAYER = 6
N_HEAD = 8
D_FFN = 704  # ≈ 8/3·D rounded to a multiple of 64, as in Llama
MAX_POS = 1024  # RoPE needs no table, so the context limit is only what training covered
ROPE_THETA = 10000.0
RMS_EPS = 1e-5
# LoRA: rank R on the attention q/v and all MLP projections; stored as A (in, R) and B (R, out) so that
# the graphs use them in MatMul directly (PEFT stores the transposes).
LORA_TARGETS = ("self_attn.q_proj", "self_attn.v_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj")
LORA_RANK = 8
LORA_ALPHA = 16  # update = (alpha / R) · x A B, as in PEFT
NEG = -1e9  # additive mask; finite so that a fully masked row (left padding) stays NaN-free
# -----------------------------------------------------------------------------


def llama_config(vocab_size, pad_id=0, eos_id=1, **over):
    kw = dict(vocab_size=vocab_size, hidden_size=D_MODEL, num_hidden_layers=N_LAYER, num_attention_heads=N_HEAD,
              num_key_value_heads=N_HEAD, head_dim=D_MODEL // N_HEAD, intermediate_size=D_FFN,
              max_position_embeddings=MAX_POS, rms_norm_eps=RMS_EPS, tie_word_embeddings=True,
              rope_parameters={"rope_type": "default", "rope_theta": ROPE_THETA},
              bos_token_id=None, eos_token_id=eos_id, pad_token_id=pad_id, attention_bias=False, mlp_bias=False)
    kw.update(over)
    return LlamaConfig(**kw)


def dims(cfg):
    return dict(L=cfg.num_hidden_layers, H=cfg.num_attention_heads, Hkv=cfg.num_key_value_heads,
                hd=cfg.hidden_size // cfg.num_attention_heads, D=cfg.hidden_size, F=cfg.intermediate_size,
                V=cfg.vocab_size, eps=cfg.rms_norm_eps, theta=cfg.rope_parameters["rope_theta"])


def base_weights(model):
    """Weights for `forward`: linear layers transposed to (in, out) so the graphs hold MatMul(x, W) directly."""
    sd = {k: v.detach().float() for k, v in model.state_dict().items()}
    w = {}
    for k, v in sd.items():
        if k == "lm_head.weight":
            continue
        w[k] = v.t().contiguous() if k.endswith("_proj.weight") else v.contiguous()
    w["lm_head.weight_t"] = sd["model.embed_tokens.weight"].t().contiguous()  # tied: (D, V)
    return w



def llama_from_onnx(folder):
    """LlamaForCausalLM whose weights are read back from <folder>/onnx/model.onnx's initializers (external data
    included): the bundled policy as PyTorch sees it, for the PEFT/TRL checks and the PyTorch speed anchor."""
    import os
    import onnx
    from onnx import numpy_helper
    from transformers import LlamaForCausalLM
    hf = LlamaForCausalLM(LlamaConfig.from_pretrained(folder)).eval()
    sd = {}
    for init in onnx.load(os.path.join(folder, "onnx", "model.onnx")).graph.initializer:
        name = init.name.replace("__", ".")
        if name == "lm_head.weight_t":
            continue  # the tied embedding, transposed for MatMul
        t = torch.from_numpy(numpy_helper.to_array(init).copy())
        if t.dim() < 1 or t.numel() < 64:
            continue  # folded shape constants, not weights
        # ONNX MatMul weights are stored [in, out]; nn.Linear keeps [out, in].
        sd[name] = t.t().contiguous() if name.endswith("_proj.weight") else t
    missing, unexpected = hf.load_state_dict(sd, strict=False)
    if set(missing) - {"lm_head.weight"} or unexpected:
        raise ValueError(f"model.onnx initializers do not fit LlamaForCausalLM: missing {missing[:3]}, unexpected {unexpected[:3]}")
    hf.tie_weights()
    return hf

def lora_shapes(cfg, rank=LORA_RANK):
    """name → shape, in the fixed order every graph uses for its LoRA inputs and outputs."""
    d = dims(cfg)
    io = {"self_attn.q_proj": (d["D"], d["H"] * d["hd"]), "self_attn.v_proj": (d["D"], d["Hkv"] * d["hd"]),
          "mlp.gate_proj": (d["D"], d["F"]), "mlp.up_proj": (d["D"], d["F"]), "mlp.down_proj": (d["F"], d["D"])}
    out = OrderedDict()
    for i in range(d["L"]):
        for t in LORA_TARGETS:
            fan_in, fan_out = io[t]
            out[f"model.layers.{i}.{t}.lora_A"] = (fan_in, rank)
            out[f"model.layers.{i}.{t}.lora_B"] = (rank, fan_out)
    return out


def init_lora(cfg, seed=0, rank=LORA_RANK):
    """PEFT's initialisation: A ~ U(±1/sqrt(in)) (kaiming-uniform, a=√5), B = 0, so the adapter starts as a no-op."""
    g = torch.Generator().manual_seed(seed)
    out = OrderedDict()
    for name, shape in lora_shapes(cfg, rank).items():
        if name.endswith("lora_A"):
            bound = 1.0 / math.sqrt(shape[0])
            out[name] = (torch.rand(shape, generator=g) * 2 - 1) * bound
        else:
            out[name] = torch.zeros(shape)
    return out


def rms_norm(x, w, eps):
    # x·x, not x.pow(2): the traced backward keeps Pow nodes, which onnxruntime runs ~10× slower per element
    # than Mul (6.5 % of a train step in its profiler)
    return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + eps) * w


def rope(x, cos, sin):  # x: (B, H, S, hd); cos, sin: (B, 1, S, hd)
    """x·cos + rotate_half(x)·sin, the rotation as a product with a ±1 permutation matrix (exact: one nonzero
    term per output) rather than slices and a cat: their backward (slice_scatter → ScatterND) came out wrong
    under onnxruntime-web's WebGPU graph capture, while a MatMul's backward is a MatMul (train_step_gpu.py)."""
    return x * cos + (x @ torch.tensor(_rotation(x.shape[-1]), dtype=x.dtype)) * sin


@functools.cache
def _rotation(hd):
    """rotate_half as a matrix, a nested list: a traced function stores it as one constant, not as the index
    writes that would build it (ScatterND again)."""
    half = hd // 2
    rot = [[0.0] * hd for _ in range(hd)]
    for i in range(half):
        rot[i + half][i] = -1.0  # out[:half] = −x[half:]
        rot[i][i + half] = 1.0  # out[half:] = x[:half]
    return rot


def next_token_logprobs(logits, hidden, embed, tokens):
    """log p(tokens[:, t + 1] | tokens[:, ≤ t]) at every position t, (B, T) (the last one reads a zero target),
    and the entropy there, without slicing or one-hot on anything differentiable (train_step_gpu.py): the
    target logit is hidden · embed[next token] (tied embeddings), the next tokens' rows shifted as constants.
    Under onnxruntime-web's WebGPU graph capture a slice's backward (ScatterND) came out wrong for more than
    one row, and the one-hot's int64 Equal runs on the CPU, which rules capture out."""
    B, T = tokens.shape
    with torch.no_grad():
        rows = torch.index_select(embed, 0, tokens.reshape(-1)).reshape(B, T, -1)  # a Gather
        rows_next = torch.cat([rows[:, 1:], torch.zeros_like(rows[:, :1])], dim=1)
    mx = logits.amax(-1, keepdim=True).detach()
    lse = ((logits - mx).exp().sum(-1, keepdim=True).log() + mx).squeeze(-1)  # (B, T)
    tok = (hidden * rows_next).sum(-1) - lse
    with torch.no_grad():
        ent = lse - ((logits - lse[..., None]).exp() * logits).sum(-1)
    return tok, ent


def forward(w, cfg, input_ids, position_ids, attention_mask=None, past=None, lora=None, lora_scale=None, segment_ids=None,
            return_hidden=False):
    """Logits (B, S, V) and the new KV cache [(k, v)] per layer, each (B, Hkv, P+S, hd); with return_hidden also
    the final normed hidden states (B, S, D), whose product with a token's (tied) embedding is its logit.

    input_ids, position_ids: (B, S). attention_mask: (B, P+S), 1 = attend, or None (no padding).
    segment_ids: (B, S) or None (no past): several sequences packed in one row; a token attends only to earlier
    tokens of its own segment (the packed train step, train_step.py).
    past: [(k, v)] of (B, Hkv, P, hd) or None. lora: {name: tensor} from `lora_shapes`, or None.
    """
    d = dims(cfg)
    B, S = input_ids.shape
    H, Hkv, hd = d["H"], d["Hkv"], d["hd"]
    scale = (LORA_ALPHA / LORA_RANK) if lora_scale is None else lora_scale

    def lin(x, name):  # 2-D products: a 3-D @ 2-D matmul decomposes into expand + bmm of the weight
        x2 = x.reshape(B * S, x.shape[-1])
        y = x2 @ w[f"{name}.weight"]
        if lora is not None and f"{name}.lora_A" in lora:
            y = y + ((x2 @ lora[f"{name}.lora_A"]) @ lora[f"{name}.lora_B"]) * scale
        return y.reshape(B, S, y.shape[-1])

    inv_freq = 1.0 / (d["theta"] ** (torch.arange(0, hd, 2, dtype=torch.float32) / hd))
    freqs = position_ids.to(torch.float32)[:, :, None] * inv_freq[None, None, :]  # (B, S, hd/2)
    emb = torch.cat([freqs, freqs], dim=-1)[:, None]  # (B, 1, S, hd)
    cos, sin = emb.cos(), emb.sin()

    P = 0 if past is None else past[0][0].shape[2]
    q_pos = torch.arange(S)[:, None] + P
    k_pos = torch.arange(P + S)[None, :]
    allowed = (k_pos <= q_pos)[None, None]  # (1, 1, S, P+S)
    if attention_mask is not None:
        allowed = allowed & (attention_mask[:, None, None, :] > 0)
    if segment_ids is not None:
        allowed = allowed & (segment_ids[:, None, :, None] == segment_ids[:, None, None, :])
    bias = torch.where(allowed, torch.zeros(()), torch.full((), NEG))

    # a Gather (index_select), not indexing: indexing exports as GatherND over int64 index math, which
    # onnxruntime-web places on the CPU, and a CPU node rules out WebGPU graph capture (train_step_gpu.py)
    x = torch.index_select(w["model.embed_tokens.weight"], 0, input_ids.reshape(-1)).reshape(B, S, -1)  # (B, S, D)
    present = []
    for i in range(d["L"]):
        p = f"model.layers.{i}"
        h = rms_norm(x, w[f"{p}.input_layernorm.weight"], d["eps"])
        q = lin(h, f"{p}.self_attn.q_proj").view(B, S, H, hd).transpose(1, 2)
        k = lin(h, f"{p}.self_attn.k_proj").view(B, S, Hkv, hd).transpose(1, 2)
        v = lin(h, f"{p}.self_attn.v_proj").view(B, S, Hkv, hd).transpose(1, 2)
        q, k = rope(q, cos, sin), rope(k, cos, sin)
        if past is not None:
            k = torch.cat([past[i][0], k], dim=2)
            v = torch.cat([past[i][1], v], dim=2)
        present.append((k, v))
        if Hkv != H:
            k, v = k.repeat_interleave(H // Hkv, dim=1), v.repeat_interleave(H // Hkv, dim=1)
        # the scale on q (B, H, S, hd), not on the scores (B, H, S, P+S): one pass over hd, not over P+S, each way
        att = (q * (1.0 / math.sqrt(hd))) @ k.transpose(-1, -2) + bias  # (B, H, S, P+S)
        o = (att.softmax(-1) @ v).transpose(1, 2).reshape(B, S, H * hd)
        x = x + lin(o, f"{p}.self_attn.o_proj")
        h = rms_norm(x, w[f"{p}.post_attention_layernorm.weight"], d["eps"])
        g = lin(h, f"{p}.mlp.gate_proj")
        x = x + lin(torch.nn.functional.silu(g) * lin(h, f"{p}.mlp.up_proj"), f"{p}.mlp.down_proj")
    x = rms_norm(x, w["model.norm.weight"], d["eps"])
    logits = (x.reshape(B * S, d["D"]) @ w["lm_head.weight_t"]).reshape(B, S, d["V"])
    return (logits, present, x) if return_hidden else (logits, present)


def token_logprobs(logits, tokens):
    """log p(tokens[:, t] | tokens[:, <t]) aligned with tokens, (B, T), 0 at t = 0; and the entropy (B, T).

    log-softmax is written as logits − logsumexp with a detached max: LogSoftmax left the GPU on WebGPU.
    The target logit is picked with a one-hot product, not gather: gather's backward scatters into a
    (B, T, V) zero tensor that the exporter stores as a constant.
    """
    lg = logits[:, :-1]  # (B, T-1, V) predicts tokens[:, 1:]
    mx = lg.amax(-1, keepdim=True).detach()
    lse = (lg - mx).exp().sum(-1, keepdim=True).log() + mx  # (B, T-1, 1)
    onehot = (tokens[:, 1:, None] == torch.arange(lg.shape[-1])).to(lg.dtype)
    tok = (lg * onehot).sum(-1) - lse.squeeze(-1)
    with torch.no_grad():
        p = (lg - lse).exp()
        ent = lse.squeeze(-1) - (p * lg).sum(-1)
    zero = torch.zeros_like(tok[:, :1])
    return torch.cat([zero, tok], dim=1), torch.cat([zero, ent], dim=1)
