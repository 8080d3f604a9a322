"""The engine's generation re-done with the PyTorch modules (float32): the same tokens, seeded
noise (Philox stream 0), schedule, guidance, attention rules and uint8 conversion. Checks that an
exported folder means the same thing to both (tests/test_engine_parity.py)."""
import torch

from .export import load_folder
from .quick_eval import to_uint8
from .sample import sample
from .wan.sampling import seeded_normal
from .wan.sparse import AttnRules


@torch.no_grad()
def generate(folder, prompt, seed, steps=None, guidance=None, shift=None, sampler=None, frames=None, width=None,
             height=None, attention=None):
    dit, t5, vae, tok, tessera = load_folder(folder)
    d = tessera['defaults']
    steps, guidance = steps or d['steps'], d['guidance'] if guidance is None else guidance
    shift, sampler = shift or d['shift'], sampler or d['sampler']
    frames, width, height = frames or d['frames'], width or d['width'], height or d['height']
    attention = attention if attention is not None else d.get('attention')

    def context(text):
        ids = torch.tensor([tok.encode(text)])
        return t5(ids)
    ctx, neg = context(prompt), context(d.get('negative_prompt', ''))
    lat = (vae.z_dim, (frames - 1) // 4 + 1, height // 8, width // 8)
    noise = seeded_normal(lat, seed)[None]
    masks_at = None
    if attention and attention.get('rules'):
        rules = AttnRules.from_json(attention)
        grid = (lat[1], lat[2] // 2, lat[3] // 2)
        masks_at = lambda i: rules.masks(i, steps, grid, len(dit.blocks), dit.num_heads)
    # contexts of different lengths: the DiT pads each to text_len
    z = sample(dit, [ctx[0]], [neg[0]], noise, steps, shift, guidance, sampler, masks_at)
    return to_uint8(vae.decode(z))[0]
