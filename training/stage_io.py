"""What the stages hand each other: the VAE and text encoder folders of stage 1, DiT
checkpoints, and exported model folders (the official layout, training/export.py)."""
import json
import os

import torch

from . import common, train_text, train_vae
from .export import export_folder, load_folder
from .wan import WanDiT
from .wan import safetensors_io as st


def tiny_dit_config():
    return dict(common.DIT_CONFIG, dim=64, ffn_dim=128, num_layers=2, num_heads=2)


def load_components(vae_dir, text_dir, device):
    vae, vmeta = train_vae.load(vae_dir, device)
    t5, tok = train_text.load(text_dir, device)
    return vae, vmeta, t5, tok


def save_dit(dit, path, meta=None):
    st.save({k: v.detach().cpu().float() for k, v in dit.state_dict().items()}, path,
            {'config': json.dumps(dit.config), **(meta or {})})


def load_dit(path, device):
    """A DiT from a stage folder (its dit.safetensors, else its exported model/), a model folder
    or a checkpoint file."""
    if os.path.isdir(path):
        for cand in (os.path.join(path, 'dit.safetensors'), os.path.join(path, 'model')):
            if os.path.exists(cand):
                return load_dit(cand, device)
        with open(os.path.join(path, 'config.json')) as f:
            cfg = json.load(f)
        weights = os.path.join(path, 'diffusion_pytorch_model.safetensors')
    else:
        cfg, weights = json.loads(st.read_metadata(path)['config']), path
    dit = WanDiT(**cfg)
    dit.load_state_dict({k: v.float() for k, v in st.load(weights).items()})
    return dit.to(device)


def teacher_defaults(frames, size):
    return {'width': size, 'height': size, 'frames': frames, 'steps': common.TEACHER_STEPS,
            'guidance': common.TEACHER_GUIDANCE, 'shift': common.TRAIN_SHIFT, 'sampler': 'unipc', 'timesteps': [],
            'negative_prompt': '', 'attention': {'tile': list(common.STA_TILE), 'rules': []}}


def export_variant(out, dit, vae, t5, tok, defaults, name, description, meta=None):
    return export_folder(out, dit, t5, vae, tok, defaults, name, description, extra_meta=meta)


def load_variant(folder, device):
    dit, t5, vae, tok, tessera = load_folder(folder, device)
    return dit, t5, vae, tok, tessera
