"""Sparse self-attention patterns of the engine (spec/sparse-attention.md) as boolean masks over
raster-ordered tokens: sliding-tile attention (STA) and Attention Tile k:(F-k). The same rules
in JSON form ({tile, rules}) drive the native engine, so a model trained with these masks runs
unchanged there."""
import torch


def _axis_keep(n_tok, tile, window, device):
    """[n_tok, n_tok] bool: query token i keeps key token j on this axis."""
    idx = torch.arange(n_tok, device=device) // tile  # tile coordinate of each token
    n = (n_tok + tile - 1) // tile
    reach = window // 2
    if 2 * reach + 1 >= n:  # the window covers the whole axis
        return torch.ones(n_tok, n_tok, dtype=torch.bool, device=device)
    centre = idx.clamp(reach, n - 1 - reach)
    return (centre[:, None] - idx[None, :]).abs() <= reach


def sta_mask(grid, tile, window, device='cpu'):
    """[N, N] bool STA mask for one head; grid = tokens (t, h, w); tile and window per axis
    (window in tiles). A query tile keeps the key tiles within window//2 of its centre, the
    centre clamped so that windows never shrink at the borders."""
    t, h, w = _axis_keep(grid[0], tile[0], window[0], device), _axis_keep(grid[1], tile[1], window[1], device), \
        _axis_keep(grid[2], tile[2], window[2], device)
    m = t[:, None, None, :, None, None] & h[None, :, None, None, :, None] & w[None, None, :, None, None, :]
    n = grid[0] * grid[1] * grid[2]
    return m.reshape(n, n)


def tile_mask(grid, global_frames, device='cpu'):
    """[N, N] bool Attention Tile k:(F-k) mask: diagonal frame blocks plus every row and column of
    the first k latent frames."""
    f = torch.arange(grid[0], device=device).repeat_interleave(grid[1] * grid[2])
    k = global_frames
    return (f[:, None] == f[None, :]) | (f[:, None] < k) | (f[None, :] < k)


def kept_fraction(mask):
    return float(mask.float().mean())


class AttnRules:
    """The engine's attention configuration: a tile size and ordered rules over (step, layer,
    head) ranges; later rules override earlier ones, anything uncovered is dense (types.ts
    AttnRule). `masks(step, num_steps, grid, layers, heads)` gives per-layer [heads, N, N] masks
    (None for an all-dense layer)."""

    def __init__(self, tile=(6, 8, 8), rules=()):
        self.tile = list(tile)
        self.rules = [dict(r) for r in rules]

    @staticmethod
    def from_json(obj):
        return AttnRules(obj.get('tile', (6, 8, 8)), obj.get('rules', []))

    def to_json(self):
        return {'tile': list(self.tile), 'rules': [dict(r) for r in self.rules]}

    @staticmethod
    def per_head_sta(windows, tile, steps=None):
        """Rules from a [layers][heads] table of STA windows (what calibration returns)."""
        rules = []
        for layer, heads in enumerate(windows):
            for head, win in enumerate(heads):
                r = {'layers': [layer, layer + 1], 'head': head, 'pattern': 'sta', 'window': list(win)}
                if steps is not None:
                    r['steps'] = list(steps)
                rules.append(r)
        return AttnRules(tile, rules)

    @staticmethod
    def _in(rng, i, n):
        if rng is None:
            return True
        b, e = rng
        e = n if e < 0 else e
        return b <= i < e

    def patterns(self, step, num_steps, layer, num_layers, num_heads):
        out = [('dense',)] * num_heads
        for r in self.rules:
            if not (self._in(r.get('steps'), step, num_steps) and self._in(r.get('layers'), layer, num_layers)):
                continue
            h = r.get('head', -1)
            heads = range(num_heads) if h is None or h < 0 else [h]
            p = r['pattern']
            pat = ('dense',) if p == 'dense' else ('sta', tuple(r['window'])) if p == 'sta' else \
                ('tile', int(r['globalFrames']))
            for hh in heads:
                if hh < num_heads:
                    out[hh] = pat
        return out

    def masks(self, step, num_steps, grid, num_layers, num_heads, device='cpu'):
        cache, result = {}, []
        for layer in range(num_layers):
            pats = self.patterns(step, num_steps, layer, num_layers, num_heads)
            if all(p[0] == 'dense' for p in pats):
                result.append(None)
                continue
            ms = []
            for p in pats:
                if p not in cache:
                    n = grid[0] * grid[1] * grid[2]
                    cache[p] = torch.ones(n, n, dtype=torch.bool, device=device) if p[0] == 'dense' else \
                        sta_mask(grid, self.tile, p[1], device) if p[0] == 'sta' else tile_mask(grid, p[1], device)
                ms.append(cache[p])
            result.append(torch.stack(ms))
        return result

    def sparsity(self, step, num_steps, grid, num_layers, num_heads):
        """Fraction of (query, key) token pairs skipped, averaged over layers and heads."""
        total, kept = 0.0, 0.0
        for m in self.masks(step, num_steps, grid, num_layers, num_heads):
            total += num_heads
            kept += num_heads if m is None else float(m.float().mean(dim=(1, 2)).sum())
        return 1.0 - kept / total
