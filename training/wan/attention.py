"""Attention kernel selection: PyTorch's fused scaled_dot_product_attention where this torch has
it (2.x: flash / memory-efficient / cuDNN), else a plain softmax in float32 (torch 1.13 on the
CPU development machine). Layout [B, heads, N, d] throughout."""
import math

import torch
import torch.nn.functional as F

HAS_SDPA = hasattr(F, 'scaled_dot_product_attention')
_ver = tuple(int(p) for p in torch.__version__.split('+')[0].split('.')[:2] if p.isdigit())
SDPA_HAS_SCALE = HAS_SDPA and _ver >= (2, 1)


def attention(q, k, v, mask=None, bias=None, scale=None):
    """softmax(q k^T * scale + bias, keys where mask is False excluded) v.

    mask: bool, broadcastable to [B, heads, Nq, Nk], True = attend. bias: float, same broadcast.
    scale: None means 1/sqrt(d)."""
    d = q.shape[-1]
    s = 1.0 / math.sqrt(d) if scale is None else scale
    if HAS_SDPA and (SDPA_HAS_SCALE or scale is None):
        attn_mask = mask
        if bias is not None:
            attn_mask = bias.to(q.dtype)
            if mask is not None:
                attn_mask = attn_mask.masked_fill(~mask, float('-inf'))
        if SDPA_HAS_SCALE:
            return F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask, scale=s)
        return F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)
    dtype = q.dtype
    logits = torch.matmul(q.float(), k.float().transpose(-1, -2)) * s
    if bias is not None:
        logits = logits + bias.float()
    if mask is not None:
        logits = logits.masked_fill(~mask, float('-inf'))
    p = torch.softmax(logits, dim=-1)
    return torch.matmul(p, v.float()).to(dtype)
