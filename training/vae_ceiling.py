"""What any DiT on this VAE could at best score: the held-out prompts' attributes rendered as clips,
encoded and decoded by the model folder's VAE, then read by the detector. Also scores the rendered
clips themselves (the detector's own accuracy).

  python3 -m training.vae_ceiling --model runs/teacher/model --out runs/eval/ceiling.json
"""
import argparse
import json
import random

import torch

from .data.captions import held_out_prompts
from .data.render import clip_params, rasterise
from .export import load_folder
from .quick_eval import score, to_uint8


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--model', default='runs/teacher/model')
    p.add_argument('--out', default='runs/eval/ceiling.json')
    p.add_argument('--seed', type=int, default=0)
    args = p.parse_args(argv)
    _, _, vae, _, tessera = load_folder(args.model)
    d = tessera['defaults']
    items = held_out_prompts()
    rng = random.Random(args.seed)
    x = rasterise([clip_params(a, d['frames'], d['width'], rng) for _, a in items], d['frames'], d['width'])
    prompts = [t for t, _ in items]
    with torch.no_grad():
        rec = vae.decode(vae.encode(x), chunked=True)
    out = {'rendered': score(to_uint8(x), prompts), 'vae_reconstructed': score(to_uint8(rec), prompts)}
    with open(args.out, 'w') as f:
        json.dump(out, f, indent=1)
    print({k: (v['accuracy'], v['per_attribute']) for k, v in out.items()})


if __name__ == '__main__':
    main()
