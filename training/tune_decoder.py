"""Fine-tunes the VAE's decoder with the encoder frozen: the latents every DiT was trained on do
not move, so a sharper decoder improves every variant without retraining any of them.

Why: the stage-1 VAE decodes its own latents of rendered clips with blurred corners, colour
halos and a dark ring on the first frame (training/NOTES.md: the detector keeps 75% of the
shapes through it). The decoder trains on whole clips (the causal convolutions must see every
latent frame), object pixels weighted as in stage 1, plus an edge term (differences of
neighbouring pixels) for the outlines that tell squares, triangles and circles apart. With
probability `noise_prob` the normalised latent gets Gaussian noise of std `latent_noise`, so
that the decoder also renders the slightly-off latents a DiT samples cleanly. With
`--trail-weight` the background pixels an object covers within `--trail-frames` frames before or
after also weigh more: a latent frame holds four video frames, and a decoder that does not
separate them paints a dark smudge where a moving object was (run 5's decoder does, NOTES.md),
on pixels that are background in the target and so weighed 1 against the object's 21.

  python3 -m training.tune_decoder --init runs/teacher/model --out runs/decoder --max-seconds 300
"""
import argparse
import json
import os
import random

import torch

from . import common
from .data.batches import CaptionMaker, render_batch
from .train_vae import load, object_mask, object_weights, reconstruction_check, weighted_l1_l2
from .wan import safetensors_io as st


def edge_loss(rec, x, w):
    """Weighted L1 between the horizontal and vertical pixel differences of rec and x."""
    loss = 0.0
    for dim in (-1, -2):
        dr, dx = rec.diff(dim=dim), x.diff(dim=dim)
        ww = w.narrow(dim, 0, w.shape[dim] - 1)
        loss = loss + ((dr - dx).abs() * ww).mean() / ww.mean()
    return loss


ENCODER = ('encoder.', 'conv1.')   # what makes the latents: frozen here, checked by swap_vae


def trail_weights(w, obj, trail_weight, frames):
    """w plus trail_weight on the pixels that are background now but hold an object within
    `frames` frames before or after (obj: object_mask's [B, 1, F, H, W])."""
    near = torch.nn.functional.max_pool3d(obj, (2 * frames + 1, 1, 1), stride=1, padding=(frames, 0, 0))
    return w + trail_weight * (near - obj)


def decoder_params(vae):
    """What trains: everything but ENCODER, i.e. conv2 (latent -> decoder input) and the decoder."""
    for name, p in vae.named_parameters():
        p.requires_grad_(not name.startswith(ENCODER))
    return [p for p in vae.parameters() if p.requires_grad]


def main(argv=None):
    p = common.base_args(argparse.ArgumentParser(description=__doc__), 'runs/decoder')
    p.add_argument('--init', required=True, help='a VAE stage folder or a model folder')
    p.add_argument('--fg-weight', type=float, default=20.0)
    p.add_argument('--edge', type=float, default=1.0, help='weight of the edge term')
    p.add_argument('--latent-noise', type=float, default=0.1, help='std of the noise on normalised latents')
    p.add_argument('--noise-prob', type=float, default=0.5)
    p.add_argument('--trail-weight', type=float, default=0.0,
                   help='extra weight of pixels an object covers in nearby frames (0: as run 5)')
    p.add_argument('--trail-frames', type=int, default=4)
    p.set_defaults(batch=8, lr=2e-4, steps=100000)
    args = p.parse_args(argv)
    common.seed_everything(args.seed)
    common.setup_cuda(benchmark=False)
    dev = common.device()
    log = common.Log(args.out, 'decoder')
    log(cmd=common.describe(args), device=str(dev))
    vae, meta = load(args.init, dev)
    frames, size = (9, 32) if args.tiny else (meta['frames'], meta['size'])
    params = decoder_params(vae)
    log(trainable=sum(q.numel() for q in params), frozen=sum(q.numel() for q in vae.parameters()) - sum(
        q.numel() for q in params))
    opt = torch.optim.AdamW(params, lr=args.lr, betas=(0.9, 0.99), weight_decay=0.0)
    maker, rng = CaptionMaker(args.seed), random.Random(args.seed + 7)
    gen = torch.Generator(device=dev).manual_seed(args.seed + 19)
    # the same fresh clips before and after
    check = lambda: reconstruction_check(vae, CaptionMaker(args.seed + 1000), random.Random(args.seed + 1001), frames,
                                         size, dev)
    psnr0, before = check()
    log(step=0, full_clip_psnr=psnr0, recon_accuracy=before['accuracy'], recon_per_attribute=before['per_attribute'])
    budget, step = common.Budget(args.steps, args.max_seconds, args.deadline), 0
    vae.train()
    while not budget.done(step):
        for g in opt.param_groups:
            g['lr'] = common.lr_at(step, budget.progress(step), args.lr, warmup=50)
        attrs = [maker.attributes() for _ in range(args.batch)]
        x = render_batch(attrs, frames, size, rng, dev)
        obj = object_mask(x, x)
        w = object_weights(obj, args.fg_weight)
        if args.trail_weight:
            w = trail_weights(w, obj, args.trail_weight, args.trail_frames)
        with torch.no_grad(), common.autocast(dev):
            z = vae.encode(x).float()   # normalised, as the DiT sees it
        noisy = torch.rand(z.shape[0], 1, 1, 1, 1, generator=gen, device=dev) < args.noise_prob
        z = z + noisy * args.latent_noise * torch.randn(z.shape, generator=gen, device=dev)
        with common.autocast(dev):
            rec = vae.decode_raw(vae.denormalise(z))
        rec = rec.float()
        l1, l2 = weighted_l1_l2(rec, x, w)
        edge = edge_loss(rec, x, w)
        loss = l1 + l2 + args.edge * edge
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
        if step % 50 == 0 or step == 1:
            log(step=step, l1=l1.item(), l2=l2.item(), edge=edge.item(), lr=opt.param_groups[0]['lr'])
    vae.eval()
    psnr, after = check()
    log(step=step, seconds=round(budget.elapsed(), 1), full_clip_psnr=psnr, recon_accuracy=after['accuracy'],
        recon_per_attribute=after['per_attribute'], before=before['accuracy'], psnr_before=psnr0)
    st.save({k: v.detach().cpu().float() for k, v in vae.state_dict().items()},
            os.path.join(args.out, 'vae.safetensors'))
    with open(os.path.join(args.out, 'vae.json'), 'w') as f:
        json.dump({**meta, 'steps': step, 'full_clip_psnr': psnr, 'recon_accuracy': after['accuracy'],
                   'decoder_tuned_from': os.path.abspath(args.init)}, f, indent=2)


if __name__ == '__main__':
    main()
