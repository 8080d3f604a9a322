"""What both peer scripts need: CUDA-event timing of the PyTorch peers, and tessera_bench's JSON
cases, so that our kernels and models print beside PyTorch's from the same run."""
import json
import os
import subprocess
import tempfile

import torch


def median_ms(fn, warmup, reps):
    """Median milliseconds of fn() over reps calls (CUDA events), after warmup calls."""
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        torch.cuda.synchronize()
        times.append(a.elapsed_time(b))
    times.sort()
    return times[len(times) // 2]


def run_cases(bench, args, echo=False):
    """tessera_bench's cases (dicts with name, median_ms, gflops, note, ...), [] if it failed."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, 'cases.json')
        proc = subprocess.run([bench] + list(args) + ['--json', out], capture_output=True, text=True)
        if echo:
            print(proc.stdout, flush=True)
        if proc.returncode != 0 or not os.path.exists(out):
            print(f'tessera_bench failed ({proc.returncode}): {proc.stderr[-400:]}', flush=True)
            return []
        with open(out) as f:
            return json.load(f)['cases']
