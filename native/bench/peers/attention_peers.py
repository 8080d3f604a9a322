"""The attention table: our kernels beside what users run today, at the shapes of
native/bench/bench_cuda_kernels.cc. Peers: PyTorch SDPA with the cuDNN and flash backends (dense)
and FlexAttention with an STA block mask; ours (with --tessera): the Hopper and portable paths,
timed by tessera_bench. TFLOP/s count kept work only (4 · d · heads · kept query-key pairs); the
last column is the speed-up over SDPA cuDNN dense of the same shape on the same card.

FlexAttention gets its most favourable layout: tokens already in tile-major order (the permutation
is not timed), so each 128-token block lies in as few tiles as possible; its mask is the same
clamped-centre window rule as the engine's (spec/sparse-attention.md). Its block mask is built
compiled (_compile=True): built eagerly it materialises the n x n mask and runs out of memory.

    python3 native/bench/peers/attention_peers.py [--tessera build/tessera_bench] [--json out.json] [--quick]
"""
import argparse
import json
import math
import sys

import torch
import torch.nn.functional as F
from peer_util import median_ms, run_cases
from torch.nn.attention import SDPBackend, sdpa_kernel


def timed(fn, warmup=3, reps=10):
    """Median milliseconds of fn() measured with CUDA events."""
    return median_ms(fn, warmup, reps)


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


def report(r, speedup=None):
    ms = f"{r['ms']:.2f}" if r.get("ms") else "n/a"
    tf = f"{r['tflops']:.0f}" if r.get("tflops") else ""
    sp = f"{speedup:.2f}x" if speedup else ""
    print(f"{r['case']:28} {r['impl']:18} {ms:>9} {tf:>8} {sp:>9}  {r.get('note', '')}", flush=True)


def tessera_rows(bench, quick):
    """Runs tessera_bench's attention cases; rows named like the peers' ("<shape> <pattern>")."""
    cases = run_cases(bench, ["cuda_attention/"] + (["--quick"] if quick else []))
    rows = []
    for c in cases:
        words = c["name"].split()
        case, path = " ".join(words[:-1]), words[-1]
        row = dict(case=case, impl=f"tessera {path}", ms=c.get("median_ms"))
        if c.get("gflops"):
            row["tflops"] = c["gflops"] / 1e3
        if c.get("note"):
            row["note"] = c["note"]
        rows.append(row)
    return rows


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


def print_table(rows):
    """Rows grouped by shape, each with its speed-up over SDPA cuDNN dense of that shape."""
    cudnn = {r["case"].split()[0]: r["ms"] for r in rows if r["impl"] == "sdpa cudnn" and r.get("ms")}
    print(f"\n{'case':28} {'impl':18} {'ms':>9} {'TFLOP/s':>8} {'vs cuDNN':>9}")
    shapes = list(dict.fromkeys(r["case"].split()[0] for r in rows))
    for shape in shapes:
        group = [r for r in rows if r["case"].split()[0] == shape]
        group.sort(key=lambda r: (r["case"].split()[1] != "dense", r["case"], r["impl"]))
        for r in group:
            base = cudnn.get(shape)
            report(r, base / r["ms"] if base and r.get("ms") else None)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--json")
    ap.add_argument("--quick", action="store_true", help="fewer samples, first shape only for the peers")
    ap.add_argument("--tessera", help="path of tessera_bench: adds our kernels to the table")
    ap.add_argument("--no-peers", action="store_true", help="only our kernels")
    args = ap.parse_args()
    rows = []
    if args.tessera:
        rows += tessera_rows(args.tessera, args.quick)
        for r in rows:
            report(r)
    if not torch.cuda.is_available():
        print("no CUDA device: peers skipped")
    elif not args.no_peers:
        rows += run(args.quick)
    print_table(rows)
    if args.json:
        device = torch.cuda.get_device_name() if torch.cuda.is_available() else None
        with open(args.json, "w") as f:
            json.dump(dict(device=device, torch=torch.__version__, rows=rows), f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
