"""tune_decoder.py trains the decoder only (the latents every DiT learnt do not move), and
swap_vae.py puts the result into a model folder only when its encoder and latent statistics are
that folder's own."""
import json
import os
import tempfile
import unittest

import torch

from training import swap_vae, train_text, train_vae, tune_decoder
from training.export import VAE_FILE, export_folder
from training.stage_io import teacher_defaults, tiny_dit_config
from training.wan import WanDiT
from training.wan import safetensors_io as st


class DecoderTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        r = cls.r = cls.tmp.name
        train_vae.main(['--tiny', '--steps', '2', '--batch', '2', '--out', f'{r}/vae', '--stat-clips', '8'])
        train_text.main(['--steps', '2', '--batch', '8', '--out', f'{r}/text'])
        vae, _ = train_vae.load(f'{r}/vae')
        t5, tok = train_text.load(f'{r}/text')
        dit = WanDiT(**dict(tiny_dit_config(), text_dim=t5.config['dim'])).init_weights()
        export_folder(f'{r}/model', dit, t5, vae, tok, teacher_defaults(9, 32), 'tiny')
        tune_decoder.main(['--tiny', '--init', f'{r}/model', '--out', f'{r}/decoder', '--steps', '3', '--batch', '2',
                           '--lr', '1e-2'])

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_only_the_decoder_trains(self):
        before, after = st.load(f'{self.r}/model/{VAE_FILE}'), st.load(f'{self.r}/decoder/vae.safetensors')
        changed = {k for k in before if not torch.equal(before[k].float(), after[k].float())}
        self.assertTrue(changed)
        self.assertTrue(all(k.startswith(('decoder.', 'conv2.')) for k in changed), sorted(changed)[:5])
        self.assertTrue(any(k.startswith('decoder.') for k in changed))
        with open(f'{self.r}/decoder/log.jsonl') as f:
            last = [json.loads(line) for line in f][-1]
        self.assertIn('recon_accuracy', last)
        self.assertIn('before', last)

    def test_swap_into_model_folder(self):
        out = swap_vae.swap(f'{self.r}/decoder', f'{self.r}/model', f'{self.r}/swapped')
        got, want = st.load(os.path.join(out, VAE_FILE)), st.load(f'{self.r}/decoder/vae.safetensors')
        self.assertTrue(all(torch.equal(got[k], want[k]) for k in want))
        with open(os.path.join(out, 'tessera.json')) as f:
            self.assertEqual(json.load(f)['decoder']['steps'], 3)
        self.assertTrue(os.path.exists(os.path.join(out, 'diffusion_pytorch_model.safetensors')))

    def test_swap_refuses_another_encoder(self):
        bad = f'{self.r}/bad_decoder'
        os.makedirs(bad)
        w = st.load(f'{self.r}/decoder/vae.safetensors')
        k = next(k for k in w if k.startswith('encoder.'))
        w[k] = w[k] + 1
        st.save(w, f'{bad}/vae.safetensors')
        with open(f'{self.r}/decoder/vae.json') as f, open(f'{bad}/vae.json', 'w') as g:
            g.write(f.read())
        with self.assertRaises(ValueError):
            swap_vae.swap(bad, f'{self.r}/model', f'{self.r}/never')
        self.assertFalse(os.path.exists(f'{self.r}/never'))


if __name__ == '__main__':
    unittest.main()
