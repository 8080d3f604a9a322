"""Every training stage runs end to end at toy sizes on the CPU (VAE, text encoder, teacher,
STA fine-tuning, MCD students), losses stay finite, and the exported folders load in the engine."""
import json
import os
import tempfile
import unittest

from training import distill_mcd, engine, finetune_sta, train_dit, train_text, train_vae


def entries(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


class StagesSmokeTest(unittest.TestCase):
    def test_pipeline(self):
        with tempfile.TemporaryDirectory() as r:
            train_vae.main(['--tiny', '--steps', '3', '--batch', '2', '--out', f'{r}/vae', '--stat-clips', '8'])
            train_text.main(['--steps', '3', '--batch', '8', '--out', f'{r}/text'])
            common = ['--tiny', '--steps', '3', '--batch', '4', '--vae', f'{r}/vae', '--text', f'{r}/text']
            train_dit.main(common + ['--out', f'{r}/teacher'])
            finetune_sta.main(common + ['--teacher', f'{r}/teacher', '--out', f'{r}/sta'])
            distill_mcd.main(common + ['--teacher', f'{r}/teacher', '--init', f'{r}/sta', '--out', f'{r}/mcd',
                                       '--substeps', '2'])
            for stage in ('teacher', 'sta', 'mcd'):
                log = entries(f'{r}/{stage}/log.jsonl')
                self.assertTrue(any(e.get('done') for e in log), log[-1])
                self.assertTrue(any('exported' in e for e in log), log[-1])
            for folder, sampler, steps in ((f'{r}/teacher/model', 'unipc', 50), (f'{r}/sta/model', 'unipc', 50),
                                           (f'{r}/mcd/4step/model', 'euler', 4), (f'{r}/mcd/2step/model', 'euler', 2)):
                with open(os.path.join(folder, 'tessera.json')) as f:
                    d = json.load(f)['defaults']
                self.assertEqual((d['sampler'], d['steps']), (sampler, steps))
                if engine.available() is None:
                    info = engine.info(folder)['model']
                    self.assertEqual(info['defaults']['steps'], steps)


if __name__ == '__main__':
    unittest.main()
