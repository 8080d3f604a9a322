"""The DiT's training data: N rendered clips encoded by the stage-1 VAE (normalised latents,
kept on the device) with their attributes; captions are re-drawn per use.

With `bank` = K > 0 every clip gets K captions encoded once (the first time a batch is drawn),
and batches are drawn on the device without Python work per sample: a launch-bound training step
(training/graphs.py) must not wait for tokenising hundreds of captions. The latent set can be
saved to and loaded from a file, so that stages running in parallel processes share one
encoding pass."""
import os
import pickle
import random

import torch

from . import common, stage_io
from .data.batches import CaptionMaker, TextEncoder, encode_latents


class LatentData:
    def __init__(self, vae, t5, tok, n, frames, size, seed, device, text_len, cache='', bank=0):
        self.device = device
        if cache and os.path.exists(cache):
            with open(cache, 'rb') as f:
                saved = pickle.load(f)
            z = torch.from_numpy(saved['z'])
            self.z = (z.view(torch.bfloat16) if saved['bf16'] else z).to(device)
            self.attrs = saved['attrs']
        else:
            self.z, self.attrs = encode_latents(vae, n, frames, size, seed, device,
                                                chunk=256 if device.type == 'cuda' else 64,
                                                autocast=(lambda: common.autocast(device)))
            if cache:
                tmp = f'{cache}.tmp-{os.getpid()}'
                with open(tmp, 'wb') as f:
                    bf16 = self.z.dtype == torch.bfloat16   # numpy has no bfloat16: its bits as int16
                    z = self.z.cpu().view(torch.int16) if bf16 else self.z.cpu()
                    pickle.dump({'z': z.numpy(), 'bf16': bf16, 'attrs': self.attrs}, f, protocol=4)
                os.replace(tmp, cache)
        self.maker = CaptionMaker(seed + 11)
        self.text = TextEncoder(t5, tok, text_len, device)
        self.gen = torch.Generator(device='cpu').manual_seed(seed + 3)
        self.rng = random.Random(seed + 5)
        self.bank_size, self.bank = bank, None
        self.dev_gen = torch.Generator(device=device).manual_seed(seed + 13)

    def __len__(self):
        return self.z.shape[0]

    @torch.no_grad()
    def _build_bank(self, chunk=2048):
        caps = [self.maker(a) for a in self.attrs for _ in range(self.bank_size)]
        dtype = self.z.dtype
        out = [self.text(caps[i:i + chunk]).to(dtype) for i in range(0, len(caps), chunk)]
        self.bank = torch.cat(out).view(len(self), self.bank_size, *out[0].shape[1:])
        self.empty = self.text(['']).to(dtype)

    def batch(self, b, drop=0.0):
        """(x0 [b, z, T, h, w] float32, captions (empty when dropped; None with a bank),
        contexts [b, L, dim])."""
        if self.bank_size:
            if self.bank is None:
                self._build_bank()
            idx = torch.randint(0, len(self), (b,), generator=self.dev_gen, device=self.device)
            k = torch.randint(0, self.bank_size, (b,), generator=self.dev_gen, device=self.device)
            keep = torch.rand(b, generator=self.dev_gen, device=self.device) >= drop
            ctx = torch.where(keep.view(b, 1, 1), self.bank[idx, k], self.empty)
            return self.z[idx].float(), None, ctx.float()
        idx = torch.randint(0, len(self), (b,), generator=self.gen)
        caps = ['' if self.rng.random() < drop else self.maker(self.attrs[i]) for i in idx.tolist()]
        with torch.no_grad():
            ctx = self.text(caps).float()
        return self.z[idx.to(self.z.device)].float(), caps, ctx


def load_set(vae_dir, text_dir, clips, seed, device, tiny=False, cache='', bank=0):
    """(vae, vae meta, text encoder, tokenizer, LatentData) of a stage: the latent set of `clips`
    clips (64 at toy size) encoded by vae_dir's VAE, captions by text_dir's encoder."""
    vae, meta, t5, tok = stage_io.load_components(vae_dir, text_dir, device)
    text_len = (stage_io.tiny_dit_config() if tiny else common.DIT_CONFIG)['text_len']
    data = LatentData(vae, t5, tok, 64 if tiny else clips, meta['frames'], meta['size'], seed, device, text_len,
                      cache=cache, bank=bank)
    return vae, meta, t5, tok, data


def main(argv=None):
    """Builds the latent cache file the stages of a GPU job share (training/gpu/stage4.py runs this
    first when the job trains no teacher, so that students started side by side do not each encode
    the whole set)."""
    import argparse
    p = argparse.ArgumentParser(description=main.__doc__)
    p.add_argument('--vae', required=True)
    p.add_argument('--text', required=True)
    p.add_argument('--clips', type=int, default=24000)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--cache', required=True)
    p.add_argument('--tiny', action='store_true')
    a = p.parse_args(argv)
    common.setup_cuda()
    *_, data = load_set(a.vae, a.text, a.clips, a.seed, common.device(), a.tiny, cache=a.cache)
    print(f'latents {list(data.z.shape)} -> {a.cache}', flush=True)


if __name__ == '__main__':
    main()
