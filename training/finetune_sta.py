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

from . import common, graphs, stage_io
from .train_dit import Checkpoints, add_common, exporter, finish, fm_sample, setup, train
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
    cast = lambda: common.autocast(dev, cache=False)
    gen0 = torch.Generator(device=dev).manual_seed(args.seed + 99)

    def inputs(gen):
        x0, _, ctx = data.batch(args.batch, args.drop)
        xs, sigma, target = fm_sample(x0, gen, common.TRAIN_SHIFT)
        return (xs, sigma * 1000.0, ctx), target

    sample = inputs(gen0)[0]
    model = graphs.trainable(dit, masks, sample, cast, log, args.graphs)
    dense = graphs.inference(teacher, None, sample, cast, log, args.graphs)

    def loss_fn(model, gen):
        (xs, t, ctx), target = inputs(gen)
        v = model(xs, t, ctx).float()
        vt = dense(xs, t, ctx)
        data_loss, kd = ((v - target) ** 2).mean(), ((v - vt) ** 2).mean()
        return data_loss + args.distill * kd, {'data': data_loss, 'distill': kd}

    defaults = dict(stage_io.teacher_defaults(frames, size), attention=rules.to_json())
    name = 'Tessera demo, STA fine-tuned (UniPC 50 steps)'
    description = 'The teacher fine-tuned with fixed sliding-tile attention windows.'
    ckpt = Checkpoints(dit, ema, args.checkpoint_every,
                       exporter(args, vae, t5, tok, defaults, name, description), log)
    steps = train(dit, data, args, log, dev, loss_fn, ema, model, ckpt)
    finish(dit, ema, args, log, vae, t5, tok, frames, size, defaults, name, description, steps,
           masks_at=lambda i: masks)


if __name__ == '__main__':
    main()
