"""PyTorch implementation of the Wan2.1 architecture (DiT, VAE, umT5 encoder), written from
../shared/spec/wan21.md and checked against ../shared/golden like the native engine."""
from .dit import WanDiT
from .t5 import T5Encoder
from .vae import WanVAE
