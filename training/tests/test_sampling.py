"""Schedules, samplers and sparse-attention rules against independent references: Wan's
published timesteps, the Euler grid inside the distillation grid, masks against brute force."""
import math
import unittest

import torch

from training.evaluate import sparsity
from training.sample import segment_grid
from training.wan.sampling import euler_sample, seeded_normal, unipc_on_grid, wan_flow_schedule
from training.wan.sparse import AttnRules, sta_mask, tile_mask


class ScheduleTest(unittest.TestCase):
    def test_wan_timesteps(self):
        ts, sig = wan_flow_schedule(8, 3.0)
        self.assertEqual(ts, [999, 954, 899, 832, 749, 642, 499, 299])   # spec/wan21.md 7.2
        ts, sig = wan_flow_schedule(50, 5.0)
        self.assertEqual(ts[:5] + ts[-3:], [999, 995, 991, 987, 982, 241, 172, 92])
        self.assertEqual(len(sig), 51)
        self.assertEqual(sig[-1], 0.0)

    def test_segment_grid_contains_the_student_grids(self):
        for segments in (4, 2):
            _, coarse = wan_flow_schedule(segments, 3.0)
            ts, fine = segment_grid(4, 12, 3.0)
            step = 48 // segments
            for k in range(segments + 1):
                self.assertAlmostEqual(fine[k * step], coarse[k], places=6)
            self.assertTrue(all(a > b for a, b in zip(fine, fine[1:])))

    def test_solvers_on_a_linear_field(self):
        # v = x - x0 (straight flow to x0): every solver ends exactly at x0
        x0 = torch.randn(4, dtype=torch.float64)
        noise = torch.randn(4, dtype=torch.float64)
        ts, sig = wan_flow_schedule(6, 3.0)
        out = unipc_on_grid(lambda x, t, i: (x - x0) / sig[i], noise, ts, sig)
        self.assertLess((out - x0).abs().max().item(), 1e-9)
        self.assertLess((euler_sample(lambda x, t, i: (x - x0) / sig[i], noise, 6, 3.0) - x0).abs().max().item(), 1e-9)

    def test_seeded_noise_is_standard_normal_and_reproducible(self):
        a = seeded_normal((16, 5, 16, 16), 42)
        self.assertTrue(torch.equal(a, seeded_normal((16, 5, 16, 16), 42)))
        self.assertFalse(torch.equal(a, seeded_normal((16, 5, 16, 16), 43)))
        self.assertLess(abs(a.mean().item()), 0.02)
        self.assertLess(abs(a.std().item() - 1), 0.02)


class SparseTest(unittest.TestCase):
    def brute_sta(self, grid, tile, window):
        n = [math.ceil(g / t) for g, t in zip(grid, tile)]
        coords = [(t, h, w) for t in range(grid[0]) for h in range(grid[1]) for w in range(grid[2])]
        m = torch.zeros(len(coords), len(coords), dtype=torch.bool)
        for i, q in enumerate(coords):
            for j, k in enumerate(coords):
                keep = True
                for a in range(3):
                    qt, kt, r = q[a] // tile[a], k[a] // tile[a], window[a] // 2
                    if 2 * r + 1 < n[a]:
                        keep &= abs(min(max(qt, r), n[a] - 1 - r) - kt) <= r
                m[i, j] = keep
        return m

    def test_sta_mask_against_brute_force(self):
        for grid, tile, win in (((5, 4, 6), (3, 2, 2), (1, 3, 3)), ((4, 6, 6), (2, 2, 3), (2, 1, 3)),
                                ((3, 3, 5), (1, 1, 2), (1, 3, 1))):
            self.assertTrue(torch.equal(sta_mask(grid, tile, win), self.brute_sta(grid, tile, win)), (grid, tile, win))

    def test_tile_mask(self):
        m = tile_mask((4, 1, 2), 1)
        self.assertTrue(m[0].all() and m[:, 0].all())   # frame 0 is global
        self.assertTrue(m[2, 3] and not m[2, 4])         # same frame kept, other frame skipped

    def test_rules_override_in_order(self):
        rules = AttnRules((3, 2, 2), [{'pattern': 'sta', 'window': [1, 1, 1]},
                                      {'pattern': 'dense', 'layers': [1, 2]},
                                      {'pattern': 'sta', 'window': [3, 3, 3], 'steps': [2, -1], 'head': 1}])
        self.assertEqual(rules.patterns(0, 4, 0, 3, 2), [('sta', (1, 1, 1))] * 2)
        self.assertEqual(rules.patterns(0, 4, 1, 3, 2), [('dense',)] * 2)
        self.assertEqual(rules.patterns(3, 4, 1, 3, 2), [('dense',), ('sta', (3, 3, 3))])
        masks = rules.masks(0, 4, (5, 4, 4), 3, 2)
        self.assertIsNone(masks[1])
        self.assertEqual(tuple(masks[0].shape), (2, 80, 80))

    def test_sparsity_counts_tile_blocks(self):
        # grid 5x8x8 with tile 3x2x2: 2x4x4 tiles; window (3,3,3) covers t, clamps h and w
        att = {'tile': [3, 2, 2], 'rules': [{'pattern': 'sta', 'window': [3, 3, 3]}]}
        kept_t = 4
        kept_hw = sum(1 for q in range(4) for k in range(4) if abs(min(max(q, 1), 2) - k) <= 1)
        want = 1 - kept_t * kept_hw * kept_hw / (4 * 16 * 16)
        self.assertAlmostEqual(sparsity(att, 4, 2, 2, [5, 8, 8]), want)
        half = {'tile': [3, 2, 2], 'rules': [{'pattern': 'sta', 'window': [3, 3, 3], 'steps': [2, -1]}]}
        self.assertAlmostEqual(sparsity(half, 4, 2, 2, [5, 8, 8]), want / 2)


if __name__ == '__main__':
    unittest.main()
