"""Flow-matching schedules and samplers as the native engine runs them (native/src/sampling):
Wan's UniPC (spec/wan21.md §7.3), Euler on the same sigma grid, and the engine's seeded noise
(Philox4x32-10 + Box-Muller, native/src/sampling/noise.h) so that the same seed gives the same
initial latent here and in the engine. Convention: x_s = (1 - s) x0 + s eps, v = eps - x0."""
import math

import numpy as np
import torch


def shift_sigma(sigma, shift):
    return shift * sigma / (1.0 + (shift - 1.0) * sigma)


def wan_flow_schedule(steps, shift):
    """(timesteps [N] float64 ints as the DiT receives them, sigmas [N+1] float32 with sigma_N = 0)."""
    sigma_max = float(np.float32(0.999))
    step = (0.0 - sigma_max) / steps
    ts, sig = [], []
    for i in range(steps):
        s = shift_sigma(i * step + sigma_max, shift)
        ts.append(float(int(s * 1000.0)))
        sig.append(float(np.float32(s)))
    sig.append(0.0)
    return ts, sig


def unipc_sample(velocity, x, steps, shift):
    """FlowUniPC (order 2, bh2, predict-x0) on Wan's grid from x at sigma_0 to sigma_N = 0.
    velocity(x, t, i) -> v (the CFG-combined model output at step i)."""
    ts, sig = wan_flow_schedule(steps, shift)
    return unipc_on_grid(velocity, x, ts, sig)


def unipc_on_grid(velocity, x, ts, sig, keep=None):
    """UniPC over any decreasing sigma grid ending at 0 (timesteps ts[i] given to the model).
    keep: optional list that receives the sample at every grid point (x at sigma_0..sigma_N)."""
    steps = len(ts)
    if keep is not None:
        keep.append(x)
    lam = [math.log(1 - s) - math.log(s) if s > 0 else math.inf for s in sig]
    ms, x_corr, prev_order = [], None, 1
    for i in range(steps):
        v = velocity(x, ts[i], i)
        m = x - sig[i] * v
        if i >= 1:  # corrector (UniC) of the sample the model just saw
            h = lam[i] - lam[i - 1]
            phi = math.expm1(-h)
            base = (sig[i] / sig[i - 1]) * x_corr - (1 - sig[i]) * phi * ms[-1]
            d_t = m - ms[-1]
            if prev_order == 1:
                x_corr = base - (1 - sig[i]) * phi * 0.5 * d_t
            else:
                r = (lam[i - 2] - lam[i - 1]) / h
                d1 = (ms[-2] - ms[-1]) / r
                g1 = phi / (-h) - 1
                g2 = g1 / (-h) - 0.5
                b1, b2 = g1 / phi, 2 * g2 / phi
                rho0, rho1 = (b1 - b2) / (1 - r), (b2 - r * b1) / (1 - r)
                x_corr = base - (1 - sig[i]) * phi * (rho0 * d1 + rho1 * d_t)
        else:
            x_corr = x
        ms = (ms + [m])[-2:]
        order = min(2, steps - i, i + 1)
        if i == steps - 1:
            if keep is not None:
                keep.append(m)
            return m
        h = lam[i + 1] - lam[i]
        phi = math.expm1(-h)
        x = (sig[i + 1] / sig[i]) * x_corr - (1 - sig[i + 1]) * phi * m
        if order == 2:
            r = (lam[i - 1] - lam[i]) / h
            d1 = (ms[-2] - ms[-1]) / r
            x = x - (1 - sig[i + 1]) * phi * 0.5 * d1
        prev_order = order
        if keep is not None:
            keep.append(x)
    return x


def euler_sample(velocity, x, steps, shift):
    ts, sig = wan_flow_schedule(steps, shift)
    for i in range(steps):
        x = x + (sig[i + 1] - sig[i]) * velocity(x, ts[i], i)
    return x


# ---------------------------------------------------------------- engine-identical seeded noise
_M0, _M1, _W0, _W1 = 0xD2511F53, 0xCD9E8D57, 0x9E3779B9, 0xBB67AE85


def _philox(c0, c1, c2, c3, k0, k1):
    """Vectorised Philox4x32-10 over uint64 numpy arrays holding 32-bit values."""
    mask = np.uint64(0xFFFFFFFF)
    k0 = np.uint64(k0)
    k1 = np.uint64(k1)
    for _ in range(10):
        p0 = np.uint64(_M0) * c0
        p1 = np.uint64(_M1) * c2
        hi0, lo0 = p0 >> np.uint64(32), p0 & mask
        hi1, lo1 = p1 >> np.uint64(32), p1 & mask
        c0, c1, c2, c3 = (hi1 ^ c1 ^ k0) & mask, lo1, (hi0 ^ c3 ^ k1) & mask, lo0
        k0 = (k0 + np.uint64(_W0)) & mask
        k1 = (k1 + np.uint64(_W1)) & mask
    return c0, c1, c2, c3


def seeded_normal(shape, seed, stream=0):
    """float32 tensor of the engine's seeded Gaussian stream (noise.h), element i in raster order."""
    n = int(np.prod(shape))
    i = np.arange(n, dtype=np.uint64)
    mask = np.uint64(0xFFFFFFFF)
    z = np.zeros(n, dtype=np.uint64)
    r0, r1, _, _ = _philox(i & mask, i >> np.uint64(32), z + np.uint64(stream & 0xFFFFFFFF), z,
                           seed & 0xFFFFFFFF, (seed >> 32) & 0xFFFFFFFF)
    u1 = (r0.astype(np.float64) + 0.5) / 4294967296.0
    u2 = (r1.astype(np.float64) + 0.5) / 4294967296.0
    out = np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * math.pi * u2)
    return torch.from_numpy(out.astype(np.float32).reshape(shape))
