"""End to end: the built-in model (assets/demo-model) generates clips from held-out prompts with
the CLI's defaults (what `tessera generate --prompt ...` gives a user), and the detector checks
that they show what the prompts say (colour, shape, count, motion).

The goal of the issue is 80% of those checks, and the test holds it. The shipped model (run 8's
4-step student with run 10's decoder, training/NOTES.md) gets 29 of the 32 (91%) with 1 or 2 engine threads and with
the CPU GEMM capped at AVX-512, AVX2 or generic code (TSR_CPU_ISA); 90.3% over all 24 held-out
prompts at three seeds each (training/RESULTS.md); random weights get 12.5%.
Standard library only (CI has no PyTorch). Skipped when the CLI or the addon is not built,
except under CI (CI=true), where that is a failure."""
import json
import os
import pathlib
import tempfile
import unittest

from training import engine
from training.data.captions import README_PROMPT, held_out_prompts
from training.detect.detector import CORE, analyse, check, read_clip
from training.detect.prompt import parse_prompt

ASSET = pathlib.Path(engine.ROOT) / 'assets' / 'demo-model'
WHY = engine.available()
IN_CI = os.environ.get('CI', '') not in ('', '0', 'false')
# the README's prompt and one held-out prompt of each motion, seeds fixed in advance
PROMPTS = [README_PROMPT] + [t for t, _ in held_out_prompts()[1:8]]
GOAL = 0.8


def trained_model():
    try:
        with open(ASSET / 'tessera.json') as f:
            return json.load(f).get('training') is not None
    except OSError:
        return False


@unittest.skipIf(WHY and not IN_CI, WHY)
class ShippedModelTest(unittest.TestCase):
    def test_shipped_model_follows_prompts(self):
        self.assertIsNone(WHY, WHY)
        self.assertTrue(trained_model(), f'{ASSET} does not hold the trained demo model')
        right = total = 0
        report = []
        with tempfile.TemporaryDirectory() as tmp:
            for i, prompt in enumerate(PROMPTS):
                out = os.path.join(tmp, f'{i}.mp4')
                engine.generate(prompt, out, seed=i + 1, timeout=300)   # the CLI's defaults, the built-in model
                ok = check(parse_prompt(prompt), analyse(read_clip(out)))
                right += sum(ok[k] for k in CORE)
                total += len(CORE)
                report.append(f'{prompt}: ' + ', '.join(f'{k} {"ok" if ok[k] else "WRONG"}' for k in CORE))
        share = right / total
        print(f'\nshipped model: {100 * share:.0f}% of the attributes right (goal {100 * GOAL:.0f}%)')
        self.assertGreaterEqual(share, GOAL, f'{100 * share:.0f}% of the attributes right:\n' + '\n'.join(report))

    def test_shipped_model_size_and_defaults(self):
        size = sum(p.stat().st_size for p in ASSET.rglob('*') if p.is_file())
        self.assertLessEqual(size, 30 * 1024 * 1024, f'{size / 2 ** 20:.1f} MB')
        with open(ASSET / 'tessera.json') as f:
            d = json.load(f)['defaults']
        self.assertEqual((d['sampler'], d['steps'], d['guidance']), ('euler', 4, 1.0))
        self.assertTrue(d['attention']['rules'], 'the student runs with its STA windows')


if __name__ == '__main__':
    unittest.main()
