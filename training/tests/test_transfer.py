"""transfer.py: new_base + scale * (variant - old_base) on every DiT tensor, the variant's settings,
the new base's other files; and the validation prompts stay apart from the held-out ones."""
import json
import os
import shutil
import tempfile
import unittest

import torch

from training import transfer
from training.data.captions import held_out_prompts, normalise, validation_prompts
from training.export import DIT_FILE
from training.wan import safetensors_io as st


def folder(root, name, weights, defaults):
    d = os.path.join(root, name)
    os.makedirs(d)
    st.save(weights, os.path.join(d, DIT_FILE))
    for f in ('config.json', 'tessera.json'):
        with open(os.path.join(d, f), 'w') as fh:
            json.dump({'name': name, 'defaults': defaults}, fh)
    with open(os.path.join(d, 'Wan2.1_VAE.safetensors'), 'w') as fh:
        fh.write(name)
    return d


class TransferTest(unittest.TestCase):
    def test_task_vector(self):
        g = torch.Generator().manual_seed(0)
        w = lambda: {'a.weight': torch.randn(4, 3, generator=g).to(torch.bfloat16), 'b': torch.randn(5, generator=g)}
        with tempfile.TemporaryDirectory() as r:
            old, var, new = w(), w(), w()
            o = folder(r, 'old', old, {'steps': 50})
            v = folder(r, 'variant', var, {'steps': 4})
            n = folder(r, 'new', new, {'steps': 50})
            out = transfer.transfer(o, v, n, os.path.join(r, 'out'), scale=1.5)
            got = st.load(os.path.join(out, DIT_FILE))
            for k in new:
                want = (new[k].float() + 1.5 * (var[k].float() - old[k].float())).to(new[k].dtype)
                self.assertEqual(got[k].dtype, new[k].dtype)
                self.assertTrue(torch.equal(got[k], want), k)
            with open(os.path.join(out, 'tessera.json')) as f:
                t = json.load(f)
            self.assertEqual((t['defaults']['steps'], t['transfer']['scale']), (4, 1.5))
            with open(os.path.join(out, 'Wan2.1_VAE.safetensors')) as f:
                self.assertEqual(f.read(), 'new')
            shutil.rmtree(out)
            bad = folder(r, 'bad', {'a.weight': old['a.weight']}, {})
            with self.assertRaises(ValueError):
                transfer.transfer(o, bad, n, out)

    def test_validation_prompts_are_not_held_out(self):
        held = {normalise(t) for t, _ in held_out_prompts()}
        val = validation_prompts(48)
        self.assertEqual(len({normalise(t) for t, _ in val}), 48)
        self.assertFalse(held & {normalise(t) for t, _ in val})
        self.assertEqual(validation_prompts(24), val[:24])


if __name__ == '__main__':
    unittest.main()
