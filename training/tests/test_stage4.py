"""The GPU job's machinery on the CPU at toy sizes: the retry of a failed stage, the shared
latent cache, the caption bank, periodic exports and text encoders read from a model folder.
(CUDA graphs need a GPU; on the CPU graphs.trainable must hand back the eager pass.)"""
import json
import os
import unittest

import torch

from training import graphs, train_dit, train_text
from training.gpu import stage4
from training.tests.util import TinyTeacherTest


def entries(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


class Stage4Test(TinyTeacherTest):

    def stage_args(self, out, extra=()):
        return ['--tiny', '--steps', '6', '--batch', '4', '--vae', self.model, '--text', self.model,
                '--init', self.model, '--out', out, '--latent-cache', f'{self.r}/latents.pkl'] + list(extra)

    def test_cache_bank_and_checkpoints(self):
        out = f'{self.r}/t1'
        train_dit.main(self.stage_args(out, ['--caption-bank', '3', '--checkpoint-every', '1e-6']))
        self.assertTrue(os.path.exists(f'{self.r}/latents.pkl'))
        log = entries(f'{out}/log.jsonl')
        self.assertEqual(sum('checkpoint' in e for e in log), 6)
        self.assertTrue(all(e['loss'] == e['loss'] for e in log if 'loss' in e))
        with open(f'{out}/model/tessera.json') as f:
            self.assertEqual(json.load(f)['defaults']['sampler'], 'unipc')
        # a second process-like run reads the same latents from the cache
        train_dit._CACHE.clear()
        train_dit.main(self.stage_args(f'{self.r}/t2', ['--caption-bank', '2']))
        first, second = (entries(f'{self.r}/{d}/log.jsonl') for d in ('t1', 't2'))
        shape = lambda log: next(e['latents'] for e in log if 'latents' in e)
        self.assertEqual(shape(first), shape(second))

    def test_bank_batches(self):
        train_dit._CACHE.clear()
        p = train_dit.add_common(__import__('argparse').ArgumentParser(), 'x')
        p.add_argument('--init')
        args = p.parse_args(self.stage_args(f'{self.r}/t3', ['--caption-bank', '2']))
        _, _, _, t5, tok, _, _, data = train_dit.setup(args, 'teacher')
        x0, caps, ctx = data.batch(16, drop=0.5)
        self.assertIsNone(caps)
        self.assertEqual(x0.shape[0], 16)
        self.assertEqual(tuple(ctx.shape[1:]), tuple(data.bank.shape[2:]))
        empty = data.text(['']).float()
        dropped = [bool(torch.equal(c, empty[0])) for c in ctx]
        self.assertTrue(any(dropped) and not all(dropped), dropped)
        train_dit._CACHE.clear()

    def test_text_encoder_from_model_folder(self):
        a, tok_a = train_text.load(f'{self.r}/text')
        b, tok_b = train_text.load(self.model)
        ids = torch.tensor([tok_a.encode('a red ball bouncing')])
        mask = torch.ones_like(ids)
        self.assertEqual(tok_a.vocab, tok_b.vocab)
        self.assertTrue(torch.allclose(a(ids, mask), b(ids, mask)))
        # the text encoder alone: a folder without its DiT and VAE files still gives it (run 8 of
        # NOTES.md lost its call to a loader that read the whole folder)
        import shutil
        slim = f'{self.r}/slim'
        shutil.copytree(self.model, slim)
        for name in ('Wan2.1_VAE.safetensors', 'diffusion_pytorch_model.safetensors'):
            os.remove(os.path.join(slim, name))
        c, _ = train_text.load(slim)
        self.assertTrue(torch.allclose(a(ids, mask), c(ids, mask)))

    def test_graphs_fall_back_to_eager_on_cpu(self):
        from training import stage_io
        dit = stage_io.load_dit(self.model, 'cpu')
        f = graphs.trainable(dit, None, (torch.zeros(1),), lambda: None, print)
        self.assertIsInstance(f, graphs.Bound)

    def test_failed_stage_runs_again_eager(self):
        out = f'{self.r}/retry'
        job = stage4.Job(out, __import__('time').time())
        argv = lambda attempt: (['--no-such-option'] if attempt == 0 else []) + self.stage_args(f'{out}/teacher') + \
            ['--graphs', 'auto' if attempt == 0 else 'off']
        ok = stage4.run_stage(job, 'teacher', 'training.train_dit', argv, __import__('time').time() + 120, min_left=1)
        self.assertTrue(ok)
        notes = [e for e in entries(f'{out}/job.jsonl') if 'rc' in e]
        self.assertEqual([(e['attempt'], e['rc'] == 0) for e in notes], [(0, False), (1, True)])
        self.assertTrue(os.path.exists(f'{out}/teacher/model/tessera.json'))

    def test_whole_job_returns_few_files(self):
        """The tiny job end to end: everything the tool can return (at most 8 files, one of them
        the command's log) holds the teacher folder, the student deltas and the logs."""
        import subprocess
        out, runs = f'{self.r}/job_out', f'{self.r}/job_runs'
        stage4.main(['--init', self.model, '--runs', runs, '--out', out, '--seconds', '45', '--tiny', '--clips', '32',
                     '--batch', '4', '--student-batch', '4', '--side-batch', '4', '--trajectories', '8',
                     '--decoder-end', '0.5', '--decoder-batch', '2', '--teacher-graphs', 'compile'])
        files = sorted(os.listdir(out))
        self.assertLessEqual(len(files), stage4.MAX_FILES, files)
        back = f'{self.r}/back'
        os.makedirs(back)
        for name in ('teacher', 'results'):
            parts = sorted(os.path.join(out, f) for f in files if f.startswith(f'{name}.tgz.part-'))
            self.assertTrue(parts, files)
            subprocess.run(f'cat {" ".join(parts)} | tar xz -C {back}', shell=True, check=True)
        with open(f'{back}/pack/index.json') as f:
            self.assertEqual(sorted(json.load(f)), ['mcd2', 'mcd4', 'sta'])
        self.assertTrue(os.path.exists(f'{back}/teacher/model/tessera.json'))
        self.assertTrue(os.path.exists(f'{back}/mcd4/log.jsonl'))
        self.assertTrue(os.path.exists(f'{back}/decoder/vae.safetensors'))   # the tuned decoder

    def test_students_only_job(self):
        """--teacher-end 0: the latent set is encoded once by its own stage, then the students run
        from --init; nothing of the teacher comes back."""
        out, runs = f'{self.r}/students_out', f'{self.r}/students_runs'
        stage4.main(['--init', self.model, '--runs', runs, '--out', out, '--seconds', '40', '--tiny', '--clips', '32',
                     '--teacher-end', '0', '--students', 'mcd4', 'sta', '--student-batch', '4', '--side-batch', '4',
                     '--trajectories', '8'])
        notes = entries(f'{out}/job.jsonl')
        self.assertIn(('latents', 0), [(e['stage'], e['rc']) for e in notes if 'rc' in e])
        self.assertNotIn('teacher', [e.get('stage') for e in notes])
        self.assertFalse([f for f in os.listdir(out) if f.startswith('teacher')])
        self.assertEqual(next(e['students'] for e in notes if 'students' in e), {'mcd4': True, 'sta': True})

    def test_decoder_only_job(self):
        """--teacher-end 0 and no students: only the decoder trains (with its trail weights) and comes
        back; no latent set is encoded."""
        import subprocess
        out, runs = f'{self.r}/decoder_out', f'{self.r}/decoder_runs'
        stage4.main(['--init', self.model, '--runs', runs, '--out', out, '--seconds', '30', '--tiny', '--teacher-end',
                     '0', '--students', '--decoder-end', '0.6', '--decoder-batch', '2', '--decoder-trail', '5'])
        notes = entries(f'{out}/job.jsonl')
        self.assertEqual([(e['stage'], e['rc']) for e in notes if 'rc' in e], [('decoder', 0)])
        self.assertIn('--trail-weight', next(e['argv'] for e in notes if e.get('stage') == 'decoder'))
        back = f'{self.r}/decoder_back'
        os.makedirs(back)
        subprocess.run(f'cat {out}/results.tgz.part-* | tar xz -C {back}', shell=True, check=True)
        self.assertTrue(os.path.exists(f'{back}/decoder/vae.safetensors'))

    def test_all_stages_fail_returns_false(self):
        out = f'{self.r}/fail'
        job = stage4.Job(out, __import__('time').time())
        ok = stage4.run_stage(job, 'x', 'training.train_dit', lambda attempt: ['--no-such-option'],
                              __import__('time').time() + 60, min_left=1)
        self.assertFalse(ok)


if __name__ == '__main__':
    unittest.main()
