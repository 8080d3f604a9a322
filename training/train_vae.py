"""Stage 1a: the VAE (Wan2.1 architecture, small) trained for reconstruction on freshly rendered
clips; then the latent mean/std per channel that normalise the DiT's latents.

  python3 -m training.train_vae --seed 0 --out runs/vae --steps 3000 --max-seconds 100
"""
import argparse
import json
import os
import random

import torch

from . import common
from .data.batches import CaptionMaker, render_batch
from .wan import WanVAE
from .wan import safetensors_io as st


def main(argv=None):
    p = common.base_args(argparse.ArgumentParser(description=__doc__), 'runs/vae')
    p.add_argument('--clip-frames', type=int, default=0,
                   help='frames of each training window (4n+1); 0 = whole clips. Windows shorter than the '
                        'clips leave the later latent frames untrained (the causal convs see zero padding)')
    p.add_argument('--init', default='', help='stage-1 VAE folder to continue from')
    p.add_argument('--kl', type=float, default=1e-4)
    p.add_argument('--stat-clips', type=int, default=512)
    args = p.parse_args(argv)
    common.seed_everything(args.seed)
    common.setup_cuda()
    dev = common.device()
    size, frames = (32, 9) if args.tiny else (common.SIZE, common.FRAMES)
    cfg = dict(common.VAE_CONFIG, dim=4) if args.tiny else common.VAE_CONFIG
    log = common.Log(args.out, 'vae')
    log(cmd=common.describe(args), device=str(dev))
    vae = WanVAE(**cfg).to(dev)
    if args.init:
        vae.load_state_dict(load(args.init)[0].state_dict())
    clip_frames = args.clip_frames or frames
    opt = torch.optim.AdamW(vae.parameters(), lr=args.lr, betas=(0.9, 0.99), weight_decay=0.0)
    maker, rng = CaptionMaker(args.seed), random.Random(args.seed + 7)
    budget, step = common.Budget(args.steps, args.max_seconds, args.deadline), 0
    while not budget.done(step):
        for g in opt.param_groups:
            g['lr'] = common.lr_at(step, budget.progress(step), args.lr, warmup=100)
        attrs = [maker.attributes() for _ in range(args.batch)]
        clips = render_batch(attrs, frames, size, rng, dev)
        s = rng.randrange(0, frames - clip_frames + 1)
        x = clips[:, :, s:s + clip_frames]
        with common.autocast(dev):
            mu, log_var = vae.encode_moments(x)
            z = mu + torch.randn_like(mu) * torch.exp(0.5 * log_var.clamp(-30, 20))
            rec = vae.decode_raw(z)
        rec = rec.float()
        l1 = (rec - x).abs().mean()
        l2 = ((rec - x) ** 2).mean()
        kl = 0.5 * (mu.float() ** 2 + log_var.float().exp() - 1 - log_var.float()).mean()
        loss = l1 + l2 + args.kl * kl
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(vae.parameters(), 1.0)
        opt.step()
        step += 1
        if step % 50 == 0 or step == 1:
            log(step=step, l1=l1.item(), l2=l2.item(), kl=kl.item(), psnr=(10 * torch.log10(4 / l2)).item())
    # latent statistics over fresh whole-length clips
    vae.eval()
    with torch.no_grad():
        mus = []
        for _ in range(max(1, args.stat_clips // 32)):
            attrs = [maker.attributes() for _ in range(32)]
            with common.autocast(dev):
                mus.append(vae.encode_moments(render_batch(attrs, frames, size, rng, dev))[0].float())
        m = torch.cat(mus).transpose(0, 1).flatten(1)
        mean, std = m.mean(1), m.std(1)
        vae.set_latent_stats(mean, std)
        attrs = [maker.attributes() for _ in range(16)]
        x = render_batch(attrs, frames, size, rng, dev)
        with common.autocast(dev):
            rec = vae.decode(vae.encode(x), chunked=True).float()
        psnr = (10 * torch.log10(4 / ((rec - x) ** 2).mean())).item()
    log(step=step, seconds=round(budget.elapsed(), 1), full_clip_psnr=psnr, latent_mean=mean.tolist(),
        latent_std=std.tolist())
    st.save({k: v.cpu() for k, v in vae.state_dict().items()}, os.path.join(args.out, 'vae.safetensors'))
    with open(os.path.join(args.out, 'vae.json'), 'w') as f:
        json.dump({'config': vae.config, 'latent_mean': mean.tolist(), 'latent_std': std.tolist(), 'steps': step,
                   'full_clip_psnr': psnr, 'frames': frames, 'size': size}, f, indent=2)


def load(folder, device='cpu'):
    with open(os.path.join(folder, 'vae.json')) as f:
        meta = json.load(f)
    vae = WanVAE(**meta['config'], mean=meta['latent_mean'], std=meta['latent_std'])
    vae.load_state_dict(st.load(os.path.join(folder, 'vae.safetensors')))
    return vae.to(device).eval(), meta


if __name__ == '__main__':
    main()
