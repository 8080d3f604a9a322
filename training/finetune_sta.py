"""Stage 2c: STA fine-tuning. The teacher is fine-tuned with its self-attention restricted to
fixed per-head sliding-tile windows (the engine's calibration, stage 2b) at every step; the loss
is the flow-matching data loss plus distillation from the dense teacher's velocity on the same
noisy input. Exported with the windows as its default attention rules.

  python3 -m training.finetune_sta --seed 0 --teacher runs/teacher --windows runs/calibration/attention.json \
      --out runs/sta --steps 3000 --max-seconds 100
"""
import argparse
import copy
import json
import os

import torch

from . import common, stage_io
from .train_dit import add_common, finish, fm_sample, setup, train
from .wan.sparse import AttnRules


def sta_rules(path):
    """'fixed' = common.STA_FIXED, else an attention-config JSON file {tile, rules}."""
    if path == 'fixed':
        return AttnRules.from_json(common.STA_FIXED)
    with open(path) as f:
        return AttnRules.from_json(json.load(f))


def grid_of(data):
    _, _, t, h, w = data.z.shape
    return t, h // 2, w // 2


def main(argv=None):
    p = add_common(argparse.ArgumentParser(description=__doc__), 'runs/sta')
    p.add_argument('--teacher', default='runs/teacher')
    p.add_argument('--windows', default='fixed', help="attention config file {tile, rules}, or 'fixed'")
    p.add_argument('--distill', type=float, default=1.0, help='weight of the dense-teacher velocity loss')
    p.add_argument('--drop', type=float, default=0.1)
    p.set_defaults(lr=2e-4, steps=3000)
    args = p.parse_args(argv)
    dev, log, vae, t5, tok, frames, size, data = setup(args, 'sta')
    teacher = stage_io.load_dit(args.teacher, dev).eval().requires_grad_(False)
    dit = copy.deepcopy(teacher).train().requires_grad_(True)
    rules = sta_rules(args.windows)
    masks = rules.masks(0, 1, grid_of(data), len(dit.blocks), dit.num_heads, dev)
    log(sparsity=rules.sparsity(0, 1, grid_of(data), len(dit.blocks), dit.num_heads), tile=rules.tile)
    ema = common.EMA(dit, args.ema)

    def loss_fn(model, gen):
        x0, _, ctx = data.batch(args.batch, args.drop)
        xs, sigma, target = fm_sample(x0, gen, common.TRAIN_SHIFT)
        t = sigma * 1000.0
        v = model(xs, t, ctx, masks).float()
        with torch.no_grad():
            vt = teacher(xs, t, ctx).float()
        data_loss, kd = ((v - target) ** 2).mean(), ((v - vt) ** 2).mean()
        return data_loss + args.distill * kd, {'data': data_loss, 'distill': kd}

    steps = train(dit, data, args, log, dev, loss_fn, ema)
    defaults = dict(stage_io.teacher_defaults(frames, size), attention=rules.to_json())
    finish(dit, ema, args, log, vae, t5, tok, frames, size, defaults,
           'Tessera demo, STA fine-tuned (UniPC 50 steps)',
           'The teacher fine-tuned with fixed sliding-tile attention windows.', steps,
           masks_at=lambda i: masks)


if __name__ == '__main__':
    main()
