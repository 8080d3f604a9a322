"""Stage 4: the 4-step STA student becomes the built-in model in assets/demo-model (the folder
the app and the CLI use when no model is given; scripts/make-demo-model.mjs leaves a trained
model there alone). Checks the 30 MB budget and records where the model came from.

  python3 -m training.ship --model runs/mcd/4step/model --eval runs/eval
"""
import argparse
import json
import os
import shutil

from .engine import ROOT
from .evaluate import summarise

LIMIT = 30 * 1024 * 1024


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--model', default='runs/mcd/4step/model')
    p.add_argument('--eval', default='runs/eval')
    p.add_argument('--out', default=str(ROOT / 'assets' / 'demo-model'))
    args = p.parse_args(argv)
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(args.model) for f in fs)
    if size > LIMIT:
        raise SystemExit(f'ship: {args.model} is {size / 2 ** 20:.1f} MB, over the 30 MB budget')
    with open(os.path.join(args.model, 'tessera.json')) as f:
        tessera = json.load(f)
    tessera['name'] = 'Tessera demo (trained, 4-step STA student)'
    tessera['description'] = (
        'A small Wan2.1-architecture text-to-video model trained from scratch on synthetic clips (coloured '
        'circles, squares and triangles that move, bounce, grow or stay still on plain backgrounds), '
        'consistency-distilled to 4 steps with sliding-tile attention. 128x128, 17 frames, runs on the CPU.')
    training = {'recipe': 'training/README.md', 'variant': 'mcd4'}
    if 'transfer' in tessera:   # a student moved onto a newer teacher (training/transfer.py)
        training['transfer'] = tessera.pop('transfer')
    results = os.path.join(args.eval, 'results.json')
    if os.path.exists(results):
        with open(results) as f:
            s = summarise(json.load(f))
        if 'mcd4' in s:
            training['heldout_accuracy'] = round(s['mcd4']['accuracy'], 4)
    tessera['training'] = training
    tmp = args.out + '.tmp'
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(args.model, tmp)
    with open(os.path.join(tmp, 'tessera.json'), 'w') as f:
        json.dump(tessera, f, indent=2)
        f.write('\n')
    shutil.rmtree(args.out, ignore_errors=True)
    os.rename(tmp, args.out)
    print(f'shipped {args.model} ({size / 2 ** 20:.1f} MB) to {args.out}')


if __name__ == '__main__':
    main()
