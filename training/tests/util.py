"""Shared helpers of the training tests (stdlib unittest)."""
import json
import os
import pathlib

import torch

ROOT = pathlib.Path(__file__).resolve().parents[2]
GOLDEN = pathlib.Path(os.environ.get('TESSERA_GOLDEN', ROOT.parent / 'shared' / 'golden'))


def rel_l2(a, b):
    a, b = a.double(), b.double()
    return float((a - b).norm() / b.norm().clamp(min=1e-30))


def fixture(name):
    from training.wan import safetensors_io as st
    io = st.load(GOLDEN / f'{name}.io.safetensors')
    meta = st.read_metadata(GOLDEN / f'{name}.io.safetensors')
    cfg = json.loads(meta['config'])
    w = GOLDEN / f'{name}.weights.safetensors'
    weights = st.load(w) if w.exists() else None
    return io, cfg, weights


def fixtures(prefix):
    return sorted(p.name[:-len('.io.safetensors')] for p in GOLDEN.glob(f'{prefix}*.io.safetensors'))


def seed_all(seed=0):
    torch.manual_seed(seed)
