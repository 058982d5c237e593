"""CPU smoke test of the whole encoder path with random tiny configs: synthetic renders → prepare →
train (a few steps) → ONNX export + int8 → onnxruntime parity with PyTorch. Prints one JSON object.

    python3 training/encoders/smoke.py          # ~30 s on 2 cores; run by tests/factory/encoders.test.ts
"""
import json
import os
import sys
import tempfile
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
import export  # noqa: E402
import prepare  # noqa: E402
import train_dino  # noqa: E402
import train_siglip  # noqa: E402
from data import synthetic  # noqa: E402


def ort_run(path, name, x):
    import onnxruntime as ort
    sess = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    return dict(zip([o.name for o in sess.get_outputs()], sess.run(None, {name: x})))


def main():
    t0 = time.time()
    torch.manual_seed(0)
    tmp = tempfile.mkdtemp(prefix='sgp-enc-smoke-')
    world, data = f'{tmp}/world', f'{tmp}/enc'
    synthetic(world, n=120, size=32, text_frac=0.3)
    prepare.main({**prepare.config, 'world_dir': world, 'out_dir': data, 'vocab_size': 64})
    tiny = dict(image_size=32, patch_size=8, heads=2, workers=1, max_minutes=1.0, warmup_steps=2,
                eval_every=1000, device='cpu', world_dir=world)
    train_siglip.main({**train_siglip.config, **tiny, 'data_dir': data, 'out_dir': f'{tmp}/siglip', 'width': 32,
                       'vision_layers': 1, 'text_layers': 1, 'batch_size': 8, 'max_steps': 3})
    train_dino.main({**train_dino.config, **tiny, 'out_dir': f'{tmp}/dino', 'width': 32, 'layers': 1,
                     'batch_size': 4, 'max_steps': 2, 'local_size': 16, 'local_crops': 2, 'prototypes': 64})
    c = {**export.config, 'siglip_ckpt': f'{tmp}/siglip/model.safetensors', 'dino_ckpt': f'{tmp}/dino/model.safetensors',
         'data_dir': data, 'siglip_out': f'{tmp}/out/siglip', 'dino_out': f'{tmp}/out/dino'}
    sig, dino = export.export_siglip(c), export.export_dino(c)

    px = np.random.default_rng(0).standard_normal((2, 3, 32, 32)).astype(np.float32)
    ids = np.random.default_rng(1).integers(0, sig.config.text_config.vocab_size, (2, 64))
    report = {'files': {}}
    checks = [('siglip_vision', sig.vision_model, 'pixel_values', px, c['siglip_out'] + '/onnx/vision_model'),
              ('siglip_text', sig.text_model, 'input_ids', ids, c['siglip_out'] + '/onnx/text_model'),
              ('dino', dino, 'pixel_values', px, c['dino_out'] + '/onnx/model')]
    for key, model, name, x, stem in checks:
        with torch.no_grad():
            ref = model(**{name: torch.from_numpy(x)})
        for variant in ('', '_quantized'):
            out = ort_run(stem + variant + '.onnx', name, x)
            report[key + (variant or '_fp32')] = {
                'outputs': {k: list(v.shape) for k, v in out.items()},
                'max_abs_err_pooler': float(np.abs(out['pooler_output'] - ref.pooler_output.numpy()).max()),
                'max_abs_err_hidden': float(np.abs(out['last_hidden_state'] - ref.last_hidden_state.numpy()).max()),
                'pooler_abs_max': float(np.abs(ref.pooler_output.numpy()).max()),
            }
    for d in (c['siglip_out'], c['dino_out']):
        for root, _, files in os.walk(d):
            for f in files:
                report['files'][os.path.relpath(os.path.join(root, f), f'{tmp}/out')] = os.path.getsize(os.path.join(root, f))
    report['config_model_types'] = [json.load(open(c['siglip_out'] + '/config.json'))['model_type'],
                                    json.load(open(c['dino_out'] + '/config.json'))['model_type']]
    report['seconds'] = round(time.time() - t0, 1)
    print(json.dumps(report))


if __name__ == '__main__':
    main()
