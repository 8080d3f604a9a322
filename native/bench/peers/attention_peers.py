"""What users run today for video attention, timed at the shapes of native/bench/bench_cuda_kernels.cc:
PyTorch SDPA with the flash and cuDNN backends (dense), and FlexAttention with an STA block mask.

FlexAttention gets its most favourable layout: tokens already in tile-major order (the permutation
is not timed), so each 128-token block lies in as few tiles as possible; its mask is the same
clamped-centre window rule as the engine's (spec/sparse-attention.md). Prints a table, writes JSON.

    python3 native/bench/peers/attention_peers.py --json out.json [--quick]
"""
import argparse
import json
import math
import sys

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel


def timed(fn, warmup=3, reps=10):
    """Median milliseconds of fn() measured with CUDA events."""
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        torch.cuda.synchronize()
        times.append(a.elapsed_time(b))
    times.sort()
    return times[len(times) // 2]


def tile_layout(grid, tile):
    """Tile-major order of raster tokens, the tile index of every tile-major position, and the
    number of tiles per axis (edge tiles may be partial)."""
    nt = [math.ceil(g / t) for g, t in zip(grid, tile)]
    order, tile_of = [], []
    for a in range(nt[0]):
        for b in range(nt[1]):
            for c in range(nt[2]):
                idx = (a * nt[1] + b) * nt[2] + c
                for t in range(a * tile[0], min(grid[0], (a + 1) * tile[0])):
                    for h in range(b * tile[1], min(grid[1], (b + 1) * tile[1])):
                        for w in range(c * tile[2], min(grid[2], (c + 1) * tile[2])):
                            order.append((t * grid[1] + h) * grid[2] + w)
                            tile_of.append(idx)
    return order, tile_of, nt


def kept_tiles(nt, window):
    """[tiles, tiles] bool: the STA rule with clamped centres."""
    coords = [(a, b, c) for a in range(nt[0]) for b in range(nt[1]) for c in range(nt[2])]
    n = len(coords)
    kept = torch.zeros(n, n, dtype=torch.bool)
    for i, q in enumerate(coords):
        for j, k in enumerate(coords):
            ok = True
            for ax in range(3):
                w, m = window[ax], nt[ax]
                if w >= m:
                    continue
                r = w // 2
                centre = min(max(q[ax], r), m - 1 - r)
                ok &= abs(centre - k[ax]) <= r
            kept[i, j] = ok
    return kept


def kept_pairs(grid, tile, window):
    _, tile_of, nt = tile_layout(grid, tile)
    sizes = torch.bincount(torch.tensor(tile_of)).double()
    kept = kept_tiles(nt, window).double()
    return float(sizes @ kept @ sizes)


def report(r):
    ms = f"{r['ms']:.2f}" if r.get("ms") else "n/a"
    tf = f"{r['tflops']:.0f}" if r.get("tflops") else ""
    print(f"{r['case']:28} {r['impl']:14} {ms:>9} {tf:>8}  {r.get('note', '')}", flush=True)


def run(quick):
    from torch.nn.attention.flex_attention import create_block_mask, flex_attention

    flex = torch.compile(flex_attention, dynamic=False)
    rows = []
    shapes = [("hunyuan720p", (30, 48, 80), 24), ("wan480p", (21, 30, 52), 12)]
    d, tile = 128, (6, 8, 8)
    for label, grid, heads in shapes:
        n = grid[0] * grid[1] * grid[2]
        q, k, v = (torch.randn(1, heads, n, d, device="cuda", dtype=torch.bfloat16) for _ in range(3))
        dense_flops = 4.0 * d * heads * n * n
        for backend, name in ((SDPBackend.CUDNN_ATTENTION, "sdpa cudnn"), (SDPBackend.FLASH_ATTENTION, "sdpa flash")):
            try:
                with sdpa_kernel(backend):
                    ms = timed(lambda: F.scaled_dot_product_attention(q, k, v))
                rows.append(dict(case=f"{label} dense", impl=name, ms=ms, tflops=dense_flops / ms / 1e9))
            except Exception as e:  # a backend may be unavailable on a card
                rows.append(dict(case=f"{label} dense", impl=name, ms=None, note=str(e)[:120]))
            report(rows[-1])
        order, tile_of, nt = tile_layout(grid, tile)
        tile_of_t = torch.tensor(tile_of, device="cuda")
        perm = torch.tensor(order, device="cuda")
        qt, kt, vt = (x[:, :, perm].contiguous() for x in (q, k, v))
        for window in ((5, 5, 5), (3, 3, 3)):
            kept = kept_tiles(nt, window).cuda()

            def mask_mod(b, h, qi, ki):
                return kept[tile_of_t[qi], tile_of_t[ki]]

            # _compile avoids materialising the n x n mask while the block mask is built.
            block_mask = create_block_mask(mask_mod, None, None, n, n, device="cuda", _compile=True)
            pairs = kept_pairs(grid, tile, window)
            case = f"{label} sta {window[0]}x{window[1]}x{window[2]}"
            try:
                ms = timed(lambda: flex(qt, kt, vt, block_mask=block_mask))
                rows.append(dict(case=case, impl="flexattention", ms=ms, tflops=4.0 * d * heads * pairs / ms / 1e9,
                                 sparsity=1 - pairs / (n * n)))
            except Exception as e:
                rows.append(dict(case=case, impl="flexattention", ms=None, note=str(e)[:120]))
            report(rows[-1])
        if quick:
            break
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--json")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    if not torch.cuda.is_available():
        print("no CUDA device: peers skipped")
        return 0
    print(f"{'case':28} {'impl':14} {'ms':>9} {'TFLOP/s':>8}")
    rows = run(args.quick)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(device=torch.cuda.get_device_name(), torch=torch.__version__, rows=rows), f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
