"""Runs the native engine through the CLI (what users run): `node bin/tessera.js generate`.
The addon and the compiled CLI come from the repository's build (npm run build); TESSERA_ADDON
overrides the addon path as in app/engine/native.ts."""
import json
import os
import pathlib
import shutil
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[1]
CLI = ROOT / 'bin' / 'tessera.js'


def available():
    """None when the CLI can run, else why not."""
    if shutil.which('node') is None:
        return 'node is not installed'
    if not (ROOT / 'dist' / 'app' / 'cli' / 'main.js').exists():
        return 'the CLI is not built (npm run build)'
    r = subprocess.run(['node', str(CLI), 'info', '--model', str(ROOT / 'training')], capture_output=True, text=True)
    if 'ADDON_LOAD_FAILED' in r.stderr:
        return 'the native addon is not built (npm run build:native)'
    return None


def generate(prompt, out, model=None, seed=0, threads=None, fmt=None, extra=(), timeout=900):
    """Runs one generation; returns the CLI's JSON summary (timings, settings)."""
    cmd = ['node', str(CLI), 'generate', '--prompt', prompt, '--seed', str(seed), '--out', str(out),
           '--quiet', '--json', '--backend', 'cpu']
    if model:
        cmd += ['--model', str(model)]
    if threads:
        cmd += ['--threads', str(threads)]
    if fmt:
        cmd += ['--format', fmt]
    cmd += list(extra)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f'tessera generate failed ({r.returncode}): {r.stderr.strip()}')
    return json.loads(r.stdout.strip().splitlines()[-1])


def info(model):
    r = subprocess.run(['node', str(CLI), 'info', '--model', str(model)], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f'tessera info failed: {r.stderr.strip()}')
    return json.loads(r.stdout)


def png_frames(folder):
    """rgb24 frames of a PNG folder written by `generate --format png`."""
    from .detect.detector import read_clip
    return read_clip(os.path.join(str(folder), 'frame_%05d.png'))
