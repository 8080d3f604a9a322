"""The PyTorch Wan modules against the official reference outputs in ../shared/golden, at the
README's float32 tolerances (DiT, VAE, T5 2e-5; sampler and STA 1e-5). Fixtures are discovered
by name prefix, so new ones are checked without code changes."""
import unittest

import torch

from training.tests.util import GOLDEN, fixture, fixtures, rel_l2
from training.wan import T5Encoder, WanDiT, WanVAE
from training.wan.attention import attention
from training.wan.sampling import unipc_sample
from training.wan.sparse import sta_mask


@unittest.skipUnless(GOLDEN.exists(), f'no golden fixtures at {GOLDEN}')
class GoldenTest(unittest.TestCase):
    def test_dit(self):
        names = fixtures('wan_dit_')
        self.assertTrue(names)
        for name in names:
            io, cfg, w = fixture(name)
            m = WanDiT(**cfg).eval()
            m.load_state_dict(w, strict=True)
            with torch.no_grad():
                out = m(io['x'][None], io['t'], io['context'][None])[0]
            err = rel_l2(out, io['out'])
            self.assertLessEqual(err, 2e-5, f'{name}: rel L2 {err:.2e}')

    def test_dit_batch_and_list_context(self):
        # two different samples in one batch give each sample's own result
        io, cfg, w = fixture('wan_dit_tiny')
        m = WanDiT(**cfg).eval()
        m.load_state_dict(w)
        x2 = torch.randn_like(io['x'])
        with torch.no_grad():
            both = m(torch.stack([io['x'], x2]), torch.cat([io['t'], io['t'] * 0.5]),
                     [io['context'], io['context'][:3]])
            one = m(x2[None], io['t'] * 0.5, io['context'][None, :3])
        self.assertLessEqual(rel_l2(both[0], io['out']), 2e-5)
        self.assertLessEqual(rel_l2(both[1], one[0]), 1e-5)

    def test_vae(self):
        names = fixtures('wan_vae_')
        self.assertTrue(names)
        for name in names:
            io, cfg, w = fixture(name)
            m = WanVAE(**cfg, mean=io['mean'].tolist(), std=io['std'].tolist()).eval()
            m.load_state_dict(w, strict=True)
            with torch.no_grad():
                video = m.decode(io['z'][None])[0]
                chunked = m.decode(io['z'][None], chunked=True)[0]
                mu = m.encode(io['pixels'][None])[0]
            for what, got, want in (('decode', video, io['video']), ('chunked decode', chunked, io['video']),
                                    ('encode', mu, io['latent_mu'])):
                err = rel_l2(got, want)
                self.assertLessEqual(err, 2e-5, f'{name} {what}: rel L2 {err:.2e}')

    def test_t5(self):
        names = fixtures('umt5_')
        self.assertTrue(names)
        for name in names:
            io, cfg, w = fixture(name)
            m = T5Encoder(**cfg).eval()
            m.load_state_dict(w, strict=True)
            ids, mask = io['ids'].long(), io['mask'].long()
            with torch.no_grad():
                out = m(ids, mask)[0]
                real = int(mask.sum())
                alone = m(ids[:, :real])[0]
            err = rel_l2(out, io['out'])
            self.assertLessEqual(err, 2e-5, f'{name}: rel L2 {err:.2e}')
            self.assertLessEqual(rel_l2(alone, io['out'][:real]), 2e-5, f'{name}: real tokens alone')

    def test_unipc(self):
        names = fixtures('flow_unipc_')
        self.assertTrue(names)
        for name in names:
            io, cfg, _ = fixture(name)
            a, c = cfg['a'], io['c'].double()
            seen = []

            def velocity(x, t, i):
                seen.append(t)
                return a * x + torch.sin(torch.tensor(t / 1000 * torch.pi, dtype=torch.float64)) * c
            out = unipc_sample(velocity, io['x_init'].double(), cfg['steps'], cfg['shift'])
            self.assertEqual(seen, io['timesteps'].double().tolist(), name)
            err = rel_l2(out, io['x_final'])
            self.assertLessEqual(err, 1e-5, f'{name}: rel L2 {err:.2e}')

    def test_sta(self):
        names = fixtures('sta_attn_')
        self.assertTrue(names)
        for name in names:
            io, cfg, _ = fixture(name)
            masks = torch.stack([sta_mask(cfg['grid'], cfg['tile'], w) for w in cfg['windows']])
            got = [float(m.float().mean()) for m in masks]
            for g, want in zip(got, cfg['kept_fraction']):
                self.assertAlmostEqual(g, want, places=6)
            out = attention(io['q'][None].double(), io['k'][None].double(), io['v'][None].double(),
                            mask=masks[None])[0]
            err = rel_l2(out, io['out'])
            self.assertLessEqual(err, 1e-5, f'{name}: rel L2 {err:.2e}')


if __name__ == '__main__':
    unittest.main()
