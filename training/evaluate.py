"""Stage 3: every variant through the native engine (the CLI users run) on the held-out prompts,
same seed per prompt for every variant: the detector's prompt-following accuracy, the distance
of each clip to the dense teacher's clip for the same noise, the attention sparsity and the
engine time per clip. Results go to <out>/results.json (make_results.py writes RESULTS.md).

  python3 -m training.evaluate --runs runs --out runs/eval
"""
import argparse
import json
import math
import os
import statistics
import tempfile
import time

from . import engine
from .data.captions import held_out_prompts, validation_prompts
from .detect.detector import CORE, analyse, check
from .detect.prompt import parse_prompt

VARIANTS = (
    # name, label, model folder (under --runs), extra CLI options
    ('teacher', 'teacher, dense, UniPC 50 steps, CFG 5', 'teacher/model', []),
    ('sta_free', 'training-free STA (engine calibration), UniPC 50', 'teacher/model', ['--attention', '@{runs}/calibration/attention.json']),
    ('sta_ft', 'fine-tuned STA, UniPC 50 steps, CFG 5', 'sta/model', []),
    ('mcd4', 'MCD student, STA, 4 Euler steps, no CFG', 'mcd/4step/model', []),
    ('mcd2', 'MCD student, STA, 2 Euler steps, no CFG', 'mcd/2step/model', []),
)


def kept_pairs(n, w):
    reach = w // 2
    if 2 * reach + 1 >= n:
        return n * n
    return sum(1 for q in range(n) for j in range(n) if abs(min(max(q, reach), n - 1 - reach) - j) <= reach)


def sparsity(attention, steps, layers, heads, grid):
    """Fraction of (query tile, key tile) blocks skipped over all steps, layers and heads (the
    engine's measure); dense steps, layers and heads count as 0."""
    if not attention or not attention.get('rules'):
        return 0.0
    from .wan.sparse import AttnRules
    rules = AttnRules.from_json(attention)
    tiles = [math.ceil(g / t) for g, t in zip(grid, rules.tile)]
    total = math.prod(n * n for n in tiles)
    skipped = 0.0
    for s in range(steps):
        for layer in range(layers):
            for p in rules.patterns(s, steps, layer, layers, heads):
                if p[0] == 'sta':
                    skipped += 1 - math.prod(kept_pairs(n, w) for n, w in zip(tiles, p[1])) / total
                elif p[0] == 'tile':
                    f, k = tiles[0], p[1]
                    skipped += 1 - sum(1 for q in range(grid[0]) for j in range(grid[0]) if q == j or q < k or j < k) \
                        / grid[0] ** 2
    return skipped / (steps * layers * heads)


def frames_of(folder):
    return engine.png_frames(folder)


def rel_l2(a, b):
    num = sum((x - y) ** 2 for x, y in zip(a, b))
    den = sum(y * y for y in b)
    return math.sqrt(num / max(den, 1e-12))


SEED_STRIDE = 1000


def frames_name(i, rep):
    """The saved frames of prompt i's clip number rep (the first keeps its older name)."""
    return f'{i:02d}.rgb' if rep == 0 else f'{i:02d}_{rep}.rgb'


def generate_row(name, model, text, seed, fname, extra, args, teacher_pixels):
    """One clip through the CLI, its frames saved as <out>/frames/<name>/<fname>: the detector's
    checks, the distance to the teacher's clip of the same prompt and seed (when saved), timings."""
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.time()
        summary = engine.generate(text, os.path.join(tmp, 'clip'), model=model, seed=seed,
                                  threads=args.threads or None, fmt='png', extra=extra)
        wall = time.time() - t0
        clip = frames_of(os.path.join(tmp, 'clip'))
    os.makedirs(os.path.join(args.out, 'frames', name), exist_ok=True)
    with open(os.path.join(args.out, 'frames', name, fname), 'wb') as f:
        f.write(b''.join(clip.frames))
    measured = analyse(clip)
    ok = check(parse_prompt(text), measured)
    tp = os.path.join(args.out, 'frames', 'teacher', fname)
    dist = None
    if os.path.exists(tp):
        if fname not in teacher_pixels:
            teacher_pixels[fname] = open(tp, 'rb').read()
        dist = rel_l2(b''.join(clip.frames), teacher_pixels[fname])
    t = summary['timings']
    return {'prompt': text, 'seed': seed, 'frames': fname, 'ok': ok,
            'measured': {k: measured.get(k) for k in ('count', 'shape', 'colour', 'motion', 'size', 'background')},
            'distance_to_teacher': dist,
            'engine_seconds': t['textSeconds'] + t['denoiseSeconds'] + t['decodeSeconds'], 'timings': t,
            'cli_seconds': wall}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--runs', default='runs')
    p.add_argument('--out', default='runs/eval')
    p.add_argument('--variants', nargs='*', default=[v[0] for v in VARIANTS])
    p.add_argument('--prompts', type=int, default=24)
    p.add_argument('--prompt-set', choices=('held_out', 'validation'), default='held_out',
                   help='validation: prompts for choosing between models, so that the held-out ones stay a test')
    p.add_argument('--seed', type=int, default=100, help='seed of prompt i is seed + i')
    p.add_argument('--seeds', type=int, default=1,
                   help='clips per prompt: repeat r uses seed + i + SEED_STRIDE * r (one seed per prompt leaves '
                        'about 3 points of sampling error at 24 prompts)')
    p.add_argument('--threads', type=int, default=0)
    p.add_argument('--reanalyse', action='store_true',
                   help='rerun the detector on the saved frames (no generation)')
    p.add_argument('--bench', type=int, default=0,
                   help='only time N generations per variant, round-robin over the variants so that they '
                        'share the machine\'s load alike; medians go to results.json')
    args = p.parse_args(argv)
    if args.reanalyse:
        return reanalyse(args.out)
    if args.bench:
        return bench(args)
    why = engine.available()
    if why:
        raise SystemExit(f'evaluate: {why}')
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, 'results.json')
    results = json.load(open(path)) if os.path.exists(path) else {}
    prompts = validation_prompts(args.prompts) if args.prompt_set == 'validation' else \
        held_out_prompts()[:args.prompts]
    teacher_pixels = {}
    for name, label, folder, extra in VARIANTS:
        if name not in args.variants:
            continue
        model = os.path.join(args.runs, folder)
        extra = [e.replace('{runs}', args.runs) for e in extra]
        info = engine.info(model)['model']
        rows = results.get(name, {}).get('clips', [])
        done = {(r['prompt'], r['seed']) for r in rows}
        for rep in range(args.seeds):
            for i, (text, _) in enumerate(prompts):
                seed = args.seed + i + SEED_STRIDE * rep
                if (text, seed) in done:
                    continue
                row = generate_row(name, model, text, seed, frames_name(i, rep), extra, args, teacher_pixels)
                rows.append({**row, 'rep': rep})
                results[name] = {'label': label, 'model': model, 'options': extra, 'clips': rows}
                with open(path, 'w') as f:
                    json.dump(results, f, indent=1)
                print(f'{name} seed {rep + 1}/{args.seeds} {i + 1}/{len(prompts)} '
                      f'{"".join("+" if v else "-" for v in row["ok"].values())} {row["engine_seconds"]:.2f}s {text}',
                      flush=True)
        d = info['defaults']
        attention = d.get('attention')
        if extra and extra[0] == '--attention':
            attention = json.load(open(extra[1][1:]))
        steps = d['steps']
        grid = [(d['frames'] - 1) // 4 + 1, d['height'] // 16, d['width'] // 16]
        results[name]['sparsity'] = sparsity(attention, steps, info['dit']['layers'], info['dit']['heads'], grid)
        results[name]['defaults'] = {k: d[k] for k in ('sampler', 'steps', 'guidance', 'shift')}
        with open(path, 'w') as f:
            json.dump(results, f, indent=1)
    return results


def bench(args):
    path = os.path.join(args.out, 'results.json')
    with open(path) as f:
        results = json.load(f)
    prompt = held_out_prompts()[0][0]
    times = {name: [] for name, *_ in VARIANTS if name in args.variants and name in results}
    for rep in range(args.bench):
        for name, _, folder, extra in VARIANTS:
            if name not in times:
                continue
            extra = [e.replace('{runs}', args.runs) for e in extra]
            with tempfile.TemporaryDirectory() as tmp:
                t0 = time.time()
                r = engine.generate(prompt, os.path.join(tmp, 'clip.mp4'), model=os.path.join(args.runs, folder),
                                    seed=args.seed, threads=args.threads or None, extra=extra)
                wall = time.time() - t0
            t = r['timings']
            times[name].append({'engine': t['textSeconds'] + t['denoiseSeconds'] + t['decodeSeconds'],
                                'denoise': t['denoiseSeconds'], 'decode': t['decodeSeconds'], 'cli': wall})
            print(f'bench {name} {rep + 1}/{args.bench}: {times[name][-1]}', flush=True)
    for name, rows in times.items():
        results[name]['bench'] = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
        results[name]['bench']['runs'] = len(rows)
    with open(path, 'w') as f:
        json.dump(results, f, indent=1)
    return results


def reanalyse(out):
    """Detector results again from <out>/frames (after a detector change), same clips."""
    from .detect.detector import Clip
    path = os.path.join(out, 'results.json')
    with open(path) as f:
        results = json.load(f)
    for name, r in results.items():
        for i, row in enumerate(r['clips']):
            raw = open(os.path.join(out, 'frames', name, row.get('frames', f'{i:02d}.rgb')), 'rb').read()
            n = 128 * 128 * 3
            measured = analyse(Clip([raw[k:k + n] for k in range(0, len(raw), n)], 128, 128))
            row['ok'] = check(parse_prompt(row['prompt']), measured)
            row['measured'] = {k: measured.get(k) for k in ('count', 'shape', 'colour', 'motion', 'size', 'background')}
    with open(path, 'w') as f:
        json.dump(results, f, indent=1)
    return results


def summarise(results):
    """Per variant: accuracy (core attributes), per attribute, distance, sparsity, times."""
    out = {}
    for name, r in results.items():
        rows = r['clips']
        per = {}
        for k in CORE + ('background', 'size'):
            vals = [row['ok'][k] for row in rows if k in row['ok']]
            if vals:
                per[k] = sum(vals) / len(vals)
        core = [row['ok'][k] for row in rows for k in CORE]
        dists = [row['distance_to_teacher'] for row in rows if row['distance_to_teacher'] is not None]
        by_rep = {}
        for row in rows:
            by_rep.setdefault(row.get('rep', 0), []).extend(row['ok'][k] for k in CORE)
        out[name] = {
            'label': r['label'], 'clips': len(rows), 'accuracy': sum(core) / max(1, len(core)), 'per_attribute': per,
            'prompts': len({row['prompt'] for row in rows}), 'first_seed': min(row['seed'] for row in rows),
            'accuracy_by_seed': [sum(v) / len(v) for _, v in sorted(by_rep.items())],
            'clips_all_core_right': sum(all(row['ok'][k] for k in CORE) for row in rows) / max(1, len(rows)),
            'distance_to_teacher': statistics.mean(dists) if dists else None,
            'sparsity': r.get('sparsity', 0.0), 'defaults': r.get('defaults'),
            'engine_seconds_median': statistics.median(row['engine_seconds'] for row in rows),
            'denoise_seconds_median': statistics.median(row['timings']['denoiseSeconds'] for row in rows),
            'cli_seconds_median': statistics.median(row['cli_seconds'] for row in rows),
            'bench': r.get('bench'),
        }
        if r.get('bench'):   # the dedicated timing runs replace the timings taken during evaluation
            out[name]['engine_seconds_median'] = r['bench']['engine']
            out[name]['denoise_seconds_median'] = r['bench']['denoise']
            out[name]['cli_seconds_median'] = r['bench']['cli']
    return out


if __name__ == '__main__':
    main()
