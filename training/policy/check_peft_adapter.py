"""A PEFT adapter exported by the browser's learner (TrainerClient.exportAdapter) against `peft` itself: load it
with PeftModel.from_pretrained on the PyTorch rebuild of the bundled base and recompute the log-probs the
browser's LoRA sampler reported for its own samples.

    python3 training/policy/check_peft_adapter.py DIR [--model public/models/sgp-tiny-policy]

DIR holds adapter_config.json, adapter_model.safetensors and samples.json ({prompt_ids, samples: [{tokens,
logprobs}]}). Prints one JSON line: the largest |Δ log-prob| with the adapter, and without it (the base), so a
check can tell that the adapter both loads right and matters.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
import torch  # noqa: E402

from training.policy import model as M  # noqa: E402


def token_logprobs(model, prompt_ids, tokens):
    ids = torch.tensor([prompt_ids + tokens])
    with torch.no_grad():
        logits = model(input_ids=ids).logits.float()[0]
    lp = torch.log_softmax(logits[len(prompt_ids) - 1:-1], -1)  # position t predicts token t + 1
    return lp.gather(-1, torch.tensor(tokens)[:, None]).squeeze(-1)


def main(a):
    from peft import PeftModel
    data = json.load(open(os.path.join(a.dir, "samples.json")))
    base = M.llama_from_onnx(a.model)
    # the base model's log-probs first: PeftModel injects its layers into `base` in place
    base_lp = [token_logprobs(base, data["prompt_ids"], s["tokens"]) for s in data["samples"]]
    pm = PeftModel.from_pretrained(base, a.dir).eval()
    peft_lp = [token_logprobs(pm, data["prompt_ids"], s["tokens"]) for s in data["samples"]]
    want = [torch.tensor(s["logprobs"]) for s in data["samples"]]
    diff = lambda got: max(float((g - w).abs().max()) for g, w in zip(got, want))  # noqa: E731
    return {"max_abs_logprob_peft": diff(peft_lp), "max_abs_logprob_base": diff(base_lp),
            "tokens": sum(len(s["tokens"]) for s in data["samples"]), "samples": len(data["samples"])}


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--model", default="public/models/sgp-tiny-policy")
    print(json.dumps(main(ap.parse_args())))
