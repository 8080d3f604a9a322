"""Stage 2d: multi-step consistency distillation (MCD) into few-step students with STA in the
loop. The dense teacher (guidance 5) solves the probability-flow ODE with UniPC on a fine grid
whose every M-th point is a boundary of the student's Euler grid; the student (initialised from
the STA fine-tuned model, running with its windows) learns, within each segment, to jump from
any trajectory point to the segment's end in one Euler step:

  f(x_j) = x_j + (sigma_end - sigma_j) v_student(x_j)
  loss   = |f(x_j) - sg f_ema(x_{j+1})|^2   (consistency within the segment; f(x_end) = x_end)
         + anchor * |f(x_j) - x_end|^2      (the teacher's segment end)

The guidance is distilled in (students run at guidance 1). Segment starts are the engine's Euler
grid points with its truncated timesteps, so `--sampler euler --steps S` runs the student.

  python3 -m training.distill_mcd --seed 0 --teacher runs/teacher --init runs/sta --segments 4 2 \
      --out runs/mcd --steps 4000 --max-seconds 120
"""
import argparse
import copy
import math
import os
import random
import time

import torch

from . import common, graphs, stage_io
from .data.batches import CaptionMaker
from .finetune_sta import grid_of, sta_rules
from .sample import guided_velocity, segment_grid
from .train_dit import Checkpoints, add_common, exporter, finish, setup
from .wan.sampling import unipc_on_grid, wan_flow_schedule


@torch.no_grad()
def trajectories(teacher, data, n, segments, substeps, guidance, seed, dev, chunk):
    """Teacher ODE solutions: (x [n, P+1, ...] bf16 on the fine grid, contexts, sigmas)."""
    ts, sig = segment_grid(segments, substeps, common.TRAIN_SHIFT)
    maker, rng = CaptionMaker(seed + 23), random.Random(seed + 29)
    gen = torch.Generator(device=dev).manual_seed(seed + 31)
    xs, ctxs = [], []
    shape = data.z.shape[1:]
    for i in range(0, n, chunk):
        b = min(chunk, n - i)
        caps = [maker(data.attrs[rng.randrange(len(data))]) for _ in range(b)]
        ctx = data.text(caps).float()
        neg = data.text([''] * b).float()
        v = guided_velocity(teacher, ctx, neg, guidance, autocast=lambda: common.autocast(dev))
        keep = []
        unipc_on_grid(v, torch.randn((b,) + tuple(shape), generator=gen, device=dev), ts, sig, keep)
        xs.append(torch.stack(keep, 1).to(torch.bfloat16))
        ctxs.append(ctx.to(torch.bfloat16))
    return torch.cat(xs), torch.cat(ctxs), sig


def distil(student, ema_target, traj, ctxs, sig, segments, per_segment, masks, args, log, dev, tag, checkpoints=None):
    """Trains `student` for `segments` Euler steps; traj has per_segment * segments + 1 points.
    checkpoints(ema, step): optional periodic export of the EMA weights."""
    engine_ts, engine_sig = wan_flow_schedule(segments, common.TRAIN_SHIFT)
    opt = graphs.optimizer(student.parameters(), args.lr, 0.0)
    gen = torch.Generator(device=dev).manual_seed(args.seed + 41)
    ema = common.EMA(student, args.ema)
    sig_t = torch.tensor(sig, dtype=torch.float32, device=dev)
    eng_t = torch.tensor(engine_ts, dtype=torch.float32, device=dev)
    n, b = traj.shape[0], args.batch
    view = lambda v: v.view(b, 1, 1, 1, 1)
    cast = lambda: common.autocast(dev, cache=False)

    def draw():
        """A batch of (trajectory, point) pairs, drawn on the device (no host round trip per step)."""
        idx = torch.randint(0, n, (b,), generator=gen, device=dev)
        k = torch.randint(0, segments, (b,), generator=gen, device=dev)
        j = torch.randint(0, per_segment, (b,), generator=gen, device=dev)
        j = torch.where(torch.rand(b, generator=gen, device=dev) < args.start_prob, torch.zeros_like(j), j)
        i0, i_end = k * per_segment + j, (k + 1) * per_segment
        s, s_next, s_end = sig_t[i0], sig_t[i0 + 1], sig_t[i_end]
        # segment starts get the engine's truncated integer timesteps
        t = torch.where(j == 0, eng_t[k], s * 1000.0)
        return dict(x=traj[idx, i0].float(), x_next=traj[idx, i0 + 1].float(), x_end=traj[idx, i_end].float(),
                    ctx=ctxs[idx].float(), t=t, s=s, s_next=s_next, s_end=s_end,
                    last=view(((j + 1) == per_segment).float()))

    d0 = draw()
    model = graphs.trainable(student, masks, (d0['x'], d0['t'], d0['ctx']), cast, log, args.graphs)
    target_v = graphs.inference(ema_target, masks, (d0['x_next'], d0['s_next'] * 1000.0, d0['ctx']), cast, log,
                                args.graphs)
    budget, step = common.Budget(args.steps, args.max_seconds, args.deadline), 0
    while not budget.done(step):
        for g in opt.param_groups:
            g['lr'] = common.lr_at(step, budget.progress(step), args.lr, warmup=100)
        d = draw()
        with cast():
            f = d['x'] + view(d['s_end'] - d['s']) * model(d['x'], d['t'], d['ctx']).float()
        f_next = d['x_next'] + view(d['s_end'] - d['s_next']) * target_v(d['x_next'], d['s_next'] * 1000.0, d['ctx'])
        target = d['last'] * d['x_end'] + (1 - d['last']) * f_next
        cd = ((f - target) ** 2).mean()
        anchor = ((f - d['x_end']) ** 2).mean()
        loss = cd + args.anchor * anchor
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_(student.parameters(), 1.0)
        opt.step()
        ema.update(student)
        with torch.no_grad():   # consistency target network: a fast EMA of the student (in place)
            tp, sp = list(ema_target.parameters()), [p.detach() for p in student.parameters()]
            torch._foreach_mul_(tp, args.target_ema)
            torch._foreach_add_(tp, sp, alpha=1 - args.target_ema)
        step += 1
        if step % 100 == 0 or step == 1:
            lv = loss.item()
            log(student=tag, step=step, loss=lv, cd=cd.item(), anchor=anchor.item(), grad_norm=float(gn))
            if not math.isfinite(lv):
                raise FloatingPointError(f'loss {lv} at step {step}')
        if checkpoints:
            checkpoints(ema, step)
    log(student=tag, step=step, seconds=round(budget.elapsed(), 1), done=True)
    return ema, step, engine_sig


def main(argv=None):
    p = add_common(argparse.ArgumentParser(description=__doc__), 'runs/mcd')
    p.add_argument('--teacher', default='runs/teacher')
    p.add_argument('--init', default='runs/sta', help='stage whose dit.safetensors initialises the students')
    p.add_argument('--windows', default='fixed', help="attention config file {tile, rules}, or 'fixed'")
    p.add_argument('--segments', type=int, nargs='+', default=[4, 2], help='one student per entry')
    p.add_argument('--substeps', type=int, default=12, help='teacher UniPC steps per segment of the finest student')
    p.add_argument('--trajectories', type=int, default=2048)
    p.add_argument('--traj-chunk', type=int, default=256)
    p.add_argument('--anchor', type=float, default=1.0)
    p.add_argument('--start-prob', type=float, default=0.5, help='share of samples at segment starts')
    p.add_argument('--target-ema', type=float, default=0.95)
    p.set_defaults(lr=1e-4, steps=4000, ema=0.995)
    args = p.parse_args(argv)
    dev, log, vae, t5, tok, frames, size, data = setup(args, 'mcd')
    teacher = stage_io.load_dit(args.teacher, dev).eval().requires_grad_(False)
    finest = max(args.segments)
    assert all(finest % s == 0 for s in args.segments), 'every student grid must be a subset of the finest'
    n_traj = 16 if args.tiny else args.trajectories
    traj, ctxs, sig = trajectories(teacher, data, n_traj, finest, args.substeps, common.TEACHER_GUIDANCE, args.seed,
                                   dev, args.traj_chunk)
    log(trajectories=list(traj.shape), sigmas=[round(v, 5) for v in sig])
    del teacher
    rules = sta_rules(args.windows)
    masks = rules.masks(0, 1, grid_of(data), common.DIT_CONFIG['num_layers'] if not args.tiny else 2,
                        common.DIT_CONFIG['num_heads'] if not args.tiny else 2, dev)
    budget_each = args.max_seconds / len(args.segments) if args.max_seconds else 0
    for n_done, segments in enumerate(args.segments):
        # a shared deadline is split evenly between the students still to train (minus export/eval)
        deadline = 0
        if args.deadline:
            deadline = time.time() + (args.deadline - time.time()) / (len(args.segments) - n_done) - 8
        student = stage_io.load_dit(args.init, dev).train()
        target = copy.deepcopy(student).eval().requires_grad_(False)
        sub = argparse.Namespace(**{**vars(args), 'max_seconds': budget_each, 'deadline': deadline,
                                    'out': os.path.join(args.out, f'{segments}step')})
        per_segment = args.substeps * finest // segments
        defaults = {'width': size, 'height': size, 'frames': frames, 'steps': segments, 'guidance': 1.0,
                    'shift': common.TRAIN_SHIFT, 'sampler': 'euler', 'timesteps': [], 'negative_prompt': '',
                    'attention': rules.to_json()}
        name = f'Tessera demo, {segments}-step STA student (MCD)'
        description = (f'Consistency-distilled {segments}-step student with sliding-tile attention; runs on the '
                       'CPU in seconds.')
        os.makedirs(sub.out, exist_ok=True)
        ckpt = None
        if args.checkpoint_every:
            shadow = Checkpoints(student, None, args.checkpoint_every,
                                 exporter(sub, vae, t5, tok, defaults, name, description), log)

            def ckpt(ema, step, shadow=shadow):
                shadow.ema = ema
                shadow(step)
        ema, steps, _ = distil(student, target, traj, ctxs, sig, segments, per_segment, masks, sub, log, dev,
                               f'{segments}step', ckpt)
        finish(student, ema, sub, log, vae, t5, tok, frames, size, defaults, name, description, steps,
               masks_at=lambda i: masks)


if __name__ == '__main__':
    main()
