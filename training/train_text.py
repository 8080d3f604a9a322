"""Stage 1b: the text encoder (umT5 architecture, small) with the word-level tokenizer, trained
to tell every attribute a caption names (count, shape, colour, motion, size, background) from
its mean-pooled output. The classifier heads are dropped; the DiT cross-attends to the tokens.

  python3 -m training.train_text --seed 0 --out runs/text --steps 1500
"""
import argparse
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

from . import common
from .data.attributes import BACKGROUND_COLOURS, COUNTS, MOTIONS, OBJECT_COLOURS, SHAPES, SIZES
from .data.batches import CaptionMaker
from .data.tokenizer import WordTokenizer
from .wan import T5Encoder
from .wan import safetensors_io as st

CLASSES = {
    'count': list(COUNTS), 'shape': list(SHAPES), 'colour': list(OBJECT_COLOURS), 'motion': list(MOTIONS),
    'size': list(SIZES) + [None], 'background': list(BACKGROUND_COLOURS) + [None],
}


def labels(attrs, mentions):
    out = {}
    for k, values in CLASSES.items():
        v = attrs[k]
        if k in ('size', 'background') and not mentions[k]:
            v = None
        out[k] = values.index(v)
    return out


def main(argv=None):
    p = common.base_args(argparse.ArgumentParser(description=__doc__), 'runs/text')
    p.set_defaults(batch=256, lr=1e-3, steps=1500)
    args = p.parse_args(argv)
    common.seed_everything(args.seed)
    common.setup_cuda()
    dev = common.device()
    log = common.Log(args.out, 'text')
    log(cmd=common.describe(args), device=str(dev))
    tok = WordTokenizer()
    cfg = dict(common.T5_CONFIG, vocab=len(tok))
    t5 = T5Encoder(**cfg).to(dev)
    for m in t5.modules():
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=m.in_features ** -0.5)
    nn.init.normal_(t5.token_embedding.weight, std=1.0)
    heads = nn.ModuleDict({k: nn.Linear(cfg['dim'], len(v)) for k, v in CLASSES.items()}).to(dev)
    opt = torch.optim.AdamW(list(t5.parameters()) + list(heads.parameters()), lr=args.lr, weight_decay=0.01)
    maker = CaptionMaker(args.seed)
    length = common.DIT_CONFIG['text_len']
    budget, step = common.Budget(args.steps, args.max_seconds, args.deadline), 0
    while not budget.done(step):
        for g in opt.param_groups:
            g['lr'] = common.lr_at(step, budget.progress(step), args.lr, warmup=100)
        texts, ys = [], {k: [] for k in CLASSES}
        for _ in range(args.batch):
            a = maker.attributes()
            text = maker(a)
            said = {'size': any(w in text.split() for w in ('small', 'tiny', 'little', 'large', 'big', 'huge')),
                    'background': any(w in text for w in ('background', 'backdrop', 'wall'))}
            texts.append(text)
            for k, v in labels(a, said).items():
                ys[k].append(v)
        ids, mask = tok.batch(texts, length)
        ids, mask = torch.tensor(ids, device=dev), torch.tensor(mask, device=dev)
        with common.autocast(dev):
            h = t5(ids, mask).float()
        pooled = (h * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
        losses = {k: F.cross_entropy(heads[k](pooled), torch.tensor(ys[k], device=dev)) for k in CLASSES}
        loss = sum(losses.values())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        if step % 100 == 0 or step == 1:
            with torch.no_grad():
                acc = {k: (heads[k](pooled).argmax(1).cpu() == torch.tensor(ys[k])).float().mean().item()
                       for k in CLASSES}
            log(step=step, loss=loss.item(), **{f'acc_{k}': v for k, v in acc.items()})
    st.save({k: v.cpu() for k, v in t5.state_dict().items()}, os.path.join(args.out, 't5.safetensors'))
    tok.save(os.path.join(args.out, 'tokenizer.json'))
    with open(os.path.join(args.out, 't5.json'), 'w') as f:
        json.dump({'config': t5.config, 'steps': step}, f, indent=2)
    log(step=step, seconds=round(budget.elapsed(), 1), done=True)


def load(folder, device='cpu'):
    """A text stage folder (t5.json, t5.safetensors, tokenizer.json) or an exported model folder."""
    if not os.path.exists(os.path.join(folder, 't5.json')):
        from .export import load_text
        return load_text(folder, device=device)
    with open(os.path.join(folder, 't5.json')) as f:
        meta = json.load(f)
    t5 = T5Encoder(**meta['config'])
    t5.load_state_dict(st.load(os.path.join(folder, 't5.safetensors')))
    return t5.to(device).eval(), WordTokenizer.load(os.path.join(folder, 'tokenizer.json'))


if __name__ == '__main__':
    main()
