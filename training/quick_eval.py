"""Checks a model on the training machine: samples the held-out prompts with the PyTorch models
(training/sample.py), decodes, runs the detector and returns the accuracy per attribute; writes
a contact sheet (PPM) of a few clips. The reported evaluation runs through the engine instead."""
import collections
import random

import torch

from . import common
from .data.batches import TextEncoder
from .data.captions import held_out_prompts
from .detect.detector import CORE, analyse, check, clip_from_array
from .detect.prompt import parse_prompt
from .sample import sample


def to_uint8(video):
    """[B, 3, F, H, W] in [-1, 1] -> uint8 [B, F, H, W, 3] (truncation, as the reference)."""
    return ((video.float().clamp(-1, 1) + 1) / 2 * 255).to(torch.uint8).permute(0, 2, 3, 4, 1).cpu()


def score(videos_u8, prompts):
    per = collections.Counter()
    tot = collections.Counter()
    rows = []
    for v, text in zip(videos_u8, prompts):
        want = parse_prompt(text)
        got = analyse(clip_from_array(v.numpy()))
        ok = check(want, got)
        for k, good in ok.items():
            per[k] += good
            tot[k] += 1
        rows.append({'prompt': text, 'ok': ok, 'measured': {k: got.get(k) for k in want}})
    acc = {k: per[k] / tot[k] for k in tot}
    core = sum(per[k] for k in CORE) / max(1, sum(tot[k] for k in CORE))
    return {'accuracy': round(core, 4), 'per_attribute': acc, 'clips': rows}


def contact_sheet(videos_u8, path, every=4, scale=2):
    v = videos_u8[:, ::every, ::scale, ::scale]            # [B, F', h, w, 3]
    b, f, h, w, _ = v.shape
    img = v.permute(0, 2, 1, 3, 4).reshape(b * h, f * w, 3).contiguous().numpy()
    with open(path, 'wb') as fh:
        fh.write(b'P6 %d %d 255\n' % (f * w, b * h) + img.tobytes())


@torch.no_grad()
def evaluate(dit, vae, t5, tok, frames, size, steps, shift, guidance, sampler, masks_at=None, seed=0,
             n_prompts=24, sheet=None, device=None):
    device = device or next(dit.parameters()).device
    prompts = [t for t, _ in held_out_prompts()][:n_prompts]
    text = TextEncoder(t5, tok, dit.text_len, device)
    ctx, neg = text(prompts).float(), text([''] * len(prompts)).float()
    g = torch.Generator(device='cpu').manual_seed(seed)
    lat = vae.z_dim, (frames - 1) // 4 + 1, size // 8, size // 8
    noise = torch.randn((len(prompts),) + lat, generator=g).to(device)
    dit.eval()
    z = sample(dit, ctx, neg, noise, steps, shift, guidance, sampler, masks_at, lambda: common.autocast(device))
    with common.autocast(device):
        video = vae.decode(z)
    u8 = to_uint8(video)
    if sheet:
        contact_sheet(u8[:12], sheet)
    return score(u8, prompts)
