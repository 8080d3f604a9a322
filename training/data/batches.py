"""Training batches: freshly rendered clips (VAE), and a latent set of rendered-and-encoded
clips whose captions are re-drawn from the clip's attributes every time they are used (DiT).
No caption equal to a held-out prompt is ever produced."""
import random

import torch

from .captions import caption, held_out_prompts, normalise, sample_attributes
from .render import clip_params, rasterise
from .tokenizer import WordTokenizer


class CaptionMaker:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.blocked = {normalise(t) for t, _ in held_out_prompts()}

    def attributes(self):
        return sample_attributes(self.rng)

    def __call__(self, attrs):
        """A fresh caption for a clip's attributes (random wording, random optional mentions)."""
        while True:
            a = dict(attrs, mention_size=self.rng.random() < 0.6, mention_background=self.rng.random() < 0.8)
            text = caption(a, self.rng)
            if normalise(text) not in self.blocked:
                return text


def render_batch(attrs, frames, size, rng, device):
    return rasterise([clip_params(a, frames, size, rng) for a in attrs], frames, size, device)


class TextEncoder:
    """Captions -> DiT context [B, L, dim] as the engine builds it: the T5 output of the real
    tokens (incl. </s>), zero rows after them."""

    def __init__(self, t5, tokenizer, length, device):
        self.t5, self.tok, self.length, self.device = t5, tokenizer, length, device

    def ids(self, texts):
        ids, mask = self.tok.batch(texts, self.length)
        return torch.tensor(ids, device=self.device), torch.tensor(mask, device=self.device)

    def __call__(self, texts):
        ids, mask = self.ids(texts)
        out = self.t5(ids, mask)
        return out * mask[..., None].to(out.dtype)


@torch.no_grad()
def encode_latents(vae, n, frames, size, seed, device, chunk=64, autocast=None):
    """n rendered clips -> (normalised latents [n, z, T, h, w] bf16 on device, attributes)."""
    maker = CaptionMaker(seed)
    rng = random.Random(seed + 1)
    attrs = [maker.attributes() for _ in range(n)]
    out = []
    for i in range(0, n, chunk):
        px = render_batch(attrs[i:i + chunk], frames, size, rng, device)
        with autocast() if autocast else torch.no_grad():
            z = vae.encode(px)
        out.append(z.to(torch.bfloat16 if device.type == 'cuda' else torch.float32))
    return torch.cat(out), attrs


def default_tokenizer():
    return WordTokenizer()
