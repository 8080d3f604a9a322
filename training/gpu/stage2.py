"""The second GPU job, all stages in one process (they share the latent set) under one deadline:
the VAE continued on whole 17-frame clips, the teacher continued on the new latents, STA
fine-tuning, MCD 4-step and 2-step students; then the folders are packed for the trip back.

  python3 -m training.gpu.stage2 --runs /tmp/runs --init runs --out $OUT --seconds 300
"""
import argparse
import os
import subprocess
import sys
import time

from .. import distill_mcd, finetune_sta, pack, train_dit, train_vae


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--runs', default='/tmp/runs')
    p.add_argument('--init', default='runs', help='folder with stage-1 results (vae/, text/, teacher/model)')
    p.add_argument('--out', default='/tmp/out')
    p.add_argument('--seconds', type=float, default=300, help='whole job, export and packing included')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--tiny', action='store_true')
    p.add_argument('--vae-init', default='vae', help='under --init: a VAE stage folder or a model folder')
    p.add_argument('--vae-end', type=float, default=0.15, help='fractions of the job at which stages stop training')
    p.add_argument('--teacher-end', type=float, default=0.45)
    p.add_argument('--sta-end', type=float, default=0.58)
    p.add_argument('--vae-batch', type=int, default=8)
    p.add_argument('--vae-crop', type=int, default=0)
    p.add_argument('--batch', type=int, default=128, help='DiT stages')
    a = p.parse_args()
    start = time.time()
    end = start + a.seconds
    r, i, seed = a.runs, a.init, str(a.seed)
    tiny = ['--tiny'] if a.tiny else []
    at = lambda frac: str(start + frac * (end - start))
    t = lambda: f'{time.time() - start:.0f}s'
    print('vae', t(), flush=True)
    train_vae.main(['--seed', seed, '--init', f'{i}/{a.vae_init}', '--out', f'{r}/vae', '--steps', '100000',
                    '--deadline', at(a.vae_end), '--batch', str(a.vae_batch), '--crop', str(a.vae_crop),
                    '--lr', '5e-4', '--stat-clips', '256'] + tiny)
    common = ['--seed', seed, '--vae', f'{r}/vae', '--text', f'{i}/text', '--clips', '8000', '--eval'] + tiny
    print('teacher', t(), flush=True)
    train_dit.main(common + ['--init', f'{i}/teacher/model', '--out', f'{r}/teacher', '--steps', '100000',
                             '--deadline', at(a.teacher_end), '--lr', '4e-4', '--batch', str(a.batch)])
    print('sta', t(), flush=True)
    finetune_sta.main(common + ['--teacher', f'{r}/teacher', '--out', f'{r}/sta', '--steps', '100000',
                                '--deadline', at(a.sta_end), '--batch', str(a.batch)])
    print('mcd', t(), flush=True)
    distill_mcd.main(common + ['--teacher', f'{r}/teacher', '--init', f'{r}/sta', '--out', f'{r}/mcd', '--steps', '100000',
                               '--deadline', at(0.95), '--trajectories', '1024', '--lr', '2e-4',
                               '--batch', str(a.batch)])
    print('pack', t(), flush=True)
    pk = f'{r}/pack'
    pack.pack(f'{r}/teacher/model', {'sta': f'{r}/sta/model', 'mcd4': f'{r}/mcd/4step/model',
                                     'mcd2': f'{r}/mcd/2step/model'}, pk)
    files = ['teacher/model', 'pack', 'vae/vae.json', 'vae/log.jsonl', 'teacher/log.jsonl', 'teacher/quick_eval.json',
             'teacher/sheet.ppm', 'sta/log.jsonl', 'sta/quick_eval.json', 'sta/sheet.ppm', 'mcd/log.jsonl',
             'mcd/4step/quick_eval.json', 'mcd/4step/sheet.ppm', 'mcd/2step/quick_eval.json', 'mcd/2step/sheet.ppm']
    files = [f for f in files if os.path.exists(os.path.join(r, f))]
    os.makedirs(a.out, exist_ok=True)
    tar = subprocess.Popen(['tar', 'czf', '-', '-C', r] + files, stdout=subprocess.PIPE)
    subprocess.run(['split', '-b', '15m', '-', os.path.join(a.out, 'stage2.tgz.part-')], stdin=tar.stdout, check=True)
    tar.wait()
    print('done', t(), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
