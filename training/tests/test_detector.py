"""The detector reads rendered clips right (all attributes, also after MP4 compression), and
says so when a clip does not show what a prompt says."""
import os
import shutil
import subprocess
import tempfile
import unittest

import torch

from training.data.captions import CaptionSampler
from training.data.render import render
from training.detect.detector import CORE, analyse, check, clip_from_array, read_clip
from training.detect.prompt import parse_prompt


def to_u8(video):
    return ((video + 1) * 127.5).round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 4, 1).numpy()


class DetectorTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        s = CaptionSampler(21)
        cls.items = [s() for _ in range(40)]
        cls.clips = to_u8(render([a for _, a in cls.items], 17, 128, seed=5))

    def test_reads_rendered_clips(self):
        for (text, _), clip in zip(self.items, self.clips):
            ok = check(parse_prompt(text), analyse(clip_from_array(clip)))
            self.assertTrue(all(ok.values()), f'{text}: {ok}')

    def test_wrong_prompts_fail(self):
        swap = {'red': 'green', 'green': 'red', 'blue': 'yellow', 'yellow': 'blue', 'orange': 'purple',
                'purple': 'orange', 'white': 'pink', 'pink': 'white'}
        other_motion = {'left': 'right', 'right': 'left', 'up': 'down', 'down': 'up', 'bouncing': 'still',
                        'growing': 'still', 'still': 'growing'}
        other_shape = {'circle': 'square', 'square': 'triangle', 'triangle': 'circle'}
        for (text, a), clip in list(zip(self.items, self.clips))[:10]:
            m = analyse(clip_from_array(clip))
            self.assertFalse(check({'colour': swap[a['colour']]}, m)['colour'])
            self.assertFalse(check({'motion': other_motion[a['motion']]}, m)['motion'])
            self.assertFalse(check({'shape': other_shape[a['shape']]}, m)['shape'])
            self.assertFalse(check({'count': a['count'] % 3 + 1}, m)['count'])

    def test_empty_clip_has_no_objects(self):
        blank = torch.full((1, 3, 9, 64, 64), -0.2)
        m = analyse(clip_from_array(to_u8(blank)[0]))
        self.assertEqual(m['count'], 0)
        self.assertFalse(any(check(parse_prompt('a red ball moving left'), m)[k] for k in CORE))

    @unittest.skipIf(shutil.which('ffmpeg') is None, 'no ffmpeg')
    def test_reads_mp4(self):
        right = total = 0
        with tempfile.TemporaryDirectory() as tmp:
            for i, ((text, _), clip) in enumerate(list(zip(self.items, self.clips))[:12]):
                path = os.path.join(tmp, f'{i}.mp4')
                subprocess.run(['ffmpeg', '-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', '128x128', '-r',
                                '16', '-i', '-', '-c:v', 'libx264', '-crf', '18', '-pix_fmt', 'yuv420p', path],
                               input=clip.tobytes(), check=True)
                ok = check(parse_prompt(text), analyse(read_clip(path)))
                right += sum(ok[k] for k in CORE)
                total += len(CORE)
        self.assertGreaterEqual(right / total, 0.97)


if __name__ == '__main__':
    unittest.main()
