"""The reference PyTorch model peers of native/bench/bench_cuda_models.cc, in the same shapes:
the Wan2.1-1.3B DiT forward at 81x480x832 (eager, bf16 autocast as the official generate() runs
it; attention through SDPA, or for STA through FlexAttention with the STA block mask on
tile-major tokens, as FastVideo runs it), the Wan-VAE decode of the same clip (float32 as the
reference, one latent frame at a time with caches), and the umT5-XXL encode of 512 tokens
(bf16). Random weights of the real configs from training/wan (our PyTorch implementation of the
architecture, checked against ../shared/golden by training/tests). With --tessera, runs
tessera_bench's cuda_models group too and prints both side by side (same card, same run).
Prints ms and peak GPU memory, writes JSON.

    python3 native/bench/peers/model_peers.py [--tessera build/tessera_bench [--tessera-filter cuda_models/umt5]]
        [--json out.json] [--only dit,sta,vae,t5]
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', '..'))
import training.wan.dit as wan_dit  # noqa: E402
from training.wan.dit import WanDiT  # noqa: E402
from training.wan.t5 import T5Encoder  # noqa: E402
from training.wan.vae import WanVAE  # noqa: E402
from peer_util import median_ms, run_cases  # noqa: E402


def timed(fn, warmup=1, reps=3):
    """Median milliseconds (CUDA events) and peak allocated bytes of fn() after the warm-up."""
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    return median_ms(fn, 0, reps), torch.cuda.max_memory_allocated()


def randomise(module, seed):
    """N(0, 1/fan_in) weights (norm gains near 1) so activations stay finite through depth.
    Drawn on the module's device (umT5-XXL has 5.7 B parameters: too slow on the host)."""
    dev = next(module.parameters()).device
    g = torch.Generator(device=dev).manual_seed(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            if p.dim() >= 2:
                fan_in = p[0].numel()
                p.copy_(torch.randn(p.shape, generator=g, device=dev) / fan_in ** 0.5)
            elif 'norm' in name or 'gamma' in name:
                p.copy_(1 + 0.1 * torch.randn(p.shape, generator=g, device=dev))
            else:
                p.copy_(0.1 * torch.randn(p.shape, generator=g, device=dev))
    return module


def sta_setup(grid, tile=(6, 8, 8), window=(3, 3, 3)):
    """Tile-major permutation of the raster tokens, its inverse, the FlexAttention block mask of
    the STA rule and the kept share of query-key pairs (as attention_peers.py builds them)."""
    from attention_peers import kept_pairs, kept_tiles, tile_layout
    from torch.nn.attention.flex_attention import create_block_mask

    order, tile_of, nt = tile_layout(grid, tile)
    n = len(order)
    perm = torch.tensor(order, device='cuda')
    inv = torch.empty_like(perm)
    inv[perm] = torch.arange(n, device='cuda')
    tile_of_t = torch.tensor(tile_of, device='cuda')
    kept = kept_tiles(nt, window).cuda()
    mask = create_block_mask(lambda b, h, qi, ki: kept[tile_of_t[qi], tile_of_t[ki]], None, None, n, n,
                             device='cuda', _compile=True)
    return perm, inv, mask, kept_pairs(grid, tile, window) / (n * n)


_SELF_ATTENTION = object()  # the mask argument that marks a self-attention call


def dit_forward_tiled(dit, x, t, ctx, perm, inv, attend):
    """WanDiT.forward with the tokens in tile-major order between the patch embedding and the
    head (every op but self-attention is per token, so only attention sees the order) and
    self-attention computed by attend(q, k, v) (FlexAttention with the STA block mask)."""
    dense = wan_dit.attention

    def attention(q, k, v, mask=None, bias=None, scale=None):
        if mask is _SELF_ATTENTION:
            return attend(q, k, v)
        return dense(q, k, v, mask=mask, bias=bias, scale=scale)

    b = x.shape[0]
    grid = dit.grid(x.shape)
    cos, sin = dit.rope(grid, x.device)
    cos, sin = cos[perm], sin[perm]
    z = dit.patch_embedding(x).flatten(2).transpose(1, 2)[:, perm]
    with wan_dit._no_autocast(x.device.type):
        e = dit.time_embedding(wan_dit.sinusoid(t.expand(b), dit.freq_dim))
        e0 = dit.time_projection(e).view(b, 6, dit.dim)
    z = z.float()
    wan_dit.attention = attention
    try:
        for block in dit.blocks:
            z = block(z, e0, ctx, cos, sin, _SELF_ATTENTION)
    finally:
        wan_dit.attention = dense
    with wan_dit._no_autocast(x.device.type):
        out = dit.head(z[:, inv], e)
    return dit.unpatchify(out, grid)


def run(only):
    rows = []
    dev = 'cuda'
    if 'dit' in only or 'sta' in only:
        dit = randomise(WanDiT().to(dev), 1).eval()
        x = torch.randn(1, 16, 21, 60, 104, device=dev)
        ctx = torch.randn(1, 24, 4096, device=dev)
        t = torch.tensor([500.0], device=dev)
        with torch.no_grad(), torch.autocast('cuda', dtype=torch.bfloat16):
            emb = dit.embed_text(ctx)  # once per generation, as the engine's prepare_text
            if 'dit' in only:
                ms, peak = timed(lambda: dit(x, t, emb, text_embedded=True))
                rows.append(dict(case='dit 1.3B 81x480x832 dense', impl='pytorch eager+sdpa (bf16)', ms=ms,
                                 peak_gib=peak / 2**30))
            if 'sta' in only:
                try:
                    from torch.nn.attention.flex_attention import flex_attention
                    flex = torch.compile(flex_attention, dynamic=False)
                    perm, inv, mask, kept = sta_setup((21, 30, 52))
                    attend = lambda q, k, v: flex(q, k, v, block_mask=mask)  # noqa: E731
                    ms, peak = timed(lambda: dit_forward_tiled(dit, x, t, emb, perm, inv, attend))
                    rows.append(dict(case='dit 1.3B 81x480x832 sta 3x3x3', impl='pytorch eager+flex (bf16)', ms=ms,
                                     peak_gib=peak / 2**30, note=f'{kept:.1%} of pairs kept'))
                except Exception as e:  # FlexAttention may be missing on a build
                    rows.append(dict(case='dit 1.3B 81x480x832 sta 3x3x3', impl='pytorch eager+flex (bf16)',
                                     ms=None, note=str(e)[:160]))
        del dit
        torch.cuda.empty_cache()
    if 'vae' in only:
        vae = randomise(WanVAE().to(dev), 2).eval()
        z = torch.randn(1, 16, 21, 60, 104, device=dev)
        with torch.no_grad():
            ms, peak = timed(lambda: vae.decode(z, chunked=True), warmup=1, reps=2)
        rows.append(dict(case='vae decode 81x480x832', impl='pytorch fp32 (reference precision)', ms=ms,
                         peak_gib=peak / 2**30))
        del vae
        torch.cuda.empty_cache()
    if 't5' in only:
        t5 = randomise(T5Encoder().to(dev, dtype=torch.bfloat16), 3).eval()
        ids = torch.randint(100, 200000, (1, 512), device=dev)
        with torch.no_grad():
            ms, peak = timed(lambda: t5(ids))
        rows.append(dict(case='umt5-xxl encode 512 resident', impl='pytorch bf16', ms=ms, peak_gib=peak / 2**30))
    return rows


def tessera_rows(bench, filters):
    """tessera_bench's cuda_models cases as rows; a note "peak X GiB" becomes the peak column."""
    rows = []
    for c in run_cases(bench, filters, echo=True):
        row = dict(case=c['name'], impl='tessera cuda', ms=c.get('median_ms'), peak_gib=None)
        note = c.get('note', '')
        if note.startswith('peak '):
            row['peak_gib'] = float(note.split()[1])
        elif note:
            row['note'] = note  # e.g. why the case was skipped
        rows.append(row)
    return rows


def print_table(rows):
    """Rows grouped by case; each PyTorch row's time over tessera's (speed-up) in the last column."""
    ours = {r['case']: r['ms'] for r in rows if r['impl'].startswith('tessera') and r.get('ms')}
    print(f"\n{'case':34} {'impl':28} {'ms':>9} {'peak GiB':>9} {'tessera x':>9}")
    for case in dict.fromkeys(r['case'] for r in rows):
        for r in (r for r in rows if r['case'] == case):
            ms = f"{r['ms']:.1f}" if r.get('ms') else 'n/a'
            peak = f"{r['peak_gib']:.2f}" if r.get('peak_gib') is not None else ''
            sp = f"{r['ms'] / ours[case]:.2f}x" if case in ours and r.get('ms') and not r['impl'].startswith('tessera') else ''
            print(f"{case:34} {r['impl']:28} {ms:>9} {peak:>9} {sp:>9}  {r.get('note', '')}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--json')
    ap.add_argument('--only', default='dit,sta,vae,t5')
    ap.add_argument('--tessera', help='path of tessera_bench: adds our cuda_models cases to the table')
    ap.add_argument('--tessera-filter', action='append',
                    help='tessera_bench case filters (default cuda_models/), e.g. cuda_models/umt5')
    args = ap.parse_args()
    if not torch.cuda.is_available():
        print('no CUDA device: peers skipped')
        return 0
    rows = tessera_rows(args.tessera, args.tessera_filter or ['cuda_models/']) if args.tessera else []
    rows += run(set(args.only.split(',')))
    print_table(rows)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(device=torch.cuda.get_device_name(), torch=torch.__version__, rows=rows), f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
