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
import os
import random
import time

import torch

from . import common, stage_io
from .data.batches import CaptionMaker
from .finetune_sta import grid_of, sta_rules
from .sample import guided_velocity, segment_grid
from .train_dit import add_common, finish, setup
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


def distil(student, ema_target, traj, ctxs, sig, segments, per_segment, masks, args, log, dev, tag):
    """Trains `student` for `segments` Euler steps; traj has per_segment * segments + 1 points."""
    engine_ts, engine_sig = wan_flow_schedule(segments, common.TRAIN_SHIFT)
    opt = torch.optim.AdamW(student.parameters(), lr=args.lr, betas=(0.9, 0.99), weight_decay=0.0)
    gen = torch.Generator(device='cpu').manual_seed(args.seed + 41)
    ema = common.EMA(student, args.ema)
    sig_t = torch.tensor(sig, dtype=torch.float32, device=dev)
    budget, step = common.Budget(args.steps, args.max_seconds, args.deadline), 0
    n = traj.shape[0]
    while not budget.done(step):
        for g in opt.param_groups:
            g['lr'] = common.lr_at(step, budget.progress(step), args.lr, warmup=100)
        b = args.batch
        idx = torch.randint(0, n, (b,), generator=gen)
        k = torch.randint(0, segments, (b,), generator=gen)
        j = torch.randint(0, per_segment, (b,), generator=gen)
        j = torch.where(torch.rand(b, generator=gen) < args.start_prob, torch.zeros_like(j), j)
        idx, k, j = idx.to(dev), k.to(dev), j.to(dev)
        i0, i_end = k * per_segment + j, (k + 1) * per_segment
        x = traj[idx, i0].float()
        x_next = traj[idx, i0 + 1].float()
        x_end = traj[idx, i_end].float()
        ctx = ctxs[idx].float()
        s, s_next, s_end = sig_t[i0], sig_t[i0 + 1], sig_t[i_end]
        # segment starts get the engine's truncated integer timesteps
        t = s * 1000.0
        starts = j == 0
        t_eng = torch.tensor(engine_ts, device=dev)[k]
        t = torch.where(starts, t_eng, t)
        view = lambda v: v.view(b, 1, 1, 1, 1)
        with common.autocast(dev):
            f = x + view(s_end - s) * student(x, t, ctx, masks).float()
            with torch.no_grad():
                f_next = x_next + view(s_end - s_next) * ema_target(x_next, s_next * 1000.0, ctx, masks).float()
        last = view(((j + 1) == per_segment).float())
        target = last * x_end + (1 - last) * f_next
        cd = ((f - target) ** 2).mean()
        anchor = ((f - x_end) ** 2).mean()
        loss = cd + args.anchor * anchor
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_(student.parameters(), 1.0)
        opt.step()
        ema.update(student)
        with torch.no_grad():   # consistency target network: a fast EMA of the student
            for pt, ps in zip(ema_target.parameters(), student.parameters()):
                pt.mul_(args.target_ema).add_(ps.detach(), alpha=1 - args.target_ema)
        step += 1
        if step % 100 == 0 or step == 1:
            log(student=tag, step=step, loss=loss.item(), cd=cd.item(), anchor=anchor.item(), grad_norm=float(gn))
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
        ema, steps, _ = distil(student, target, traj, ctxs, sig, segments, per_segment, masks, sub, log, dev,
                               f'{segments}step')
        defaults = {'width': size, 'height': size, 'frames': frames, 'steps': segments, 'guidance': 1.0,
                    'shift': common.TRAIN_SHIFT, 'sampler': 'euler', 'timesteps': [], 'negative_prompt': '',
                    'attention': rules.to_json()}
        os.makedirs(sub.out, exist_ok=True)
        finish(student, ema, sub, log, vae, t5, tok, frames, size, defaults,
               f'Tessera demo, {segments}-step STA student (MCD)',
               f'Consistency-distilled {segments}-step student with sliding-tile attention; runs on the CPU '
               'in seconds.', steps, masks_at=lambda i: masks)


if __name__ == '__main__':
    main()
