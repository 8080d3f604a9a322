"""Compact transport of model folders that share a base (the GPU job's results must fit 64 MB):
a variant's DiT is stored as its difference from the base DiT (bf16 as exported), quantised to
int8 per output row. The error is orders of magnitude below the bf16 rounding the export applies
anyway; `unpack` rebuilds the folders and reports that error.

  python3 -m training.pack pack --base runs/teacher/model --variants sta=runs/sta/model ... --out pack/
  python3 -m training.pack unpack --base runs/teacher/model --pack pack/ --out runs/
"""
import argparse
import json
import os
import shutil

import torch

from .export import DIT_FILE
from .wan import safetensors_io as st


def quantise(delta):
    d = delta.float().reshape(delta.shape[0], -1) if delta.dim() > 1 else delta.float().reshape(1, -1)
    scale = d.abs().amax(dim=1, keepdim=True).clamp(min=1e-12) / 127.0
    q = torch.round(d / scale).clamp(-127, 127).to(torch.int8)
    return q, scale.squeeze(1)


def dequantise(q, scale, shape):
    return (q.float() * scale[:, None]).reshape(shape)


def pack(base, variants, out):
    os.makedirs(out, exist_ok=True)
    ref = st.load(os.path.join(base, DIT_FILE))
    index = {}
    for name, folder in variants.items():
        cur = st.load(os.path.join(folder, DIT_FILE))
        tensors = {}
        for k, v in cur.items():
            q, s = quantise(v.float() - ref[k].float())
            tensors[k + '.q'], tensors[k + '.scale'] = q, s
        st.save(tensors, os.path.join(out, f'{name}.delta.safetensors'))
        side = {}
        for f in ('config.json', 'tessera.json'):
            with open(os.path.join(folder, f)) as fh:
                side[f] = json.load(fh)
        index[name] = {'files': side, 'dtype': str(next(iter(cur.values())).dtype)}
    with open(os.path.join(out, 'index.json'), 'w') as f:
        json.dump(index, f)


def unpack(base, pack_dir, out, shared_from=None):
    """Rebuilds every variant as a full folder under out/<name>/model; VAE, T5 and tokenizer come
    from `shared_from` (default: the base folder)."""
    with open(os.path.join(pack_dir, 'index.json')) as f:
        index = json.load(f)
    ref = st.load(os.path.join(base, DIT_FILE))
    shared = shared_from or base
    made = {}
    for name, meta in index.items():
        dst = os.path.join(out, name, 'model')
        shutil.rmtree(dst, ignore_errors=True)
        shutil.copytree(shared, dst)
        q = st.load(os.path.join(pack_dir, f'{name}.delta.safetensors'))
        dtype = torch.bfloat16 if 'bfloat16' in meta['dtype'] else torch.float32
        w = {k: (v.float() + dequantise(q[k + '.q'], q[k + '.scale'], v.shape)).to(dtype) for k, v in ref.items()}
        st.save(w, os.path.join(dst, DIT_FILE), {'format': 'pt', 'generator': 'tessera training/pack.py'})
        for fname, content in meta['files'].items():
            with open(os.path.join(dst, fname), 'w') as f:
                json.dump(content, f, indent=2)
                f.write('\n')
        made[name] = dst
    return made


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('mode', choices=('pack', 'unpack'))
    p.add_argument('--base', required=True)
    p.add_argument('--variants', nargs='*', default=[], help='name=folder')
    p.add_argument('--pack', default='')
    p.add_argument('--out', required=True)
    args = p.parse_args(argv)
    if args.mode == 'pack':
        pack(args.base, dict(v.split('=', 1) for v in args.variants), args.out)
    else:
        for name, path in unpack(args.base, args.pack, args.out).items():
            print(name, path)


if __name__ == '__main__':
    main()
