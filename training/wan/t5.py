"""umT5 encoder (Wan's T5Encoder) in PyTorch, spec/wan21.md §6; module names are the
checkpoint's (§6.3). Batched ids [B, S] with a padding mask; returns every position's output.

The reference runs the whole encoder in bf16 with two float32 spots (RMS statistics, softmax):
cast the module to bf16 for that, or keep float32 (training, golden checks)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .attention import attention


class T5LayerNorm(nn.Module):
    def __init__(self, dim, eps=1e-6):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        x = x * torch.rsqrt(x.float().pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * x.to(self.weight.dtype)


class T5Attention(nn.Module):
    def __init__(self, dim, dim_attn, num_heads):
        super().__init__()
        self.num_heads, self.head_dim = num_heads, dim_attn // num_heads
        self.q, self.k, self.v = (nn.Linear(dim, dim_attn, bias=False) for _ in range(3))
        self.o = nn.Linear(dim_attn, dim, bias=False)

    def forward(self, x, bias):
        b, s, _ = x.shape
        h, d = self.num_heads, self.head_dim
        q, k, v = (p(x).view(b, s, h, d).transpose(1, 2) for p in (self.q, self.k, self.v))
        # no 1/sqrt(d) scaling (T5 convention); bias = relative position + key padding
        o = attention(q, k, v, bias=bias, scale=1.0)
        return self.o(o.transpose(1, 2).reshape(b, s, h * d))


class T5FeedForward(nn.Module):
    def __init__(self, dim, dim_ffn):
        super().__init__()
        self.gate = nn.Sequential(nn.Linear(dim, dim_ffn, bias=False), nn.GELU(approximate='tanh'))
        self.fc1 = nn.Linear(dim, dim_ffn, bias=False)
        self.fc2 = nn.Linear(dim_ffn, dim, bias=False)

    def forward(self, x):
        return self.fc2(self.fc1(x) * self.gate(x))


class T5RelativeEmbedding(nn.Module):
    def __init__(self, num_buckets, num_heads, max_dist=128):
        super().__init__()
        self.num_buckets, self.max_dist = num_buckets, max_dist
        self.embedding = nn.Embedding(num_buckets, num_heads)

    def buckets(self, s, device):
        pos = torch.arange(s, device=device)
        rel = pos[None, :] - pos[:, None]          # key j - query i
        half = self.num_buckets // 2
        base = (rel > 0).long() * half
        n = rel.abs()
        exact = half // 2
        large = exact + (torch.log(n.float().clamp(min=1) / exact) / math.log(self.max_dist / exact)
                         * (half - exact)).long()
        large = large.clamp(max=half - 1)
        return base + torch.where(n < exact, n, large)

    def forward(self, s, device):
        return self.embedding(self.buckets(s, device)).permute(2, 0, 1)[None]   # [1, heads, S, S]


class T5Block(nn.Module):
    def __init__(self, dim, dim_attn, dim_ffn, num_heads, num_buckets):
        super().__init__()
        self.norm1 = T5LayerNorm(dim)
        self.attn = T5Attention(dim, dim_attn, num_heads)
        self.norm2 = T5LayerNorm(dim)
        self.ffn = T5FeedForward(dim, dim_ffn)
        self.pos_embedding = T5RelativeEmbedding(num_buckets, num_heads)

    def forward(self, x, mask_bias):
        bias = self.pos_embedding(x.shape[1], x.device) + mask_bias
        x = x + self.attn(self.norm1(x), bias.to(x.dtype) if x.dtype != torch.float32 else bias)
        return x + self.ffn(self.norm2(x))


class T5Encoder(nn.Module):
    """T5Encoder(vocab, dim, dim_attn, dim_ffn, num_heads, num_layers, num_buckets, shared_pos=False)."""

    def __init__(self, vocab=256384, dim=4096, dim_attn=4096, dim_ffn=10240, num_heads=64, num_layers=24,
                 num_buckets=32, shared_pos=False, dropout=0.0, **_ignored):
        super().__init__()
        assert not shared_pos, 'umT5 has per-layer relative position tables'
        self.config = dict(vocab=vocab, dim=dim, dim_attn=dim_attn, dim_ffn=dim_ffn, num_heads=num_heads,
                           num_layers=num_layers, num_buckets=num_buckets, shared_pos=False)
        self.token_embedding = nn.Embedding(vocab, dim)
        self.blocks = nn.ModuleList(T5Block(dim, dim_attn, dim_ffn, num_heads, num_buckets) for _ in range(num_layers))
        self.norm = T5LayerNorm(dim)

    def forward(self, ids, mask=None):
        """ids [B, S] long; mask [B, S] (1 = real token). Returns [B, S, dim]."""
        x = self.token_embedding(ids)
        if mask is None:
            mask = torch.ones_like(ids)
        neg = torch.finfo(x.dtype).min
        mask_bias = torch.zeros(mask.shape, dtype=torch.float32, device=ids.device)
        mask_bias = mask_bias.masked_fill(mask == 0, neg)[:, None, None, :]   # [B, 1, 1, S]
        for block in self.blocks:
            x = block(x, mask_bias)
        return self.norm(x)
