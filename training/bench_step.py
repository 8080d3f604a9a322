"""Times one teacher training step (forward, backward, clipping, fused AdamW) of the demo DiT at a
given batch in each execution mode of training/graphs.py: eager, CUDA graphs, torch.compile.
Prints a table and writes JSON lines through the stage log; the step a stage would use is the
fastest mode that is also numerically checked (graphs.trainable).

  python3 -m training.bench_step --batch 512 --out runs/bench_step
"""
import argparse
import time

import torch

from . import common, graphs
from .stage_io import tiny_dit_config
from .wan import WanDiT


def time_mode(mode, cfg, batch, steps, dev, log):
    torch.manual_seed(0)
    dit = WanDiT(**cfg).init_weights().to(dev).train()
    grid = (5, 16, 16)                  # the demo model's latent: 17 frames at 128 px
    x = torch.randn(batch, cfg['in_dim'], *grid, device=dev)
    t = torch.rand(batch, device=dev) * 1000
    ctx = torch.randn(batch, cfg['text_len'], cfg['text_dim'], device=dev)
    target = torch.randn_like(x)
    cast = lambda: common.autocast(dev, cache=False)
    runs = ['eager']

    def record(**kv):   # what trainable chose: its log line with used=True
        if kv.get('used'):
            runs[0] = 'compiled' if 'compiled' in kv else 'graphs'
        log(**kv)
    t0 = time.time()
    model = graphs.trainable(dit, None, (x, t, ctx), cast, record, mode)
    setup = time.time() - t0
    opt = graphs.optimizer(dit.parameters(), 1e-4, 0.01)

    def step():
        with cast():
            loss = ((model(x, t, ctx).float() - target) ** 2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(dit.parameters(), 1.0)
        opt.step()
    for _ in range(3):
        step()
    if dev.type == 'cuda':
        torch.cuda.synchronize()
    t0 = time.time()
    for _ in range(steps):
        step()
    if dev.type == 'cuda':
        torch.cuda.synchronize()
    ms = 1000 * (time.time() - t0) / steps
    log(mode=mode, batch=batch, ms_per_step=round(ms, 2), clips_per_s=round(batch * 1000 / ms), setup_s=round(setup, 1),
        runs=runs[0])
    return ms, setup, runs[0]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--batch', type=int, default=512)
    p.add_argument('--steps', type=int, default=20)
    p.add_argument('--modes', nargs='+', default=['off', 'auto', 'compile'])
    p.add_argument('--out', default='runs/bench_step')
    p.add_argument('--tiny', action='store_true')
    a = p.parse_args(argv)
    common.setup_cuda()
    dev = common.device()
    cfg = tiny_dit_config() if a.tiny else dict(common.DIT_CONFIG)
    log = common.Log(a.out, 'bench_step')
    rows = [(m, *time_mode(m, cfg, a.batch, a.steps, dev, log)) for m in a.modes]
    print(f'| mode | ms/step (batch {a.batch}) | clips/s | setup s | runs as |\n|---|---|---|---|---|')
    for m, ms, setup, used in rows:
        print(f'| {m} | {ms:.1f} | {a.batch * 1000 / ms:.0f} | {setup:.1f} | {used} |')


if __name__ == '__main__':
    main()
