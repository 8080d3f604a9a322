"""Stage 1a: the VAE (Wan2.1 architecture, small) trained for reconstruction on freshly rendered
clips; then the latent mean/std per channel that normalise the DiT's latents.

  python3 -m training.train_vae --seed 0 --out runs/vae --steps 3000 --max-seconds 100
"""
import argparse
import json
import os
import random

import torch

from . import common, quick_eval
from .data.batches import CaptionMaker, render_batch
from .wan import WanVAE
from .wan import safetensors_io as st


def object_mask(x, clips):
    """[B, 1, F, H, W] 1.0 on object pixels, those that differ from the background of their clip (x
    may be a crop of clips; a clip's corner is always background)."""
    bg = clips[:, :, :1, :1, :1]
    return ((x - bg).abs().amax(dim=1, keepdim=True) > 0.05).float()


def object_weights(mask, fg_weight):
    """Per-pixel loss weights [B, 1, F, H, W]: 1 + fg_weight on object pixels (object_mask)."""
    return 1 + fg_weight * mask


def weighted_l1_l2(rec, x, w):
    return ((rec - x).abs() * w).mean() / w.mean(), (((rec - x) ** 2) * w).mean() / w.mean()


@torch.no_grad()
def reconstruction_check(vae, maker, rng, frames, size, dev, n=24):
    """(whole-clip PSNR, detector scores) of n fresh captioned clips encoded and decoded: the
    detector on reconstructions is the ceiling of what any DiT on these latents can reach."""
    attrs = [maker.attributes() for _ in range(n)]
    caps = [maker(a) for a in attrs]
    x = render_batch(attrs, frames, size, rng, dev)
    with common.autocast(dev):
        rec = vae.decode(vae.encode(x), chunked=True).float()
    psnr = (10 * torch.log10(4 / ((rec - x) ** 2).mean())).item()
    return psnr, quick_eval.score(quick_eval.to_uint8(rec), caps)


def main(argv=None):
    p = common.base_args(argparse.ArgumentParser(description=__doc__), 'runs/vae')
    p.add_argument('--clip-frames', type=int, default=0,
                   help='frames of each training window (4n+1); 0 = whole clips. Windows shorter than the '
                        'clips leave the later latent frames untrained (the causal convs see zero padding)')
    p.add_argument('--init', default='', help='stage-1 VAE folder to continue from')
    p.add_argument('--fg-weight', type=float, default=20.0,
                   help='extra loss weight of object pixels (they are a few percent of a clip)')
    p.add_argument('--crop', type=int, default=0, help='train on random square crops of this side (0 = whole)')
    p.add_argument('--kl', type=float, default=1e-4)
    p.add_argument('--stat-clips', type=int, default=512)
    args = p.parse_args(argv)
    common.seed_everything(args.seed)
    common.setup_cuda(benchmark=False)
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
        if args.crop and args.crop < size:
            y0, x0 = rng.randrange(0, size - args.crop + 1, 8), rng.randrange(0, size - args.crop + 1, 8)
            x = x[..., y0:y0 + args.crop, x0:x0 + args.crop]
        w = object_weights(object_mask(x, clips), args.fg_weight)
        with common.autocast(dev):
            mu, log_var = vae.encode_moments(x)
            z = mu + torch.randn_like(mu) * torch.exp(0.5 * log_var.clamp(-30, 20))
            rec = vae.decode_raw(z)
        rec = rec.float()
        l1, l2 = weighted_l1_l2(rec, x, w)
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
        psnr, ceiling = reconstruction_check(vae, maker, rng, frames, size, dev)
    log(step=step, seconds=round(budget.elapsed(), 1), full_clip_psnr=psnr, recon_accuracy=ceiling['accuracy'],
        recon_per_attribute=ceiling['per_attribute'], latent_mean=mean.tolist(), latent_std=std.tolist())
    st.save({k: v.cpu() for k, v in vae.state_dict().items()}, os.path.join(args.out, 'vae.safetensors'))
    with open(os.path.join(args.out, 'vae.json'), 'w') as f:
        json.dump({'config': vae.config, 'latent_mean': mean.tolist(), 'latent_std': std.tolist(), 'steps': step,
                   'full_clip_psnr': psnr, 'recon_accuracy': ceiling['accuracy'], 'frames': frames, 'size': size},
                  f, indent=2)


def load(folder, device='cpu'):
    """A stage folder (vae.safetensors + vae.json) or an exported model folder."""
    if not os.path.exists(os.path.join(folder, 'vae.json')):
        with open(os.path.join(folder, 'tessera.json')) as f:
            t = json.load(f)
        meta = {'config': t['vae'], 'latent_mean': t['latent_mean'], 'latent_std': t['latent_std'],
                'frames': t['defaults']['frames'], 'size': t['defaults']['width']}
        weights = os.path.join(folder, 'Wan2.1_VAE.safetensors')
    else:
        with open(os.path.join(folder, 'vae.json')) as f:
            meta = json.load(f)
        weights = os.path.join(folder, 'vae.safetensors')
    vae = WanVAE(**meta['config'], mean=meta['latent_mean'], std=meta['latent_std'])
    vae.load_state_dict(st.load(weights))
    return vae.to(device).eval(), meta


if __name__ == '__main__':
    main()
