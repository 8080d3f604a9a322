"""tune_decoder.py trains the decoder only (the latents every DiT learnt do not move), and
swap_vae.py puts the result into a model folder only when its encoder and latent statistics are
that folder's own."""
import json
import os
import unittest

import torch

from training import swap_vae, tune_decoder
from training.export import VAE_FILE
from training.tests.util import TinyTeacherTest
from training.wan import safetensors_io as st


class DecoderTest(TinyTeacherTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        tune_decoder.main(['--tiny', '--init', cls.model, '--out', f'{cls.r}/decoder', '--steps', '3', '--batch', '2',
                           '--lr', '1e-2'])

    def test_only_the_decoder_trains(self):
        before, after = st.load(f'{self.model}/{VAE_FILE}'), st.load(f'{self.r}/decoder/vae.safetensors')
        changed = {k for k in before if not torch.equal(before[k].float(), after[k].float())}
        self.assertTrue(changed)
        self.assertTrue(all(k.startswith(('decoder.', 'conv2.')) for k in changed), sorted(changed)[:5])
        self.assertTrue(any(k.startswith('decoder.') for k in changed))
        with open(f'{self.r}/decoder/log.jsonl') as f:
            last = [json.loads(line) for line in f][-1]
        self.assertIn('recon_accuracy', last)
        self.assertIn('before', last)

    def test_trail_weights_cover_nearby_frames_only(self):
        x = torch.zeros(1, 3, 12, 8, 8)
        for f in range(12):   # a dot moving one pixel right per frame on a black background
            x[0, :, f, 4, f % 8] = 1.0
        obj = tune_decoder.object_mask(x, x)
        t = tune_decoder.trail_weights(tune_decoder.object_weights(obj, 20.0), obj, 5.0, 2)
        self.assertEqual(t[0, 0, 5, 4, 5].item(), 21.0)                 # the object itself: unchanged
        for near in (3, 4, 6, 7):                                      # where it was / will be, 1-2 frames away
            self.assertEqual(t[0, 0, 5, 4, near].item(), 6.0, near)
        self.assertEqual(t[0, 0, 5, 4, 2].item(), 1.0)                 # 3 frames away: background
        self.assertEqual(t[0, 0, 5, 0, 0].item(), 1.0)

    def test_swap_into_model_folder(self):
        out = swap_vae.swap(f'{self.r}/decoder', self.model, f'{self.r}/swapped')
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
            swap_vae.swap(bad, self.model, f'{self.r}/never')
        self.assertFalse(os.path.exists(f'{self.r}/never'))


if __name__ == '__main__':
    unittest.main()
