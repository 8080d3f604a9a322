"""Model folders in the official Wan2.1 layout (docs/model-folder.md) that the native engine
loads unchanged: config.json + diffusion_pytorch_model.safetensors (DiT), Wan2.1_VAE.safetensors,
models_t5_umt5-xxl-enc-bf16.safetensors, google/umt5-xxl/tokenizer.json and tessera.json (the
small T5/VAE configs, latent statistics and default generation settings)."""
import json
import os
import shutil

import torch

from .data.tokenizer import WordTokenizer
from .wan import T5Encoder, WanDiT, WanVAE
from .wan import safetensors_io as st

DIT_FILE = 'diffusion_pytorch_model.safetensors'
VAE_FILE = 'Wan2.1_VAE.safetensors'
T5_FILE = 'models_t5_umt5-xxl-enc-bf16.safetensors'
TOKENIZER_FILE = os.path.join('google', 'umt5-xxl', 'tokenizer.json')


def _state(module, dtype):
    return {k: v.detach().to('cpu', dtype if v.is_floating_point() else v.dtype).contiguous()
            for k, v in module.state_dict().items()}


def export_folder(out, dit, t5, vae, tokenizer, defaults, name, description='', dit_dtype=torch.bfloat16,
                  extra_meta=None):
    """Writes the folder atomically (a sibling temp folder renamed into place)."""
    tmp = f'{out}.tmp-{os.getpid()}'
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(os.path.join(tmp, 'google', 'umt5-xxl'))
    meta = {'format': 'pt', 'generator': 'tessera training/export.py', **(extra_meta or {})}
    st.save(_state(dit, dit_dtype), os.path.join(tmp, DIT_FILE), meta)
    st.save(_state(vae, torch.float32), os.path.join(tmp, VAE_FILE), meta)
    st.save(_state(t5, torch.float32), os.path.join(tmp, T5_FILE), meta)
    with open(os.path.join(tmp, 'config.json'), 'w') as f:
        json.dump({'_class_name': 'WanModel', **dit.config}, f, indent=2)
        f.write('\n')
    tokenizer.save(os.path.join(tmp, TOKENIZER_FILE))
    with open(os.path.join(tmp, 'google', 'umt5-xxl', 'tokenizer_config.json'), 'w') as f:
        json.dump({'eos_token': '</s>', 'pad_token': '<pad>', 'unk_token': '<unk>',
                   'model_max_length': dit.config['text_len'], 'tokenizer_class': 'T5Tokenizer'}, f, indent=2)
        f.write('\n')
    tessera = {
        'format': 'tessera-model/1', 'name': name, 'description': description,
        't5': t5.config, 'vae': vae.config,
        'latent_mean': [round(float(v), 6) for v in vae.mean], 'latent_std': [round(float(v), 6) for v in vae.std],
        'defaults': defaults,
    }
    return finish_folder(tmp, out, tessera)


def finish_folder(tmp, out, tessera):
    """Writes tessera.json into the folder built at tmp and moves it to out (replacing it)."""
    with open(os.path.join(tmp, 'tessera.json'), 'w') as f:
        json.dump(tessera, f, indent=2)
        f.write('\n')
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    os.rename(tmp, out)
    return out


def load_folder(path, device='cpu'):
    """(dit, t5, vae, tokenizer, tessera.json dict) of an exported folder, float32."""
    with open(os.path.join(path, 'config.json')) as f:
        dit_cfg = json.load(f)
    with open(os.path.join(path, 'tessera.json')) as f:
        tessera = json.load(f)
    dit = WanDiT(**dit_cfg)
    dit.load_state_dict({k: v.float() for k, v in st.load(os.path.join(path, DIT_FILE)).items()})
    t5, tok = load_text(path, tessera, device)
    vae = WanVAE(**tessera['vae'], mean=tessera.get('latent_mean'), std=tessera.get('latent_std'))
    vae.load_state_dict({k: v.float() for k, v in st.load(os.path.join(path, VAE_FILE)).items()})
    return dit.to(device).eval(), t5, vae.to(device).eval(), tok, tessera


def load_text(path, tessera=None, device='cpu'):
    """(text encoder, tokenizer) of an exported folder, reading nothing else of it (a stage that
    only needs the text encoder must not depend on the folder's DiT or VAE files)."""
    if tessera is None:
        with open(os.path.join(path, 'tessera.json')) as f:
            tessera = json.load(f)
    t5 = T5Encoder(**tessera['t5'])
    t5.load_state_dict({k: v.float() for k, v in st.load(os.path.join(path, T5_FILE)).items()})
    return t5.to(device).eval(), WordTokenizer.load(os.path.join(path, TOKENIZER_FILE))
