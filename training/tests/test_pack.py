"""Int8 delta packing of model folders: the rebuilt DiT weights differ from the originals by far
less than the bf16 rounding of the export, and everything else is copied."""
import json
import os
import tempfile
import unittest

import torch

from training import pack
from training.data.tokenizer import WordTokenizer
from training.export import DIT_FILE, export_folder
from training.wan import T5Encoder, WanDiT, WanVAE
from training.wan import safetensors_io as st


class PackTest(unittest.TestCase):
    def test_round_trip(self):
        torch.manual_seed(0)
        tok = WordTokenizer()
        t5 = T5Encoder(vocab=len(tok), dim=16, dim_attn=16, dim_ffn=32, num_heads=2, num_layers=1)
        vae = WanVAE(dim=4, num_res_blocks=1)
        base = WanDiT(dim=32, ffn_dim=64, text_dim=16, text_len=8, num_heads=2, num_layers=1)
        tuned = WanDiT(**base.config)
        tuned.load_state_dict(base.state_dict())
        with torch.no_grad():
            for p in tuned.parameters():
                p.add_(torch.randn_like(p) * 0.01)
        d = {'steps': 4}
        with tempfile.TemporaryDirectory() as tmp:
            export_folder(f'{tmp}/base', base, t5, vae, tok, d, 'base')
            export_folder(f'{tmp}/tuned', tuned, t5, vae, tok, dict(d, steps=2), 'tuned')
            pack.pack(f'{tmp}/base', {'v': f'{tmp}/tuned'}, f'{tmp}/pk')
            made = pack.unpack(f'{tmp}/base', f'{tmp}/pk', f'{tmp}/out')
            a = st.load(f'{tmp}/tuned/{DIT_FILE}')
            b = st.load(os.path.join(made['v'], DIT_FILE))
            for k in a:
                self.assertEqual(a[k].dtype, b[k].dtype)
                err = (a[k].float() - b[k].float()).abs().max().item()
                self.assertLessEqual(err, a[k].float().abs().max().item() * 2 ** -7, k)
            with open(os.path.join(made['v'], 'tessera.json')) as f:
                self.assertEqual(json.load(f)['defaults']['steps'], 2)
            self.assertTrue(os.path.exists(os.path.join(made['v'], 'google', 'umt5-xxl', 'tokenizer.json')))


if __name__ == '__main__':
    unittest.main()
