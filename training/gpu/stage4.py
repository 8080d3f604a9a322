"""One GPU call of runs 4 to 9: continues a teacher, then trains the STA fine-tune and the MCD
students side by side (--students picks which), and packs everything for the trip back. The VAE's
encoder and the text encoder are kept, so the teacher's latents do not move; with --decoder-end
the VAE's decoder is fine-tuned alongside (training/tune_decoder.py).

Every stage runs in its own process (the GPU is launch-bound at this model size, so processes
running side by side add up; a crash or a hang costs one stage, not the job), under an absolute
deadline, with CUDA graphs that fall back to eager (training/graphs.py); a stage that exits with
an error runs once more in eager mode, the teacher from its last periodic export. Logs go to
<out>/logs as they are written and the teacher folder is packed as soon as it exists, so a call
killed at its limit still returns what was done. The device tool brings back at most 8 files from
<out> (run 4 lost its students to that limit: NOTES.md), so the job writes exactly 7 (MAX_FILES):
job.jsonl, stages.log (every stage's output, line by line), gpu.csv, teacher.tgz.part-aa/ab and
results.tgz.part-aa/ab (the student deltas, the tuned decoder and the stages' logs); the command's
own log is the 8th.

  python3 -m training.gpu.stage4 --init runs3/teacher/model --runs /tmp/runs --out $OUT --seconds 540
  # students only, from a finished teacher (runs 8 and 9):
  python3 -m training.gpu.stage4 --init runs7/teacher/model --teacher-end 0 --students mcd4 --graphs compile ...
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAX_FILES = 7
PART = '15m'    # the tool returns files up to 16 MiB


class Job:
    def __init__(self, out, start):
        self.out, self.start = out, start
        self.lock = threading.Lock()
        os.makedirs(out, exist_ok=True)

    def note(self, **kv):
        line = json.dumps({'t': round(time.time() - self.start, 1), **kv})
        with self.lock:
            print(line, flush=True)
            with open(os.path.join(self.out, 'job.jsonl'), 'a') as f:
                f.write(line + '\n')


def run_stage(job, name, module, argv_for, kill_at, min_left=25):
    """Runs `python -m module argv_for(attempt)` until it exits or kill_at; a failed first attempt
    (graphs on) is followed by an eager one while at least min_left seconds are left. True on success."""
    for attempt in (0, 1):
        left = kill_at - time.time()
        if left < min_left:
            job.note(stage=name, attempt=attempt, skipped='no time left')
            return False
        argv = argv_for(attempt)
        job.note(stage=name, attempt=attempt, argv=argv)
        # one file for every stage: the tool returns few files, and lines of a few processes
        # appended to one file stay whole (each print is one write)
        with open(os.path.join(job.out, 'stages.log'), 'a') as log:
            log.write(f'### {name} attempt {attempt}\n')
            log.flush()
            p = subprocess.Popen([sys.executable, '-u', '-m', module] + argv, stdout=log, stderr=subprocess.STDOUT,
                                 cwd=ROOT)
            try:
                rc = p.wait(timeout=left)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                rc = 'killed at the stage limit'
        job.note(stage=name, attempt=attempt, rc=rc)
        if rc == 0:
            return True
    return False


def tar_parts(src_root, members, prefix):
    """tar.gz of members (relative to src_root) split into PART-sized parts prefix.part-aa, ..."""
    members = [m for m in members if os.path.exists(os.path.join(src_root, m))]
    if not members:
        return
    with subprocess.Popen(['tar', 'czf', '-', '-C', src_root] + members, stdout=subprocess.PIPE) as tar:
        subprocess.run(['split', '-b', PART, '-', prefix + '.part-'], stdin=tar.stdout, check=True)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--init', required=True, help="the teacher's model folder (DiT, VAE, text encoder)")
    p.add_argument('--vae', default='', help='VAE folder the stages export with (default: --init\'s); its encoder '
                                             'must be --init\'s')
    p.add_argument('--runs', default='/tmp/runs')
    p.add_argument('--out', default='/tmp/out')
    p.add_argument('--seconds', type=float, default=540, help='whole job, packing included')
    p.add_argument('--teacher-end', type=float, default=0.60,
                   help='fractions of the job: teacher training ends (0: no teacher training, students from --init)')
    p.add_argument('--students-end', type=float, default=0.90, help='STA / MCD training ends')
    p.add_argument('--kill', type=float, default=0.95, help='stages still running are stopped')
    p.add_argument('--clips', type=int, default=16000)
    p.add_argument('--batch', type=int, default=512, help='teacher batch')
    p.add_argument('--lr', type=float, default=5e-4, help='teacher peak learning rate')
    p.add_argument('--student-batch', type=int, default=256)
    p.add_argument('--side-batch', type=int, default=128, help='STA fine-tune and 2-step student')
    p.add_argument('--trajectories', type=int, default=2048, help="the 4-step student's (the 2-step gets half)")
    p.add_argument('--students', nargs='*', default=['sta', 'mcd4', 'mcd2'], choices=('sta', 'mcd4', 'mcd2'))
    p.add_argument('--decoder-end', type=float, default=0.0,
                   help='fraction of the job where decoder fine-tuning (from the start) ends; 0 = none')
    p.add_argument('--decoder-batch', type=int, default=8)
    p.add_argument('--decoder-trail', type=float, default=0.0, help="tune_decoder's --trail-weight")
    p.add_argument('--graphs', choices=('auto', 'compile', 'off'), default='auto')
    p.add_argument('--teacher-graphs', choices=('auto', 'compile', 'off'), default=None,
                   help="the teacher stage's --graphs (default: --graphs)")
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--tiny', action='store_true', help='CPU smoke run')
    a = p.parse_args(argv)
    start = time.time()
    at = lambda frac: start + frac * a.seconds
    job = Job(a.out, start)
    r, init = os.path.abspath(a.runs), os.path.abspath(a.init)
    vae = os.path.abspath(a.vae) if a.vae else init
    os.makedirs(r, exist_ok=True)
    job.note(job='stage4', args=vars(a))
    smi = None
    if shutil.which('nvidia-smi'):
        smi_log = open(os.path.join(a.out, 'gpu.csv'), 'w')
        smi = subprocess.Popen(['nvidia-smi', '--query-gpu=timestamp,utilization.gpu,memory.used', '--format=csv',
                                '-l', '5'], stdout=smi_log, stderr=subprocess.STDOUT)
    tiny = ['--tiny'] if a.tiny else []
    base = ['--seed', str(a.seed), '--vae', vae, '--text', init, '--clips', str(a.clips),
            '--latent-cache', f'{r}/latents.pkl', '--steps', '100000', '--checkpoint-every', '60'] + tiny
    graphs = lambda attempt, mode=a.graphs: ['--graphs', mode if attempt == 0 else 'off']   # a retry runs eager

    side = []   # stages running beside the teacher
    if a.decoder_end > 0:
        argv = lambda attempt: ['--seed', str(a.seed), '--init', vae, '--out', f'{r}/decoder', '--batch',
                                str(a.decoder_batch), '--deadline', str(at(a.decoder_end)),
                                '--trail-weight', str(a.decoder_trail)] + tiny
        side.append(threading.Thread(target=run_stage, args=(job, 'decoder', 'training.tune_decoder', argv,
                                                             min(at(a.decoder_end) + 30, at(a.kill)), 5)))
    for t in side:
        t.start()

    # 1. the teacher, continued (on a retry: from its last periodic export, if any)
    def teacher_argv(attempt):
        start_from = f'{r}/teacher/model' if attempt and os.path.exists(f'{r}/teacher/model') else init
        return base + graphs(attempt, a.teacher_graphs or a.graphs) + [
            '--init', start_from, '--out', f'{r}/teacher', '--deadline', str(at(a.teacher_end)), '--batch',
            str(a.batch), '--lr', str(a.lr), '--caption-bank', '8']
    min_left = min(25.0, 0.05 * a.seconds)
    if a.teacher_end > 0:
        ok = run_stage(job, 'teacher', 'training.train_dit', teacher_argv, at(a.teacher_end) + 30, min_left)
    elif not a.students:   # a decoder-only job
        ok = True
    else:   # students only: encode the shared latent set once, before they start side by side
        ok = run_stage(job, 'latents', 'training.latents', lambda attempt: [
            '--vae', vae, '--text', init, '--clips', str(a.clips), '--seed', str(a.seed), '--cache',
            f'{r}/latents.pkl'] + tiny, at(a.kill), min_left)
    teacher = f'{r}/teacher' if os.path.exists(f'{r}/teacher/model') else init
    job.note(teacher=teacher, finished=ok)
    packer = threading.Thread(target=tar_parts, args=(r, ['teacher/model'], os.path.join(a.out, 'teacher.tgz')))
    packer.start()

    # 2. side by side: STA fine-tuning, the 4-step student (the shipped one), the 2-step student
    end, kill = str(at(a.students_end)), at(a.kill)
    mcd_end = str(at(a.students_end) + 8)   # distill_mcd keeps 8 s of its deadline for export
    stages = {
        'sta': ('training.finetune_sta', lambda attempt: base + graphs(attempt) + [
            '--teacher', teacher, '--out', f'{r}/sta', '--deadline', end, '--batch', str(a.side_batch),
            '--lr', '2e-4', '--caption-bank', '4']),
        'mcd4': ('training.distill_mcd', lambda attempt: base + graphs(attempt) + [
            '--teacher', teacher, '--init', teacher, '--out', f'{r}/mcd4', '--segments', '4', '--substeps', '12',
            '--trajectories', str(a.trajectories), '--traj-chunk', '512', '--lr', '2e-4',
            '--batch', str(a.student_batch), '--deadline', mcd_end, '--eval']),
        'mcd2': ('training.distill_mcd', lambda attempt: base + graphs(attempt) + [
            '--teacher', teacher, '--init', teacher, '--out', f'{r}/mcd2', '--segments', '2', '--substeps', '24',
            '--trajectories', str(a.trajectories // 2), '--traj-chunk', '512', '--lr', '2e-4',
            '--batch', str(a.side_batch), '--deadline', mcd_end]),
    }
    stages = {k: v for k, v in stages.items() if k in a.students}
    results = {}
    threads = [threading.Thread(target=lambda n=n, m=m, f=f: results.__setitem__(n, run_stage(job, n, m, f, kill, min_left)))
               for n, (m, f) in stages.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    packer.join()
    for t in side:
        t.join()
    job.note(students=results)

    # 3. the students as deltas against the teacher folder sent back, with the stages' logs, in one tar
    from training import pack
    variants = {'sta': f'{r}/sta/model', 'mcd4': f'{r}/mcd4/4step/model', 'mcd2': f'{r}/mcd2/2step/model'}
    variants = {k: v for k, v in variants.items() if os.path.exists(os.path.join(v, 'tessera.json'))}
    base_model = f'{teacher}/model' if teacher != init else init
    try:
        pack.pack(base_model, variants, f'{r}/pack')
        job.note(packed=sorted(variants), base=base_model)
    except Exception as e:   # noqa: BLE001 - keep what was already returned
        job.note(pack_failed=repr(e))
    logs = [os.path.join(stage, f) for stage in ('teacher', 'sta', 'mcd4', 'mcd2', 'mcd4/4step', 'mcd2/2step')
            for f in ('log.jsonl', 'quick_eval.json', 'sheet.ppm')]
    tar_parts(r, ['pack', 'decoder'] + logs, os.path.join(a.out, 'results.tgz'))
    files = sorted(os.path.relpath(os.path.join(d, f), a.out) for d, _, fs in os.walk(a.out) for f in fs)
    job.note(out_files=files)
    if len(files) > MAX_FILES:
        job.note(warning=f'{len(files)} files under out, the tool returns 8')
    if smi:
        smi.terminate()
    job.note(done=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
