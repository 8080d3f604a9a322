"""The DiT's training data: N rendered clips encoded by the stage-1 VAE (normalised latents,
kept on the device) with their attributes; captions are re-drawn per use."""
import random

import torch

from . import common
from .data.batches import CaptionMaker, TextEncoder, encode_latents


class LatentData:
    def __init__(self, vae, t5, tok, n, frames, size, seed, device, text_len):
        self.device = device
        self.z, self.attrs = encode_latents(vae, n, frames, size, seed, device,
                                            autocast=(lambda: common.autocast(device)))
        self.maker = CaptionMaker(seed + 11)
        self.text = TextEncoder(t5, tok, text_len, device)
        self.gen = torch.Generator(device='cpu').manual_seed(seed + 3)
        self.rng = random.Random(seed + 5)

    def __len__(self):
        return self.z.shape[0]

    def batch(self, b, drop=0.0):
        """(x0 [b, z, T, h, w] float32, captions (empty when dropped), contexts [b, L, dim])."""
        idx = torch.randint(0, len(self), (b,), generator=self.gen)
        caps = ['' if self.rng.random() < drop else self.maker(self.attrs[i]) for i in idx.tolist()]
        with torch.no_grad():
            ctx = self.text(caps).float()
        return self.z[idx.to(self.z.device)].float(), caps, ctx
