"""Wan2.1 DiT (WanModel, t2v) in PyTorch, spec/wan21.md §3; module names are the checkpoint's
(§4.1), so `state_dict()` is the official layout. Batched: x [B, C, F, H, W].

Precision follows the reference (§3.7): under a bf16 autocast the GEMMs and attention run in
bf16 while the time embedding, modulation, norms, residual stream and head stay float32."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .attention import attention


def _no_autocast(device_type):
    return torch.autocast(device_type=device_type, enabled=False)


def sinusoid(t, dim=256):
    """[B] timesteps -> [B, dim] (cos half first), computed in float64 as the reference."""
    half = dim // 2
    t = t.to(torch.float64)
    freqs = torch.pow(10000.0, -torch.arange(half, dtype=torch.float64, device=t.device) / half)
    a = t[:, None] * freqs[None, :]
    return torch.cat([torch.cos(a), torch.sin(a)], dim=1).float()


def rope_tables(grid, head_dim, device, theta=10000.0):
    """cos/sin [N, head_dim/2] for the token grid (f, h, w): pairs 0..t-1 rotate by frame,
    then rows, then columns, each axis with its own exponent denominator (§3.6)."""
    d = head_dim
    dh = dw = 2 * (d // 6)
    dt = d - 2 * dh
    def axis(n, dims):
        j = torch.arange(0, dims, 2, dtype=torch.float64, device=device) / dims
        inv = 1.0 / torch.pow(theta, j)
        return torch.arange(n, dtype=torch.float64, device=device)[:, None] * inv[None, :]
    f, h, w = grid
    at, ah, aw = axis(f, dt), axis(h, dh), axis(w, dw)
    ang = torch.cat([
        at[:, None, None, :].expand(f, h, w, -1),
        ah[None, :, None, :].expand(f, h, w, -1),
        aw[None, None, :, :].expand(f, h, w, -1)], dim=-1).reshape(f * h * w, d // 2)
    return torch.cos(ang).float(), torch.sin(ang).float()


def apply_rope(x, cos, sin):
    """x [B, N, heads, d]; interleaved pairs (x[2j], x[2j+1]) rotated by the pair's angle."""
    dtype = x.dtype
    xf = x.float().reshape(*x.shape[:-1], -1, 2)
    a, b = xf[..., 0], xf[..., 1]
    c, s = cos[None, :, None, :], sin[None, :, None, :]
    return torch.stack([a * c - b * s, a * s + b * c], dim=-1).flatten(-2).to(dtype)


class RMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-6):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        xf = x.float()
        return xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight.float()


class SelfAttention(nn.Module):
    def __init__(self, dim, num_heads, eps):
        super().__init__()
        self.num_heads = num_heads
        self.q, self.k, self.v, self.o = (nn.Linear(dim, dim) for _ in range(4))
        self.norm_q, self.norm_k = RMSNorm(dim, eps), RMSNorm(dim, eps)

    def forward(self, x, cos, sin, mask=None):
        b, n, d = x.shape
        h = self.num_heads
        v = self.v(x)                      # bf16 under autocast: attention runs in v's dtype
        q = self.norm_q(self.q(x)).view(b, n, h, d // h)
        k = self.norm_k(self.k(x)).view(b, n, h, d // h)
        q, k = apply_rope(q, cos, sin).to(v.dtype), apply_rope(k, cos, sin).to(v.dtype)
        v = v.view(b, n, h, d // h)
        o = attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), mask=mask)
        return self.o(o.transpose(1, 2).reshape(b, n, d))


class CrossAttention(nn.Module):
    def __init__(self, dim, num_heads, eps):
        super().__init__()
        self.num_heads = num_heads
        self.q, self.k, self.v, self.o = (nn.Linear(dim, dim) for _ in range(4))
        self.norm_q, self.norm_k = RMSNorm(dim, eps), RMSNorm(dim, eps)

    def forward(self, x, ctx):
        b, n, d = x.shape
        h = self.num_heads
        q = self.norm_q(self.q(x))
        k = self.norm_k(self.k(ctx))
        v = self.v(ctx)
        dt = v.dtype
        q = q.to(dt).view(b, n, h, d // h).transpose(1, 2)
        k = k.to(dt).view(b, -1, h, d // h).transpose(1, 2)
        v = v.view(b, -1, h, d // h).transpose(1, 2)
        return self.o(attention(q, k, v).transpose(1, 2).reshape(b, n, d))


class Block(nn.Module):
    def __init__(self, dim, ffn_dim, num_heads, eps):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=eps, elementwise_affine=False)
        self.self_attn = SelfAttention(dim, num_heads, eps)
        self.norm3 = nn.LayerNorm(dim, eps=eps, elementwise_affine=True)
        self.cross_attn = CrossAttention(dim, num_heads, eps)
        self.norm2 = nn.LayerNorm(dim, eps=eps, elementwise_affine=False)
        self.ffn = nn.Sequential(nn.Linear(dim, ffn_dim), nn.GELU(approximate='tanh'), nn.Linear(ffn_dim, dim))
        self.modulation = nn.Parameter(torch.randn(1, 6, dim) / dim ** 0.5)

    def forward(self, x, e0, ctx, cos, sin, mask=None):
        # x [B, N, D] float32; e0 [B, 6, D] float32
        m = (self.modulation.float() + e0).unbind(1)                       # 6 x [B, D]
        a = self.norm1(x.float()) * (1 + m[1][:, None]) + m[0][:, None]
        x = x + self.self_attn(a, cos, sin, mask).float() * m[2][:, None]
        x = x + self.cross_attn(self.norm3(x.float()), ctx).float()
        f = self.norm2(x.float()) * (1 + m[4][:, None]) + m[3][:, None]
        return x + self.ffn(f).float() * m[5][:, None]


class Head(nn.Module):
    def __init__(self, dim, out_dim, patch, eps):
        super().__init__()
        self.norm = nn.LayerNorm(dim, eps=eps, elementwise_affine=False)
        self.head = nn.Linear(dim, out_dim * math.prod(patch))
        self.modulation = nn.Parameter(torch.randn(1, 2, dim) / dim ** 0.5)

    def forward(self, x, e):
        m = (self.modulation.float() + e[:, None]).unbind(1)
        return F.linear(self.norm(x.float()) * (1 + m[1][:, None]) + m[0][:, None],
                        self.head.weight.float(), self.head.bias.float())


class WanDiT(nn.Module):
    """WanModel(model_type='t2v'); constructor arguments are config.json's names."""

    def __init__(self, dim=1536, ffn_dim=8960, freq_dim=256, text_dim=4096, text_len=512, in_dim=16, out_dim=16,
                 num_heads=12, num_layers=30, patch_size=(1, 2, 2), eps=1e-6, qk_norm=True, cross_attn_norm=True,
                 window_size=(-1, -1), model_type='t2v', **_ignored):
        super().__init__()
        assert model_type == 't2v' and qk_norm and cross_attn_norm and tuple(window_size) == (-1, -1)
        assert dim % num_heads == 0 and (dim // num_heads) % 2 == 0
        self.config = dict(dim=dim, ffn_dim=ffn_dim, freq_dim=freq_dim, text_dim=text_dim, text_len=text_len,
                           in_dim=in_dim, out_dim=out_dim, num_heads=num_heads, num_layers=num_layers,
                           patch_size=list(patch_size), eps=eps, qk_norm=True, cross_attn_norm=True,
                           window_size=[-1, -1], model_type='t2v')
        self.dim, self.freq_dim, self.text_len, self.out_dim = dim, freq_dim, text_len, out_dim
        self.num_heads, self.patch = num_heads, tuple(patch_size)
        self.patch_embedding = nn.Conv3d(in_dim, dim, kernel_size=self.patch, stride=self.patch)
        self.text_embedding = nn.Sequential(nn.Linear(text_dim, dim), nn.GELU(approximate='tanh'), nn.Linear(dim, dim))
        self.time_embedding = nn.Sequential(nn.Linear(freq_dim, dim), nn.SiLU(), nn.Linear(dim, dim))
        self.time_projection = nn.Sequential(nn.SiLU(), nn.Linear(dim, dim * 6))
        self.blocks = nn.ModuleList(Block(dim, ffn_dim, num_heads, eps) for _ in range(num_layers))
        self.head = Head(dim, out_dim, self.patch, eps)
        self._rope = {}

    def init_weights(self):
        """Training init: Xavier linears, zero output head (the reference's init_weights)."""
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)
        nn.init.xavier_uniform_(self.patch_embedding.weight.flatten(1))
        for m in self.text_embedding.modules():
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, std=0.02)
        for m in self.time_embedding.modules():
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, std=0.02)
        nn.init.zeros_(self.head.head.weight)
        return self

    def grid(self, x_shape):
        _, _, f, h, w = x_shape
        return f // self.patch[0], h // self.patch[1], w // self.patch[2]

    def rope(self, grid, device):
        key = (tuple(grid), str(device))
        if key not in self._rope:
            self._rope[key] = rope_tables(grid, self.dim // self.num_heads, device)
        return self._rope[key]

    def pad_context(self, context):
        """[B, L, text_dim] (or a list of [L_i, text_dim]) -> [B, text_len, text_dim], zero rows appended."""
        if isinstance(context, (list, tuple)):
            out = context[0].new_zeros(len(context), self.text_len, context[0].shape[-1])
            for i, c in enumerate(context):
                out[i, :c.shape[0]] = c[:self.text_len]
            return out
        if context.shape[1] < self.text_len:
            context = F.pad(context, (0, 0, 0, self.text_len - context.shape[1]))
        return context

    def embed_text(self, context):
        return self.text_embedding(self.pad_context(context))

    def forward(self, x, t, context, masks=None, text_embedded=False):
        """x [B, in_dim, F, H, W]; t [B] timesteps (float, used as given); context [B, L, text_dim]
        or its embedding when text_embedded; masks: per-layer bool [heads, N, N] or None (dense).
        Returns the velocity [B, out_dim, F, H, W] in float32."""
        b = x.shape[0]
        grid = self.grid(x.shape)
        cos, sin = self.rope(grid, x.device)
        z = self.patch_embedding(x).flatten(2).transpose(1, 2)             # [B, N, D]
        if t.dim() == 0:
            t = t.expand(b)
        with _no_autocast(x.device.type):
            e = self.time_embedding(sinusoid(t.to(x.device), self.freq_dim))   # [B, D]
            e0 = self.time_projection(e).view(b, 6, self.dim)                 # [B, 6, D]
        ctx = context if text_embedded else self.embed_text(context)          # [B, text_len, D]
        z = z.float()
        for i, block in enumerate(self.blocks):
            z = block(z, e0, ctx, cos, sin, None if masks is None else masks[i])
        with _no_autocast(x.device.type):
            out = self.head(z, e)                                              # [B, N, 64] float32
        return self.unpatchify(out, grid)

    def unpatchify(self, out, grid):
        b = out.shape[0]
        pt, ph, pw = self.patch
        f, h, w = grid
        out = out.view(b, f, h, w, pt, ph, pw, self.out_dim)
        return out.permute(0, 7, 1, 4, 2, 5, 3, 6).reshape(b, self.out_dim, f * pt, h * ph, w * pw)
