"""Runs tessera_bench with case filters and returns its JSON cases, so that the peer scripts can
print our kernels and models beside PyTorch's from the same run."""
import json
import os
import subprocess
import tempfile


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
