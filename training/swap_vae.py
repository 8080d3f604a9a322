"""Puts a fine-tuned decoder (training/tune_decoder.py) into a model folder: the folder's
Wan2.1_VAE.safetensors is replaced after checking that the new VAE's encoder and latent
statistics are the folder's own, so that the DiT's latents mean what they meant in training.
tessera.json records where the decoder came from.

  python3 -m training.swap_vae --vae runs/decoder --model runs/mcd/4step/model --out runs5/mcd/4step/model
"""
import argparse
import json
import os
import shutil

import torch

from .export import VAE_FILE, finish_folder
from .tune_decoder import ENCODER
from .wan import safetensors_io as st


def swap(vae_dir, model, out):
    with open(os.path.join(vae_dir, 'vae.json')) as f:
        meta = json.load(f)
    with open(os.path.join(model, 'tessera.json')) as f:
        tessera = json.load(f)
    new, old = st.load(os.path.join(vae_dir, 'vae.safetensors')), st.load(os.path.join(model, VAE_FILE))
    if set(new) != set(old):
        raise ValueError('the two VAEs do not have the same tensors')
    for k in old:
        if k.startswith(ENCODER) and not torch.equal(new[k].float(), old[k].float()):
            raise ValueError(f'{k} differs: the decoder was not tuned on this model\'s encoder')
    for key in ('latent_mean', 'latent_std'):
        if any(abs(a - b) > 1e-6 for a, b in zip(meta[key], tessera[key])):
            raise ValueError(f'{key} differs from the model folder\'s')
    tmp = f'{out}.tmp-{os.getpid()}'
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(model, tmp)
    st.save({k: v.float().contiguous() for k, v in new.items()}, os.path.join(tmp, VAE_FILE),
            {'format': 'pt', 'generator': 'tessera training/swap_vae.py'})
    tessera['decoder'] = {'tuned': 'training/tune_decoder.py', 'steps': meta.get('steps'),
                          'recon_accuracy': meta.get('recon_accuracy'), 'full_clip_psnr': meta.get('full_clip_psnr')}
    return finish_folder(tmp, out, tessera)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--vae', required=True, help='tune_decoder output folder (vae.safetensors, vae.json)')
    p.add_argument('--model', required=True)
    p.add_argument('--out', help='default: the model folder itself')
    a = p.parse_args(argv)
    print(swap(a.vae, a.model, a.out or a.model))


if __name__ == '__main__':
    main()
