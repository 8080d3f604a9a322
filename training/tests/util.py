"""Shared helpers of the training tests (stdlib unittest)."""
import json
import os
import pathlib
import tempfile
import unittest

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


class TinyTeacherTest(unittest.TestCase):
    """Tests that start from a toy-size VAE, text encoder and teacher, trained two steps each in a
    temporary folder (cls.r) once per class; cls.model is the teacher's exported model folder."""

    @classmethod
    def setUpClass(cls):
        from training import train_dit, train_text, train_vae
        cls.tmp = tempfile.TemporaryDirectory()
        r = cls.r = cls.tmp.name
        train_vae.main(['--tiny', '--steps', '2', '--batch', '2', '--out', f'{r}/vae', '--stat-clips', '8'])
        train_text.main(['--steps', '2', '--batch', '8', '--out', f'{r}/text'])
        train_dit.main(['--tiny', '--steps', '2', '--batch', '4', '--vae', f'{r}/vae', '--text', f'{r}/text',
                        '--out', f'{r}/teacher'])
        cls.model = f'{r}/teacher/model'

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()
