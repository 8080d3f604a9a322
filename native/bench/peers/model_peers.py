"""The reference PyTorch model peers of native/bench/bench_cuda_models.cc, in the same shapes:
the Wan2.1-1.3B DiT forward at 81x480x832 (eager, bf16 autocast as the official generate() runs
it, attention through SDPA), the Wan-VAE decode of the same clip (float32 as the reference, one
latent frame at a time with caches), and the umT5-XXL encode of 512 tokens (bf16). Random
weights of the real configs from training/wan (our PyTorch implementation of the architecture,
checked against ../shared/golden by training/tests). Prints ms and peak GPU memory, writes JSON.

    python3 native/bench/peers/model_peers.py [--json out.json] [--only dit,vae,t5]
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', '..'))
from training.wan.dit import WanDiT  # noqa: E402
from training.wan.t5 import T5Encoder  # noqa: E402
from training.wan.vae import WanVAE  # noqa: E402


def timed(fn, warmup=1, reps=3):
    """Median milliseconds (CUDA events) and peak allocated bytes of fn()."""
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    times = []
    for _ in range(reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        torch.cuda.synchronize()
        times.append(a.elapsed_time(b))
    times.sort()
    return times[len(times) // 2], torch.cuda.max_memory_allocated()


def randomise(module, seed):
    """N(0, 1/fan_in) weights (norm gains near 1) so activations stay finite through depth."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            if p.dim() >= 2:
                fan_in = p[0].numel()
                p.copy_(torch.randn(p.shape, generator=g) / fan_in ** 0.5)
            elif 'norm' in name or 'gamma' in name:
                p.copy_(1 + 0.1 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
    return module


def run(only):
    rows = []
    dev = 'cuda'
    if 'dit' in only:
        dit = randomise(WanDiT(), 1).to(dev).eval()
        x = torch.randn(1, 16, 21, 60, 104, device=dev)
        ctx = torch.randn(1, 24, 4096, device=dev)
        t = torch.tensor([500.0], device=dev)
        with torch.no_grad(), torch.autocast('cuda', dtype=torch.bfloat16):
            emb = dit.embed_text(ctx)  # once per generation, as the engine's prepare_text
            ms, peak = timed(lambda: dit(x, t, emb, text_embedded=True))
        rows.append(dict(case='dit 1.3B 81x480x832 dense', impl='pytorch eager+sdpa (bf16 autocast)', ms=ms,
                         peak_gib=peak / 2**30))
        del dit
        torch.cuda.empty_cache()
    if 'vae' in only:
        vae = randomise(WanVAE(), 2).to(dev).eval()
        z = torch.randn(1, 16, 21, 60, 104, device=dev)
        with torch.no_grad():
            ms, peak = timed(lambda: vae.decode(z, chunked=True), warmup=1, reps=2)
        rows.append(dict(case='vae decode 81x480x832', impl='pytorch fp32 (reference precision)', ms=ms,
                         peak_gib=peak / 2**30))
        del vae
        torch.cuda.empty_cache()
    if 't5' in only:
        t5 = randomise(T5Encoder(), 3).to(dev, dtype=torch.bfloat16).eval()
        ids = torch.randint(100, 200000, (1, 512), device=dev)
        with torch.no_grad():
            ms, peak = timed(lambda: t5(ids))
        rows.append(dict(case='umt5-xxl encode 512', impl='pytorch bf16', ms=ms, peak_gib=peak / 2**30))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--json')
    ap.add_argument('--only', default='dit,vae,t5')
    args = ap.parse_args()
    if not torch.cuda.is_available():
        print('no CUDA device: peers skipped')
        return 0
    rows = run(set(args.only.split(',')))
    print(f"{'case':28} {'impl':40} {'ms':>9} {'peak GiB':>9}")
    for r in rows:
        print(f"{r['case']:28} {r['impl']:40} {r['ms']:9.1f} {r['peak_gib']:9.2f}")
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(device=torch.cuda.get_device_name(), torch=torch.__version__, rows=rows), f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
