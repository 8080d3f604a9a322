"""Synthetic data: captions name their clip's attributes, held-out prompts never appear in
training, the tokenizer covers every caption, and clips are deterministic and in range."""
import json
import random
import tempfile
import unittest

import torch

from training.data.batches import CaptionMaker
from training.data.captions import CaptionSampler, held_out_prompts, normalise
from training.data.render import render, trajectory
from training.data.tokenizer import EOS, UNK, WordTokenizer
from training.detect.prompt import parse_prompt


class CaptionTest(unittest.TestCase):
    def test_held_out_prompts_are_never_drawn(self):
        held = {normalise(t) for t, _ in held_out_prompts()}
        self.assertEqual(len(held), 24)
        sampler, maker = CaptionSampler(3), CaptionMaker(4)
        for _ in range(5000):
            self.assertNotIn(normalise(sampler()[0]), held)
            self.assertNotIn(normalise(maker(maker.attributes())), held)

    def test_held_out_prompts_cover_every_motion_shape_and_count(self):
        attrs = [a for _, a in held_out_prompts()]
        for key in ('motion', 'shape', 'count'):
            self.assertGreater(len({a[key] for a in attrs}), 2, key)

    def test_captions_say_their_attributes(self):
        s = CaptionSampler(5)
        for _ in range(2000):
            text, a = s()
            want = {k: a[k] for k in ('count', 'shape', 'colour', 'motion')}
            if a['mention_size']:
                want['size'] = a['size']
            if a['mention_background']:
                want['background'] = a['background']
            self.assertEqual(parse_prompt(text), want, text)


class TokenizerTest(unittest.TestCase):
    def test_every_caption_word_is_in_the_vocabulary(self):
        tok, s = WordTokenizer(), CaptionSampler(6)
        for _ in range(2000):
            text, _ = s()
            ids = tok.encode(text)
            self.assertNotIn(UNK, ids, text)
            self.assertEqual(ids[-1], EOS)
        self.assertEqual(tok.encode('A RED, ball!')[:3], tok.encode('a red , ball')[:3])

    def test_truncation_keeps_eos_and_json_round_trips(self):
        tok = WordTokenizer()
        ids, mask = tok.batch(['a red ball ' * 20, ''], 8)
        self.assertEqual(ids[0][-1], EOS)
        self.assertEqual(sum(mask[0]), 8)
        self.assertEqual((ids[1][0], sum(mask[1])), (EOS, 1))
        with tempfile.TemporaryDirectory() as tmp:
            tok.save(f'{tmp}/tokenizer.json')
            with open(f'{tmp}/tokenizer.json') as f:
                j = json.load(f)
            self.assertEqual(j['model']['type'], 'WordLevel')
            self.assertEqual(j['model']['vocab']['</s>'], EOS)
            self.assertEqual(WordTokenizer.load(f'{tmp}/tokenizer.json').encode('two blue boxes'),
                             tok.encode('two blue boxes'))


class RenderTest(unittest.TestCase):
    def test_deterministic_and_in_range(self):
        attrs = [a for _, a in held_out_prompts()[:4]]
        a, b = render(attrs, 9, 64, seed=1), render(attrs, 9, 64, seed=1)
        self.assertEqual(tuple(a.shape), (4, 3, 9, 64, 64))
        self.assertTrue(torch.equal(a, b))
        self.assertGreaterEqual(a.min().item(), -1.0)
        self.assertLessEqual(a.max().item(), 1.0)
        self.assertFalse(torch.equal(a, render(attrs, 9, 64, seed=2)))

    def test_objects_stay_inside_the_frame(self):
        s = CaptionSampler(8)
        rng = random.Random(0)
        for _ in range(500):
            _, a = s()
            for xs, ys, rs in trajectory(a, 17, 128, rng):
                for x, y, r in zip(xs, ys, rs):
                    self.assertTrue(1.4 * r <= x <= 128 - 1.4 * r and 1.4 * r <= y <= 128 - 1.4 * r, a)


if __name__ == '__main__':
    unittest.main()
