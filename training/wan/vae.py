"""Wan2.1 VAE (WanVAE_) in PyTorch, spec/wan21.md §5; module names are the checkpoint's (§5.6).

Every causal module takes an optional `state` dict. Without one, a clip is processed as one
sequence (2 zero frames in front of each k3 causal conv): training and small clips. With one,
the decoder runs one latent frame at a time, each cached conv keeping its last 2 input frames,
which is exactly the reference's chunked decode (§5.5) at a fraction of the memory: large clips."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .attention import attention

WAN_LATENT_MEAN = [-0.7571, -0.7089, -0.9113, 0.1075, -0.1745, 0.9653, -0.1517, 1.5508,
                   0.4134, -0.0715, 0.5517, -0.3632, -0.1922, -0.9497, 0.2503, -0.2921]
WAN_LATENT_STD = [2.8184, 1.4541, 2.3275, 2.6558, 1.2196, 1.7708, 2.6052, 2.0743,
                  3.2687, 2.1526, 2.8652, 1.5579, 1.6382, 1.1253, 2.8251, 1.9160]


class CausalConv3d(nn.Conv3d):
    """Conv3d padded by p in H and W on both sides and by 2p in T at the front only."""

    def __init__(self, cin, cout, kernel, stride=1, padding=0):
        super().__init__(cin, cout, kernel, stride=stride, padding=0)
        p = padding if isinstance(padding, (tuple, list)) else (padding,) * 3
        self.front = 2 * p[0]
        self.hw_pad = (p[2], p[2], p[1], p[1])

    def forward(self, x, state=None):
        if self.front:
            if state is None:
                prev = x.new_zeros(x.shape[0], x.shape[1], self.front, *x.shape[3:])
            else:
                prev = state.get(id(self))
                if prev is None:
                    prev = x.new_zeros(x.shape[0], x.shape[1], self.front, *x.shape[3:])
            x = torch.cat([prev, x], dim=2)
            if state is not None:
                state[id(self)] = x[:, :, -self.front:].detach()
        if any(self.hw_pad):
            x = F.pad(x, self.hw_pad)
        return super().forward(x)


class RMSNorm(nn.Module):
    """x / max(||x||_2 over channels, 1e-12) * sqrt(C) * gamma."""

    def __init__(self, dim, images=True):
        super().__init__()
        self.scale = dim ** 0.5
        self.gamma = nn.Parameter(torch.ones(dim, 1, 1) if images else torch.ones(dim, 1, 1, 1))

    def forward(self, x):
        return F.normalize(x, dim=1) * self.scale * self.gamma


def _per_frame(fn, x):
    """Applies a 2D op to every frame of [B, C, T, H, W]."""
    b, c, t, h, w = x.shape
    y = fn(x.permute(0, 2, 1, 3, 4).reshape(b * t, c, h, w))
    return y.reshape(b, t, *y.shape[1:]).permute(0, 2, 1, 3, 4)


class Resample(nn.Module):
    def __init__(self, dim, mode):
        super().__init__()
        self.mode = mode
        if mode in ('upsample2d', 'upsample3d'):
            self.resample = nn.Sequential(nn.Upsample(scale_factor=(2.0, 2.0), mode='nearest-exact'),
                                          nn.Conv2d(dim, dim // 2, 3, padding=1))
            if mode == 'upsample3d':
                self.time_conv = CausalConv3d(dim, dim * 2, (3, 1, 1), padding=(1, 0, 0))
        elif mode in ('downsample2d', 'downsample3d'):
            self.resample = nn.Sequential(nn.ZeroPad2d((0, 1, 0, 1)), nn.Conv2d(dim, dim, 3, stride=2))
            if mode == 'downsample3d':
                self.time_conv = CausalConv3d(dim, dim, (3, 1, 1), stride=(2, 1, 1))
        else:
            raise ValueError(mode)

    def _spatial(self, x):
        if self.mode.startswith('upsample'):   # nearest x2 in float32, as the reference
            return _per_frame(lambda f: self.resample[1](self.resample[0](f.float()).to(f.dtype)), x)
        return _per_frame(self.resample, x)

    def forward(self, x, state=None):
        if self.mode == 'upsample3d':
            # The clip's first frame passes through; later frames each become two (time_conv's
            # output channel halves), the causal time_conv never seeing the first frame.
            first = state is None or id(self) not in state
            if state is not None:
                state[id(self)] = True
            head, rest = (x[:, :, :1], x[:, :, 1:]) if first else (None, x)
            parts = [] if head is None else [head]
            if rest.shape[2]:
                y = self.time_conv(rest, state)
                b, c2, t, h, w = y.shape
                y = torch.stack([y[:, :c2 // 2], y[:, c2 // 2:]], dim=3).reshape(b, c2 // 2, 2 * t, h, w)
                parts.append(y)
            x = torch.cat(parts, dim=2)
            return self._spatial(x)
        x = self._spatial(x)
        if self.mode == 'downsample3d':
            assert state is None, 'the encoder runs on whole clips'
            # frame 0 passes; then an unpadded stride-2 time conv over (X0,X1,X2), (X2,X3,X4), ...
            if x.shape[2] > 1:
                x = torch.cat([x[:, :, :1], nn.Conv3d.forward(self.time_conv, x)], dim=2)
        return x


class ResidualBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.residual = nn.Sequential(
            RMSNorm(cin, images=False), nn.SiLU(), CausalConv3d(cin, cout, 3, padding=1),
            RMSNorm(cout, images=False), nn.SiLU(), nn.Dropout(0.0), CausalConv3d(cout, cout, 3, padding=1))
        self.shortcut = CausalConv3d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, state=None):
        h = self.shortcut(x)
        for layer in self.residual:
            x = layer(x, state) if isinstance(layer, CausalConv3d) else layer(x)
        return x + h


class AttentionBlock(nn.Module):
    """Single-head self-attention over each frame's pixels."""

    def __init__(self, dim):
        super().__init__()
        self.norm = RMSNorm(dim, images=True)
        self.to_qkv = nn.Conv2d(dim, dim * 3, 1)
        self.proj = nn.Conv2d(dim, dim, 1)

    def forward(self, x, state=None):
        def frame(f):
            n, c, h, w = f.shape
            q, k, v = self.to_qkv(self.norm(f)).reshape(n, 3, c, h * w).permute(1, 0, 3, 2).unbind(0)
            o = attention(q[:, None], k[:, None], v[:, None])[:, 0]        # [n, hw, c]
            return self.proj(o.transpose(1, 2).reshape(n, c, h, w))
        return x + _per_frame(frame, x)


def _run(seq, x, state):
    for m in seq:
        x = m(x, state) if isinstance(m, (CausalConv3d, ResidualBlock, AttentionBlock, Resample)) else m(x)
    return x


class Encoder3d(nn.Module):
    def __init__(self, dim, z_dim, dim_mult, num_res_blocks, temperal_downsample):
        super().__init__()
        dims = [dim * u for u in [1] + list(dim_mult)]
        self.conv1 = CausalConv3d(3, dims[0], 3, padding=1)
        layers = []
        for i, (cin, cout) in enumerate(zip(dims[:-1], dims[1:])):
            for _ in range(num_res_blocks):
                layers.append(ResidualBlock(cin, cout))
                cin = cout
            if i != len(dim_mult) - 1:
                layers.append(Resample(cout, 'downsample3d' if temperal_downsample[i] else 'downsample2d'))
        self.downsamples = nn.Sequential(*layers)
        self.middle = nn.Sequential(ResidualBlock(cout, cout), AttentionBlock(cout), ResidualBlock(cout, cout))
        self.head = nn.Sequential(RMSNorm(cout, images=False), nn.SiLU(), CausalConv3d(cout, z_dim, 3, padding=1))

    def forward(self, x):
        x = self.conv1(x)
        for seq in (self.downsamples, self.middle, self.head):
            x = _run(seq, x, None)
        return x


class Decoder3d(nn.Module):
    def __init__(self, dim, z_dim, dim_mult, num_res_blocks, temperal_upsample):
        super().__init__()
        dims = [dim * u for u in [dim_mult[-1]] + list(dim_mult)[::-1]]
        self.conv1 = CausalConv3d(z_dim, dims[0], 3, padding=1)
        self.middle = nn.Sequential(ResidualBlock(dims[0], dims[0]), AttentionBlock(dims[0]),
                                    ResidualBlock(dims[0], dims[0]))
        layers = []
        for i, (cin, cout) in enumerate(zip(dims[:-1], dims[1:])):
            if i in (1, 2, 3):
                cin = cin // 2
            for _ in range(num_res_blocks + 1):
                layers.append(ResidualBlock(cin, cout))
                cin = cout
            if i != len(dim_mult) - 1:
                layers.append(Resample(cout, 'upsample3d' if temperal_upsample[i] else 'upsample2d'))
        self.upsamples = nn.Sequential(*layers)
        self.head = nn.Sequential(RMSNorm(cout, images=False), nn.SiLU(), CausalConv3d(cout, 3, 3, padding=1))

    def forward(self, x, state=None):
        x = self.conv1(x, state)
        for seq in (self.middle, self.upsamples, self.head):
            x = _run(seq, x, state)
        return x


class WanVAE(nn.Module):
    """WanVAE_(dim, z_dim, dim_mult, num_res_blocks, attn_scales=[], temperal_downsample).
    Latents are normalised with `mean`/`std` (Wan2.1's constants unless given)."""

    def __init__(self, dim=96, z_dim=16, dim_mult=(1, 2, 4, 4), num_res_blocks=2, attn_scales=(),
                 temperal_downsample=(False, True, True), dropout=0.0, mean=None, std=None, **_ignored):
        super().__init__()
        assert len(dim_mult) == 4 and not attn_scales
        self.config = dict(dim=dim, z_dim=z_dim, dim_mult=list(dim_mult), num_res_blocks=num_res_blocks,
                           temperal_downsample=list(temperal_downsample))
        self.z_dim = z_dim
        self.encoder = Encoder3d(dim, z_dim * 2, dim_mult, num_res_blocks, temperal_downsample)
        self.conv1 = CausalConv3d(z_dim * 2, z_dim * 2, 1)
        self.conv2 = CausalConv3d(z_dim, z_dim, 1)
        self.decoder = Decoder3d(dim, z_dim, dim_mult, num_res_blocks, list(temperal_downsample)[::-1])
        self.register_buffer('mean', torch.tensor(mean or WAN_LATENT_MEAN, dtype=torch.float32), persistent=False)
        self.register_buffer('std', torch.tensor(std or WAN_LATENT_STD, dtype=torch.float32), persistent=False)

    def set_latent_stats(self, mean, std):
        self.mean.copy_(torch.as_tensor(mean, dtype=torch.float32))
        self.std.copy_(torch.as_tensor(std, dtype=torch.float32))

    def _stat(self, s, x):
        return s.to(x.device, x.dtype).view(1, -1, 1, 1, 1)

    def encode_moments(self, x):
        """pixels [B, 3, 1+4k, H, W] in [-1, 1] -> raw (mu, log_var) [B, z, 1+k, H/8, W/8]."""
        mu, log_var = self.conv1(self.encoder(x)).chunk(2, dim=1)
        return mu, log_var

    def encode(self, x):
        """Normalised latent mean (the reference's encode)."""
        mu, _ = self.encode_moments(x)
        return (mu - self._stat(self.mean, mu)) / self._stat(self.std, mu)

    def decode_raw(self, z, chunked=False):
        """Unnormalised latent -> video, not clamped (training losses)."""
        x = self.conv2(z)
        if not chunked:
            return self.decoder(x)
        state = {}
        return torch.cat([self.decoder(x[:, :, i:i + 1], state) for i in range(x.shape[2])], dim=2)

    def decode(self, z, chunked=False):
        """Normalised latent [B, z, T, h, w] -> video [B, 3, 1+4(T-1), 8h, 8w] clamped to [-1, 1].
        chunked: one latent frame at a time with 2-frame caches (same result, bounded memory)."""
        return self.decode_raw(self.denormalise(z), chunked).clamp(-1, 1)

    def denormalise(self, z):
        """Normalised latent -> the raw latent the decoder takes."""
        return z * self._stat(self.std, z) + self._stat(self.mean, z)
