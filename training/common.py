"""Shared plumbing of the training stages: devices, seeds, logging, EMA, time budgets and the
model sizes of the built-in demo model."""
import contextlib
import json
import os
import random
import sys
import time

import numpy as np
import torch

# The demo model (sizes chosen by the engine's CPU time, training/NOTES.md)
FRAMES, SIZE = 17, 128
T5_CONFIG = dict(dim=128, dim_attn=128, dim_ffn=256, num_heads=4, num_layers=2, num_buckets=32)
VAE_CONFIG = dict(dim=8, z_dim=16, dim_mult=[1, 2, 4, 4], num_res_blocks=1, temperal_downsample=[False, True, True])
DIT_CONFIG = dict(dim=256, ffn_dim=1024, freq_dim=256, text_dim=128, text_len=32, in_dim=16, out_dim=16,
                  num_heads=4, num_layers=8, patch_size=[1, 2, 2], eps=1e-6)
TRAIN_SHIFT = 3.0        # sigma shift of training timesteps and of the teacher's sampler
TEACHER_STEPS, TEACHER_GUIDANCE = 50, 5.0
STA_TILE = [3, 2, 2]     # tokens per tile (t, h, w) on the 5x8x8 token grid
# the fixed windows of STA fine-tuning and of the students: every head sees all frames and the
# 3x3 neighbourhood of its tile (44% of the tile pairs skipped)
STA_FIXED = {'tile': STA_TILE, 'rules': [{'pattern': 'sta', 'window': [3, 3, 3]}]}


def device():
    return torch.device('cuda' if torch.cuda.is_available() else 'cpu')


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed % 2 ** 32)
    torch.manual_seed(seed)


def autocast(dev, cache=True):
    """bf16 autocast on CUDA (as the reference runs), plain float32 on the CPU. cache=False for
    passes that are captured as CUDA graphs (training/graphs.py)."""
    if dev.type == 'cuda':
        return torch.autocast('cuda', dtype=torch.bfloat16, cache_enabled=cache)
    return contextlib.nullcontext()


def setup_cuda(benchmark=True):
    """benchmark=False for the VAE: autotuning its many conv shapes costs more than it saves."""
    if torch.cuda.is_available():
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = benchmark


class Log:
    """Prints and appends JSON lines to <dir>/log.jsonl."""

    def __init__(self, out_dir, stage):
        os.makedirs(out_dir, exist_ok=True)
        self.path = os.path.join(out_dir, 'log.jsonl')
        self.stage, self.t0 = stage, time.time()

    def __call__(self, **kv):
        kv = {'stage': self.stage, 't': round(time.time() - self.t0, 1), **kv}
        line = json.dumps({k: (round(v, 6) if isinstance(v, float) else v) for k, v in kv.items()})
        print(line, flush=True)
        with open(self.path, 'a') as f:
            f.write(line + '\n')


class Budget:
    """Stops a loop at `steps` or after `seconds` of wall time, whichever comes first."""

    def __init__(self, steps, seconds, deadline=0):
        self.steps, self.t0 = steps, time.time()
        self.seconds = seconds
        if deadline:   # absolute wall-clock end (unix seconds) for runs inside a fixed-length job
            left = max(1.0, deadline - self.t0)
            self.seconds = min(seconds, left) if seconds else left

    def done(self, step):
        return step >= self.steps or (self.seconds and time.time() - self.t0 > self.seconds)

    def elapsed(self):
        return time.time() - self.t0

    def progress(self, step):
        """Fraction of the budget used: what learning-rate schedules follow, so a run cut short by
        its time budget still anneals."""
        p = step / max(1, self.steps)
        if self.seconds:
            p = max(p, self.elapsed() / self.seconds)
        return min(1.0, p)


class EMA:
    """Exponential moving average of a model's parameters (float32 copies, foreach updates)."""

    def __init__(self, model, decay):
        self.decay = decay
        self.names = [n for n, _ in model.named_parameters()]
        self.shadow = [p.detach().clone().float() for p in model.parameters()]

    @torch.no_grad()
    def update(self, model, decay=None):
        d = self.decay if decay is None else decay
        params = [p.detach().float() for p in model.parameters()]
        torch._foreach_mul_(self.shadow, d)
        torch._foreach_add_(self.shadow, params, alpha=1 - d)

    @torch.no_grad()
    def copy_to(self, model):
        for p, s in zip(model.parameters(), self.shadow):
            p.copy_(s.to(p.dtype))


def lr_at(step, progress, peak, warmup=200, floor=0.1):
    """Linear warm-up over `warmup` steps, then cosine decay to floor * peak as progress -> 1."""
    if step < warmup:
        return peak * (step + 1) / warmup
    return peak * (floor + (1 - floor) * 0.5 * (1 + np.cos(np.pi * progress)))


def base_args(parser, out):
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', default=out, help='output folder of this stage')
    parser.add_argument('--steps', type=int, default=1000, help='optimiser steps (upper bound)')
    parser.add_argument('--max-seconds', type=float, default=0, help='wall-time budget; 0 = none')
    parser.add_argument('--deadline', type=float, default=0, help='stop training by this unix time; 0 = none')
    parser.add_argument('--batch', type=int, default=32)
    parser.add_argument('--lr', type=float, default=3e-4)
    parser.add_argument('--tiny', action='store_true', help='CPU smoke run: small clips and models')
    return parser


def describe(args):
    return ' '.join(sys.argv) + '  # ' + json.dumps(vars(args))
