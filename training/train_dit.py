"""Stage 1c: the DiT teacher trained by flow matching on the stage-1 latents, captions encoded by
the stage-1 text encoder, 10% caption dropout for classifier-free guidance. Exports the EMA
weights as a model folder (dense UniPC 50 steps, guidance 5).

  python3 -m training.train_dit --seed 0 --vae runs/vae --text runs/text --out runs/teacher \
      --steps 8000 --max-seconds 270 --batch 128 --lr 5e-4
"""
import argparse
import copy
import json
import math
import os
import time

import torch

from . import common, graphs, quick_eval, stage_io
from .latents import load_set
from .wan import WanDiT
from .wan.sampling import shift_sigma


def fm_sample(x0, gen, shift):
    """(x_sigma, sigma [B], target velocity) with sigma = shift(u), u ~ U(0, 1); gen lives on
    x0's device."""
    b = x0.shape[0]
    u = torch.rand(b, generator=gen, device=x0.device)
    sigma = shift_sigma(u, shift).clamp(1e-4, 1.0)
    eps = torch.randn(x0.shape, generator=gen, device=x0.device)
    s = sigma.view(b, 1, 1, 1, 1)
    return (1 - s) * x0 + s * eps, sigma, eps - x0


def add_common(p, out):
    common.base_args(p, out)
    p.add_argument('--vae', default='runs/vae')
    p.add_argument('--text', default='runs/text')
    p.add_argument('--clips', type=int, default=24000, help='rendered clips in the latent set')
    p.add_argument('--ema', type=float, default=0.999)
    p.add_argument('--eval', action='store_true', help='quick held-out check with the PyTorch sampler at the end')
    p.add_argument('--graphs', choices=('auto', 'compile', 'off'), default='auto',
                   help='CUDA graphs (auto) or torch.compile (compile, else graphs) for the DiT training pass '
                        '(training/graphs.py); both fall back to eager')
    p.add_argument('--latent-cache', default='', help='file holding the encoded latent set (made if missing)')
    p.add_argument('--caption-bank', type=int, default=0,
                   help='captions encoded in advance per clip (0 = fresh captions every batch)')
    p.add_argument('--checkpoint-every', type=float, default=0,
                   help='export the EMA weights as the stage\'s model folder every this many seconds')
    p.set_defaults(batch=128, lr=5e-4, steps=8000)
    return p


_CACHE = {}   # stages run in one process (gpu/stage2.py) share the latent set


def setup(args, stage):
    common.seed_everything(args.seed)
    common.setup_cuda()
    dev = common.device()
    log = common.Log(args.out, stage)
    log(cmd=common.describe(args), device=str(dev))
    key = (os.path.abspath(args.vae), os.path.abspath(args.text), args.clips, args.seed, args.tiny, args.caption_bank)
    if key not in _CACHE:
        vae, vmeta, t5, tok, data = load_set(args.vae, args.text, args.clips, args.seed, dev, args.tiny,
                                             cache=args.latent_cache, bank=args.caption_bank)
        _CACHE.clear()
        _CACHE[key] = (vae, t5, tok, vmeta['frames'], vmeta['size'], data)
    vae, t5, tok, frames, size, data = _CACHE[key]
    log(latents=list(data.z.shape), seconds=round(log_time(log), 1))
    return dev, log, vae, t5, tok, frames, size, data


def log_time(log):
    import time
    return time.time() - log.t0


class Checkpoints:
    """Exports the EMA weights as the stage's model folder every `every` seconds while training,
    so that a job killed at its time limit still returns a usable model."""

    def __init__(self, dit, ema, every, export, log=None):
        self.every, self.ema, self.export, self.log = every, ema, export, log
        self.shadow = copy.deepcopy(dit).cpu().eval() if every else None
        self.last = time.time()

    def __call__(self, step, force=False):
        if not self.every or (not force and time.time() - self.last < self.every):
            return
        self.ema.copy_to(self.shadow)
        self.export(self.shadow, step)
        self.last = time.time()
        if self.log:
            self.log(checkpoint=step)


def train(dit, data, args, log, dev, loss_fn, ema, model=None, checkpoints=None):
    """The optimisation loop. model: what loss_fn calls (a graphed or eager f(x, t, ctx), see
    graphs.py); the EMA, clipping and optimiser work on dit's parameters."""
    model = dit if model is None else model
    opt = graphs.optimizer(dit.parameters(), args.lr, 0.01)
    gen = torch.Generator(device=dev).manual_seed(args.seed + 17)
    budget, step = common.Budget(args.steps, args.max_seconds, args.deadline), 0
    while not budget.done(step):
        for g in opt.param_groups:
            g['lr'] = common.lr_at(step, budget.progress(step), args.lr, warmup=100)
        with common.autocast(dev, cache=False):
            loss, parts = loss_fn(model, gen)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_(dit.parameters(), 1.0)
        opt.step()
        ema.update(dit, min(args.ema, (1 + step) / (10 + step)))
        step += 1
        if step % 100 == 0 or step == 1:
            lv = loss.item()
            log(step=step, loss=lv, grad_norm=float(gn), lr=opt.param_groups[0]['lr'],
                **{k: v.item() for k, v in parts.items()})
            if not math.isfinite(lv):   # the job restarts the stage in eager mode from its last export
                raise FloatingPointError(f'loss {lv} at step {step}')
        if checkpoints:
            checkpoints(step)
    log(step=step, seconds=round(budget.elapsed(), 1), done=True)
    return step


def exporter(args, vae, t5, tok, defaults, name, description, out=None):
    out = out or args.out

    def export(model, steps):
        stage_io.export_variant(os.path.join(out, 'model'), model, vae, t5, tok, defaults, name, description,
                                {'steps': str(steps), 'seed': str(args.seed)})
    return export


def finish(dit, ema, args, log, vae, t5, tok, frames, size, defaults, name, description, steps, masks_at=None):
    ema.copy_to(dit)
    dit.eval()
    stage_io.save_dit(dit, os.path.join(args.out, 'dit.safetensors'), {'steps': str(steps)})
    exporter(args, vae, t5, tok, defaults, name, description)(dit, steps)
    log(exported=os.path.join(args.out, 'model'), steps=steps)
    if args.eval:
        r = quick_eval.evaluate(dit, vae, t5, tok, frames, size, defaults['steps'], defaults['shift'],
                                defaults['guidance'], defaults['sampler'], masks_at, seed=args.seed,
                                n_prompts=8 if args.tiny else 24, sheet=os.path.join(args.out, 'sheet.ppm'))
        with open(os.path.join(args.out, 'quick_eval.json'), 'w') as f:
            json.dump(r, f, indent=1)
        log(quick_eval=r['accuracy'], per_attribute=r['per_attribute'])


def main(argv=None):
    p = add_common(argparse.ArgumentParser(description=__doc__), 'runs/teacher')
    p.add_argument('--drop', type=float, default=0.1, help='caption dropout')
    p.add_argument('--init', default='', help='continue from this DiT (stage or model folder)')
    args = p.parse_args(argv)
    dev, log, vae, t5, tok, frames, size, data = setup(args, 'teacher')
    cfg = dict(stage_io.tiny_dit_config() if args.tiny else common.DIT_CONFIG, text_dim=t5.config['dim'])
    dit = stage_io.load_dit(args.init, dev).train() if args.init else WanDiT(**cfg).init_weights().to(dev)
    log(params=sum(p.numel() for p in dit.parameters()))
    ema = common.EMA(dit, args.ema)
    defaults = stage_io.teacher_defaults(frames, size)
    name, description = 'Tessera demo teacher (dense, UniPC 50 steps)', 'Flow-matching teacher of the demo model.'
    gen0 = torch.Generator(device=dev).manual_seed(args.seed + 99)

    def inputs(gen):
        x0, _, ctx = data.batch(args.batch, args.drop)
        xs, sigma, target = fm_sample(x0, gen, common.TRAIN_SHIFT)
        return (xs, sigma * 1000.0, ctx), target

    model = graphs.trainable(dit, None, inputs(gen0)[0], lambda: common.autocast(dev, cache=False), log, args.graphs)

    def loss_fn(model, gen):
        (xs, t, ctx), target = inputs(gen)
        v = model(xs, t, ctx).float()
        return ((v - target) ** 2).mean(), {}

    ckpt = Checkpoints(dit, ema, args.checkpoint_every,
                       exporter(args, vae, t5, tok, defaults, name, description), log)
    steps = train(dit, data, args, log, dev, loss_fn, ema, model, ckpt)
    finish(dit, ema, args, log, vae, t5, tok, frames, size, defaults, name, description, steps)


if __name__ == '__main__':
    main()
