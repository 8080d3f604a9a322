"""Moves a fine-tune onto a newer base ("task vector"): a variant trained from an old base (a
student distilled from the old teacher) becomes new_base + scale * (variant - old_base), with the
variant's settings (tessera.json, config.json) and the new base's VAE, text encoder and tokenizer.
Used when the students of a run did not come back from the GPU machine but its teacher did
(training/NOTES.md, run 4); every such model is evaluated through the engine like any other.

  python3 -m training.transfer --old-base runs3/teacher/model --variant runs3/mcd4/model \
      --new-base runs4/teacher/model --out runs4/mcd/4step/model
"""
import argparse
import json
import os
import shutil

import torch

from .export import DIT_FILE, finish_folder
from .wan import safetensors_io as st


def tessera_name(folder):
    with open(os.path.join(folder, 'tessera.json')) as f:
        return json.load(f).get('name', '')


def transfer(old_base, variant, new_base, out, scale=1.0):
    a, v, b = (st.load(os.path.join(d, DIT_FILE)) for d in (old_base, variant, new_base))
    if set(a) != set(v) or set(a) != set(b):
        raise ValueError('the three DiTs do not have the same tensors')
    w = {}
    for k in b:
        if a[k].shape != v[k].shape or a[k].shape != b[k].shape:
            raise ValueError(f'{k}: shapes differ')
        w[k] = (b[k].float() + scale * (v[k].float() - a[k].float())).to(b[k].dtype)
    tmp = f'{out}.tmp-{os.getpid()}'
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(new_base, tmp)
    st.save(w, os.path.join(tmp, DIT_FILE), {'format': 'pt', 'generator': 'tessera training/transfer.py'})
    for name in ('config.json', 'tessera.json'):
        shutil.copy(os.path.join(variant, name), os.path.join(tmp, name))
    with open(os.path.join(tmp, 'tessera.json')) as f:
        tessera = json.load(f)
    tessera['transfer'] = {'rule': 'new_base + scale * (variant - old_base)', 'scale': scale,
                           'old_base': tessera_name(old_base), 'variant': tessera_name(variant),
                           'new_base': tessera_name(new_base)}
    return finish_folder(tmp, out, tessera)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--old-base', required=True)
    p.add_argument('--variant', required=True)
    p.add_argument('--new-base', required=True)
    p.add_argument('--out', required=True)
    p.add_argument('--scale', type=float, default=1.0)
    a = p.parse_args(argv)
    print(transfer(a.old_base, a.variant, a.new_base, a.out, a.scale))


if __name__ == '__main__':
    main()
