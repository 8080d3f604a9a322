"""Sampling with the PyTorch models, the way the engine samples (same schedules, same
conditioning): classifier-free guidance with an empty negative prompt, UniPC / Euler on Wan's
grid, optional sparse-attention masks per step. Used for trajectories (distillation) and quick
checks on the training machine; the reported figures come from the engine (evaluate.py)."""
import torch

from .wan.sampling import euler_sample, unipc_on_grid, wan_flow_schedule


def guided_velocity(dit, ctx, ctx_neg, guidance, masks_at=None, autocast=None):
    """velocity(x, t, i) for a batch: conditional and unconditional passes in one batch when
    guidance > 1. ctx / ctx_neg: [B, L, text_dim] contexts (zero rows after the real tokens)."""
    e_c = dit.embed_text(ctx)
    e_u = dit.embed_text(ctx_neg) if guidance > 1 else None

    def velocity(x, t, i):
        masks = masks_at(i) if masks_at else None
        b = x.shape[0]
        with autocast() if autocast else torch.no_grad():
            if guidance <= 1:
                return dit(x, torch.full((b,), float(t), device=x.device), e_c, masks, text_embedded=True).float()
            v = dit(torch.cat([x, x]), torch.full((2 * b,), float(t), device=x.device), torch.cat([e_c, e_u]), masks,
                    text_embedded=True).float()
            vc, vu = v.chunk(2)
            return vu + guidance * (vc - vu)
    return velocity


@torch.no_grad()
def sample(dit, ctx, ctx_neg, noise, steps, shift, guidance, sampler='unipc', masks_at=None, autocast=None):
    """noise [B, 16, T, h, w] (the sample at sigma_0) -> clean latent."""
    v = guided_velocity(dit, ctx, ctx_neg, guidance, masks_at, autocast)
    if sampler == 'unipc':
        ts, sig = wan_flow_schedule(steps, shift)
        return unipc_on_grid(v, noise.float(), ts, sig)
    if sampler == 'euler':
        return euler_sample(v, noise.float(), steps, shift)
    raise ValueError(sampler)


def segment_grid(segments, substeps, shift):
    """A fine sigma grid whose every `substeps`-th point is a boundary of the `segments`-step
    Euler grid (Wan's linspace in unshifted sigma, then the shift): the teacher's trajectory
    grid for consistency distillation. Returns (timesteps, sigmas) with sigma_N = 0."""
    _, coarse = wan_flow_schedule(segments, shift)
    hat = torch.linspace(float(torch.tensor(0.999, dtype=torch.float32)), 0.0, segments + 1, dtype=torch.float64)
    fine = []
    for k in range(segments):
        for j in range(substeps):
            fine.append(float(hat[k] + (hat[k + 1] - hat[k]) * j / substeps))
    sig = [shift * s / (1 + (shift - 1) * s) for s in fine]
    # boundaries exactly as the engine's Euler grid stores them (float32)
    for k in range(segments):
        sig[k * substeps] = coarse[k]
    return [s * 1000.0 for s in sig], sig + [0.0]
