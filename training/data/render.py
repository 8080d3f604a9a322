"""Renders attribute sets (captions.sample_attributes) to clips: flat-coloured anti-aliased
circles, squares and triangles moving over a flat background. Trajectory parameters are drawn
per clip from a seeded random.Random; rasterising is batched torch on any device."""
import math
import random

import torch

from .attributes import BACKGROUND_COLOURS, OBJECT_COLOURS, size_radius

MAX_OBJECTS = 3
_SHAPE_ID = {'circle': 0, 'square': 1, 'triangle': 2}


def _layout(n, r, lo, hi, rng):
    """n centre coordinates spaced 2.45r + 6 apart inside [lo, hi] on one axis (a triangle's
    half-width is 1.2r)."""
    gap = 2.45 * r + 6
    span = gap * (n - 1)
    start = rng.uniform(lo, max(lo, hi - span))
    return [start + i * gap for i in range(n)]


def trajectory(attrs, frames, size, rng):
    """Per object (cx[F], cy[F], r[F]) lists, in pixels."""
    s = size / 128.0
    n, motion = attrs['count'], attrs['motion']
    lo_r, hi_r = size_radius(attrs['size'])
    crowded = n == 3 and motion == 'growing'      # three growing objects must still fit side by side
    r0 = rng.uniform(lo_r, min(hi_r, 10.0) if crowded else hi_r) * s
    grow = (rng.uniform(0.4, 0.45) if crowded else rng.uniform(0.7, 1.0)) if motion == 'growing' else 0.0
    r_max = r0 * (1 + grow)
    m = 1.4 * r_max + 2 * s                 # margin keeping the whole object in frame (triangle apex: 1.4r)
    ts = [t / (frames - 1) for t in range(frames)]
    objs = []
    if motion in ('left', 'right', 'up', 'down'):
        dist = rng.uniform(0.34, 0.48) * size
        across = _layout(n, r_max, m, size - m, rng)
        a0 = rng.uniform(m, size - m - dist)  # start of the travelled range
        for c in across:
            along = [a0 + dist * t for t in ts] if motion in ('right', 'down') else [a0 + dist * (1 - t) for t in ts]
            if motion in ('left', 'right'):
                objs.append((along, [c] * frames, [r0] * frames))
            else:
                objs.append(([c] * frames, along, [r0] * frames))
    elif motion == 'bouncing':
        floor = rng.uniform(size - m - 6 * s, size - m)
        height = min(rng.uniform(0.26, 0.36) * size, floor - m)
        contact = rng.uniform(0.35, 0.65) * (frames - 1)     # one floor contact inside the clip
        period = rng.uniform(0.7, 1.0) * (frames - 1)
        xs = _layout(n, r_max, m, size - m, rng)
        ys = [floor - height * abs(math.sin(math.pi * (t - contact) / period)) for t in range(frames)]
        for x in xs:
            objs.append(([x] * frames, ys, [r0] * frames))
    else:  # growing or still: a row, a column or a diagonal
        kind = rng.choice(('row', 'column', 'diagonal'))
        a = _layout(n, r_max, m, size - m, rng)
        b = rng.uniform(m, size - m)
        for i, c in enumerate(a):
            x, y = (c, b) if kind == 'row' else (b, c) if kind == 'column' else (c, _layout(n, r_max, m, size - m,
                                                                                             random.Random(0))[i])
            rs = [r0 * (1 + grow * t) for t in ts]
            objs.append(([x] * frames, [y] * frames, rs))
    return objs


def clip_params(attrs, frames, size, rng):
    """Everything the rasteriser needs for one clip, as plain lists."""
    jitter = lambda c: [min(255.0, max(0.0, v + rng.gauss(0, 7))) for v in c]
    return {'objects': trajectory(attrs, frames, size, rng), 'shape': _SHAPE_ID[attrs['shape']],
            'colour': jitter(OBJECT_COLOURS[attrs['colour']]), 'background': jitter(BACKGROUND_COLOURS[attrs['background']])}


def rasterise(params, frames, size, device='cpu'):
    """[B, 3, F, S, S] in [-1, 1] from a list of clip_params."""
    b = len(params)
    cx = torch.zeros(b, MAX_OBJECTS, frames)
    cy = torch.full((b, MAX_OBJECTS, frames), -1e4)   # inactive slots far outside the frame
    rr = torch.ones(b, MAX_OBJECTS, frames)
    for i, p in enumerate(params):
        for k, (x, y, r) in enumerate(p['objects']):
            cx[i, k], cy[i, k], rr[i, k] = torch.tensor(x), torch.tensor(y), torch.tensor(r)
    shape = torch.tensor([p['shape'] for p in params], device=device).view(b, 1, 1, 1)
    colour = torch.tensor([p['colour'] for p in params], device=device).view(b, 3, 1, 1, 1) / 127.5 - 1
    bg = torch.tensor([p['background'] for p in params], device=device).view(b, 3, 1, 1, 1) / 127.5 - 1
    cx, cy, rr = cx.to(device), cy.to(device), rr.to(device)
    pix = torch.arange(size, device=device, dtype=torch.float32) + 0.5
    alpha = torch.zeros(b, frames, size, size, device=device)
    for k in range(MAX_OBJECTS):
        dx = pix.view(1, 1, 1, size) - cx[:, k].view(b, frames, 1, 1)
        dy = pix.view(1, 1, size, 1) - cy[:, k].view(b, frames, 1, 1)
        r = rr[:, k].view(b, frames, 1, 1)
        circle = torch.sqrt(dx * dx + dy * dy) - r
        square = torch.maximum(dx.abs(), dy.abs()) - 0.9 * r
        inr = 0.7 * r                                   # triangle: circumradius 1.4 r, apex up
        tri = torch.maximum(torch.maximum(dy - inr, 0.866 * dx - 0.5 * dy - inr), -0.866 * dx - 0.5 * dy - inr)
        sdf = torch.where(shape == 0, circle, torch.where(shape == 1, square, tri))
        alpha = torch.maximum(alpha, (0.5 - sdf).clamp(0, 1))
    alpha = alpha[:, None]
    return bg * (1 - alpha) + colour * alpha


def render(attrs_list, frames, size, seed, device='cpu'):
    rng = random.Random(seed)
    return rasterise([clip_params(a, frames, size, rng) for a in attrs_list], frames, size, device)
