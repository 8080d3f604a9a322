"""Writes training/RESULTS.md from the evaluation (runs/eval/results.json) and the training logs.

  python3 -m training.make_results --eval runs/eval --out training/RESULTS.md
  # the committed table: python3 -m training.make_results --eval runs10/eval \
  #     --calibration runs10/calibration/calibration.json --validation-list training/validation_runs.txt
"""
import argparse
import datetime
import json
import os
import platform

from .detect.detector import CORE
from .evaluate import SEED_STRIDE, VARIANTS, summarise


def pct(v):
    return '–' if v is None else f'{100 * v:.1f}'


def decode_share(s):
    """', the VAE decode ... is then N% of a 4-step clip's time' from the timing runs, if any."""
    bench = (s.get('mcd4') or {}).get('bench')
    if not bench or not bench.get('engine'):
        return ''
    return (f"; the VAE decode, the same for every variant ({bench['decode']:.2f} s), is then "
            f"{100 * bench['decode'] / bench['engine']:.0f}% of a 4-step clip's engine time")


def core_cells(r):
    """accuracy | colour | shape | count | motion cells of a summarised variant."""
    return ' | '.join(pct(v) for v in (r['accuracy'],) + tuple(r['per_attribute'].get(k) for k in CORE))


def seeds_text(first, seeds):
    if seeds == 1:
        return f'one seed per prompt ({first} + prompt index)'
    return (f'{seeds} seeds per prompt ({first} + prompt index + {SEED_STRIDE} r, r = 0..{seeds - 1}: {seeds} clips '
            'per prompt and variant)')


def per_seed_table(s, order, seeds):
    """Accuracy of each variant on each seed set: how much one seed per prompt would move a figure."""
    if seeds < 2:
        return []
    lines = ['Accuracy % per seed set (each row of the table above is their mean):', '',
             '| variant | ' + ' | '.join(f'seed set {r}' for r in range(seeds)) + ' |', '|---' * (seeds + 1) + '|']
    for name in order:
        lines.append(f'| {name} | ' + ' | '.join(pct(a) for a in s[name]['accuracy_by_seed']) + ' |')
    return lines + ['']


def weights_notes(raw, order):
    """A line per variant whose weights are a task-vector combination (training/transfer.py)."""
    out = []
    for name in order:
        try:
            with open(os.path.join(raw[name]['model'], 'tessera.json')) as f:
                t = json.load(f).get('transfer')
        except (OSError, KeyError):
            t = None
        if t:
            same = t['old_base'] == t['new_base']
            what = (f"the distilled weights extrapolated: teacher + {t['scale']} x (student - teacher)" if same else
                    f"moved onto a newer base: new base + {t['scale']} x (variant - old base)")
            out.append(f"- **{name}**: {what} (`training/transfer.py`; the scale was chosen on the validation "
                       'prompts, below).')
    return out + [''] if out else []


def validation_table(entries):
    """The model-selection evaluations (validation prompts, never the held-out ones)."""
    if not entries:
        return []
    lines = ['## Model selection (validation prompts)', '',
             'Choices between models were made on `validation_prompts()` (built like the held-out prompts, none of '
             'them), one seed per prompt, through the engine as above:', '',
             '| model | variant | prompts | seed of prompt i | accuracy % | colour | shape | count | motion |',
             '|---|---|---|---|---|---|---|---|---|']
    for entry in entries:
        label, path = entry.split('=', 1)
        with open(path) as f:
            for name, r in summarise(json.load(f)).items():
                lines.append(f"| {label} | {name} | {r['clips']} | {r['first_seed']} + i | {core_cells(r)} |")
    return lines + ['']


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--eval', default='runs/eval')
    p.add_argument('--calibration', default='runs/calibration/calibration.json')
    p.add_argument('--out', default=os.path.join(os.path.dirname(__file__), 'RESULTS.md'))
    p.add_argument('--validation', nargs='*', default=[], metavar='LABEL=RESULTS_JSON',
                   help='evaluations on the validation prompts that chose between models, listed as such')
    p.add_argument('--validation-list', default='', metavar='FILE',
                   help='more LABEL=RESULTS_JSON entries, one per line (training/validation_runs.txt)')
    args = p.parse_args(argv)
    if args.validation_list:
        with open(args.validation_list) as f:
            args.validation += [line.strip() for line in f if line.strip()]
    with open(os.path.join(args.eval, 'results.json')) as f:
        raw = json.load(f)
    s = summarise(raw)
    order = [v[0] for v in VARIANTS if v[0] in s]
    base = s.get('teacher')
    prompts = max(r['prompts'] for r in s.values())
    seeds = max(len(r['accuracy_by_seed']) for r in s.values())
    first_seed = min(r['first_seed'] for r in s.values())
    lines = [
        '# Results: the demo model and the few-step pipeline',
        '',
        f'Produced by `python3 -m training.make_results` from `{args.eval}/results.json` '
        f'({datetime.date.today().isoformat()}). Every clip was generated by the native engine through the CLI '
        f'(`tessera generate`, CPU backend, {os.cpu_count()} cores of this {platform.machine()} machine, which other '
        f'jobs share) on the {prompts} held-out prompts of `training/data/captions.py` (never seen verbatim in '
        f'training), {seeds_text(first_seed, seeds)}, the same for every variant. 128x128, 17 frames.',
        '',
        '- **accuracy**: share of (clip, attribute) checks the detector (`training/detect`, image analysis) passes, '
        'over the four attributes every prompt names: colour, shape, count, motion.',
        '- **distance**: relative L2 distance of the clip (uint8 pixels) to the dense teacher\'s clip from the same '
        'seed, mean over clips.',
        '- **sparsity**: share of (query tile, key tile) attention blocks skipped, over all steps, layers and heads.',
        '- **time**: engine seconds per clip (text encoding + denoising + VAE decode); with `evaluate --bench N` the '
        'median of N dedicated runs per variant taken round-robin (so that every variant sees the same machine '
        'load), else the median over the evaluation prompts; **CLI s** is the whole `tessera generate` command '
        '(Node start, model load, MP4 encoding included); **speed-up** is the teacher\'s engine time over the '
        'variant\'s.',
        '',
        '| variant | sampler | accuracy % | colour | shape | count | motion | clips all right % | distance | '
        'sparsity % | time s | denoise s | CLI s | speed-up |',
        '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ]
    for name in order:
        r = s[name]
        d = r['defaults'] or {}
        sampler = f"{d.get('sampler')} {d.get('steps')}, CFG {d.get('guidance')}"
        speed = base['engine_seconds_median'] / r['engine_seconds_median'] if base else None
        dist = '–' if name == 'teacher' or r['distance_to_teacher'] is None else f"{r['distance_to_teacher']:.3f}"
        lines.append(f"| {r['label']} | {sampler} | {core_cells(r)} | {pct(r['clips_all_core_right'])} | {dist} | "
                     f"{pct(r['sparsity'])} | {r['engine_seconds_median']:.2f} | {r['denoise_seconds_median']:.2f} | "
                     f"{r['cli_seconds_median']:.2f} | {'–' if speed is None else f'{speed:.1f}x'} |")
    lines.append('')
    lines += per_seed_table(s, order, seeds)
    lines += weights_notes(raw, order)
    lines += validation_table(args.validation)
    if base and 'mcd4' in s:
        m = s['mcd4']
        cli = m['cli_seconds_median']
        gap = 100 * (base['accuracy'] - m['accuracy'])
        speed = base['engine_seconds_median'] / m['engine_seconds_median']
        per_seed = ''
        if seeds > 1:
            gaps = [100 * (b - x) for b, x in zip(base['accuracy_by_seed'], m['accuracy_by_seed'])]
            per_seed = f" over all {seeds} seeds (per seed: {', '.join(f'{g:+.1f}' for g in gaps)})"
        lines += ['## Goals', '',
                  f"- 4-step STA student within 5 accuracy points of the teacher: {gap:+.1f} points behind"
                  f"{per_seed} → **{'met' if gap <= 5 else 'not met'}**.",
                  f"- ≥ 10× faster end to end (engine time per clip): {speed:.1f}× → **{'met' if speed >= 10 else 'not met'}**.",
                  f"- The CLI's default generation (the shipped 4-step student) within 10 s: {cli:.2f} s → "
                  f"**{'met' if cli <= 10 else 'not met'}** (`npm run bench:cli` measures the same).",
                  '']
    if base and 'sta_ft' in s:
        ratio = s['sta_ft']['denoise_seconds_median'] / base['denoise_seconds_median']
        lines += ['## Observations', '',
                  f"- Sparse attention does not pay on this CPU at this size: the fine-tuned STA model's denoising "
                  f"takes {ratio:.2f}x the dense teacher's time. The clip has 320 tokens, so attention is a small "
                  'part of each step, and the 12-token tiles (3x2x2) make the sparse kernel\'s blocks too small to '
                  'beat the dense path. The speed-up of the students comes from the step count and from dropping '
                  'classifier-free guidance (4 DiT passes instead of 100)' + decode_share(s) + '.',
                  '- The detector reads rendered clips perfectly; through the VAE it loses mostly shapes (blurred '
                  'corners) and sizes, which caps every variant (next section).', '']
    ceiling = os.path.join(args.eval, 'ceiling.json')
    if os.path.exists(ceiling):
        with open(ceiling) as f:
            c = json.load(f)
        r, v = c['rendered'], c['vae_reconstructed']
        lines += ['## Reference points', '',
                  '`python3 -m training.vae_ceiling`: the held-out prompts\' attributes rendered as clips (the '
                  'training data\'s kind), and the same clips after the model\'s VAE (encode, decode), read by the '
                  'detector. The second is the best any DiT on this VAE can score.', '',
                  '| clips | accuracy % | colour | shape | count | motion |', '|---|---|---|---|---|---|']
        for label, x in (('rendered', r), ('rendered, through the VAE', v)):
            pa = x['per_attribute']
            lines.append(f"| {label} | {pct(x['accuracy'])} | {pct(pa.get('colour'))} | {pct(pa.get('shape'))} | "
                         f"{pct(pa.get('count'))} | {pct(pa.get('motion'))} |")
        lines.append('')
    if os.path.exists(args.calibration):
        with open(args.calibration) as f:
            cal = json.load(f)
        lines += ['## Training-free STA windows (engine calibration)', '',
                  f"Tile {cal['tile']} tokens on the {cal['grid']} token grid; candidates {cal['candidates']}; first "
                  f"{cal['denseSteps']} of {cal['steps']} steps dense; per head the cheapest window whose mean relative "
                  f"error (over {len(cal['prompts'])} calibration prompts) is ≤ {cal['maxError']}, else the argmin. "
                  f"Sparsity of the sparse steps {100 * cal['sparsityOfSparseSteps']:.1f}%.", '',
                  '| layer | ' + ' | '.join(f'head {h}' for h in range(cal['heads'])) + ' |',
                  '|---' * (cal['heads'] + 1) + '|']
        for layer, heads in enumerate(cal['windows']):
            lines.append(f'| {layer} | ' + ' | '.join('x'.join(map(str, w)) for w in heads) + ' |')
        lines.append('')
    lines += ['## Per attribute, all variants', '', '| variant | ' + ' | '.join(CORE + ('background', 'size')) + ' |',
              '|---' * 7 + '|']
    for name in order:
        pa = s[name]['per_attribute']
        lines.append(f"| {name} | " + ' | '.join(pct(pa.get(k)) for k in CORE + ('background', 'size')) + ' |')
    lines += ['', 'Background and size are checked only where a prompt names them; they are not part of the accuracy.',
              '', 'See `training/NOTES.md` for what each training run did and measured.', '']
    with open(args.out, 'w') as f:
        f.write('\n'.join(lines))
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
