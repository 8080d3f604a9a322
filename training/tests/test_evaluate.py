"""evaluate.py with several seeds per prompt, through the real CLI and the built-in model: every
(prompt, seed) clip once, a rerun resumes instead of generating again, the distance to the
"teacher" is exactly 0 when the teacher is the same model with the same seed, the per-seed
accuracies average to the whole, and reanalysing the saved frames gives the same checks.
Skipped when the CLI is not built or PyTorch is missing (the sparsity figure reads the attention
rules with training.wan)."""
import importlib.util
import json
import os
import pathlib
import tempfile
import unittest

from training import engine, evaluate

ASSET = pathlib.Path(engine.ROOT) / 'assets' / 'demo-model'
WHY = engine.available() or (None if importlib.util.find_spec('torch') else 'PyTorch is not installed')


@unittest.skipIf(WHY, WHY)
class EvaluateSeedsTest(unittest.TestCase):
    def test_seeds_resume_distance_and_reanalyse(self):
        with tempfile.TemporaryDirectory() as tmp:
            runs = pathlib.Path(tmp) / 'runs'
            for folder in ('teacher', 'mcd/4step'):   # the same model twice: distances must be 0
                (runs / folder).mkdir(parents=True)
                os.symlink(ASSET, runs / folder / 'model')
            out = pathlib.Path(tmp) / 'eval'
            argv = ['--runs', str(runs), '--out', str(out), '--variants', 'teacher', 'mcd4', '--prompts', '2',
                    '--seeds', '2', '--threads', '1']
            results = evaluate.main(argv)
            for name in ('teacher', 'mcd4'):
                rows = results[name]['clips']
                self.assertEqual(sorted(r['seed'] for r in rows), [100, 101, 1100, 1101])
                self.assertEqual(sorted(r['frames'] for r in rows), ['00.rgb', '00_1.rgb', '01.rgb', '01_1.rgb'])
                for r in rows:
                    self.assertTrue((out / 'frames' / name / r['frames']).is_file())
            self.assertTrue(all(r['distance_to_teacher'] == 0.0 for r in results['mcd4']['clips']))

            frames = sorted((out / 'frames').rglob('*.rgb'))
            written = [f.stat().st_mtime_ns for f in frames]
            again = evaluate.main(argv)   # everything done: no clip is generated again
            self.assertEqual([f.stat().st_mtime_ns for f in frames], written)
            self.assertEqual([r['seed'] for r in again['mcd4']['clips']], [r['seed'] for r in results['mcd4']['clips']])

            s = evaluate.summarise(results)['mcd4']
            self.assertEqual((s['prompts'], s['clips'], len(s['accuracy_by_seed'])), (2, 4, 2))
            self.assertAlmostEqual(sum(s['accuracy_by_seed']) / 2, s['accuracy'])

            before = json.loads((out / 'results.json').read_text())
            after = evaluate.reanalyse(str(out))
            for name in ('teacher', 'mcd4'):
                self.assertEqual([r['ok'] for r in after[name]['clips']], [r['ok'] for r in before[name]['clips']])


if __name__ == '__main__':
    unittest.main()
