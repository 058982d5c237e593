"""Native onnxruntime CPU speed of the bundled encoders' graphs, the peer of `npm run bench`'s encoder
section: images/s of SigLIP's vision tower and DINO at batch 1 and 8, and SigLIP text embeddings/s at
batch 1, on the same ONNX files and variant, with the thread count the browser's WASM gets.

    python3 training/encoders/bench_anchor.py --variant model_quantized --threads 2 --trials 3

Prints one JSON line: {siglip_b1, siglip_b8, dino_b1, dino_b8, text_b1} (per second, best trial).
Speed does not depend on pixel values, so inputs are random at each model's input size.
"""
import argparse
import json
import time

import numpy as np
import onnxruntime as ort

MODELS = 'public/models'


def session(path: str, threads: int) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(path, opts, providers=['CPUExecutionProvider'])


def best_rate(run, items: int, reps: int, trials: int) -> float:
    run()  # warm-up
    best = 0.0
    for _ in range(trials):
        t0 = time.perf_counter()
        for _ in range(reps):
            run()
        best = max(best, items * reps / (time.perf_counter() - t0))
    return round(best, 1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument('--variant', default='model_quantized')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--trials', type=int, default=3)
    args = ap.parse_args()
    suffix = '_quantized' if args.variant == 'model_quantized' else ''
    rng = np.random.default_rng(0)
    out = {}
    for name, path in (('siglip', f'sgp-tiny-siglip/onnx/vision_model{suffix}.onnx'), ('dino', f'sgp-tiny-dino/onnx/model{suffix}.onnx')):
        s = session(f'{MODELS}/{path}', args.threads)
        side = s.get_inputs()[0].shape[2]
        if not isinstance(side, int):
            side = 128
        for b in (1, 8):
            x = rng.standard_normal((b, 3, side, side), dtype=np.float32)
            out[f'{name}_b{b}'] = best_rate(lambda: s.run(None, {'pixel_values': x}), b, max(2, 32 // b), args.trials)
    t = session(f'{MODELS}/sgp-tiny-siglip/onnx/text_model{suffix}.onnx', args.threads)
    ids = rng.integers(2, 500, size=(1, 64), dtype=np.int64)
    out['text_b1'] = best_rate(lambda: t.run(None, {'input_ids': ids}), 1, 32, args.trials)
    print(json.dumps(out))


if __name__ == '__main__':
    main()
