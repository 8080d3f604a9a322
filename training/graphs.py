"""CUDA graphs for the DiT's training and teacher passes. At 9 M parameters a training step is
bound by Python and kernel launches (about 115-150 ms on the H100 at any batch, training/NOTES.md),
so replaying captured graphs lets the GPU set the pace. Every graph is checked against the eager
pass on a real batch before it is used, and anything that fails or disagrees falls back to eager:
a stage never depends on capture working.

Autocast must run with cache_enabled=False around capture and replay (common.autocast(dev,
cache=False)): make_graphed_callables refuses the weight-cast cache."""
import time

import torch


class Bound(torch.nn.Module):
    """dit(x, t, ctx, masks) with the attention masks bound, so that every input is a tensor (what
    graph capture needs); the DiT itself stays an ordinary module."""

    def __init__(self, dit, masks=None):
        super().__init__()
        self.dit, self.masks = dit, masks

    def forward(self, x, t, ctx):
        return self.dit(x, t, ctx, self.masks)


def rel(a, b):
    a, b = a.detach().float(), b.detach().float()
    return float((a - b).norm() / b.norm().clamp(min=1e-12))


def _probe(fn, params, sample, autocast):
    """(output, flattened gradients of a fixed loss) of one pass of fn on `sample`."""
    with autocast():
        v = fn(*sample)
    loss = (v.float() ** 2).mean()
    grads = torch.autograd.grad(loss, params, allow_unused=True)
    flat = torch.cat([(g if g is not None else torch.zeros_like(p)).flatten().float() for g, p in zip(grads, params)])
    return v.detach().float().clone(), flat


def _compiled(dit, masks, sample, autocast, log, params, ref_v, ref_g, tol):
    """torch.compile of the DiT (element-wise chains fused: at batch 512 the graphed step is bound by
    the float32 residual stream's element-wise traffic, NOTES.md), when it matches eager; else None."""
    try:
        t0 = time.time()
        compiled = torch.compile(Bound(dit, masks))
        v, g = _probe(compiled, params, sample, autocast)   # compiles the forward and the backward
        ev, eg = rel(v, ref_v), rel(g, ref_g)
        ok = ev < tol and eg < tol and torch.isfinite(g).all().item()
        log(compiled='train', forward_error=ev, grad_error=eg, used=bool(ok), seconds=round(time.time() - t0, 1))
        return compiled if ok else None
    except Exception as e:   # noqa: BLE001 - any compile problem means CUDA graphs
        log(compiled='train', failed=repr(e)[:400])
        return None


def trainable(dit, masks, sample, autocast, log, mode='auto', tol=0.05):
    """f(x, t, ctx) -> velocity with gradients to dit's parameters: with mode 'compile', the
    torch.compile'd DiT; with 'auto' (or when compiling fails), the graphed forward and backward
    (torch.cuda.make_graphed_callables); either only on CUDA and only when it reproduces the eager
    output and gradients on `sample` within tol; else eager.
    sample: (x, t, ctx) of the batch shape every later call uses."""
    eager = Bound(dit, masks)
    if mode == 'off' or sample[0].device.type != 'cuda':
        return eager
    params = [p for p in dit.parameters() if p.requires_grad]
    try:
        ref_v, ref_g = _probe(eager, params, sample, autocast)
        if mode == 'compile':
            compiled = _compiled(dit, masks, sample, autocast, log, params, ref_v, ref_g, tol)
            if compiled is not None:
                return compiled
        graphed = Bound(dit, masks)
        with autocast():
            try:
                graphed = torch.cuda.make_graphed_callables(graphed, tuple(sample), allow_unused_input=True)
            except TypeError:      # older signature without allow_unused_input
                graphed = torch.cuda.make_graphed_callables(graphed, tuple(sample))
        v, g = _probe(graphed, params, sample, autocast)
        ev, eg = rel(v, ref_v), rel(g, ref_g)
        ok = ev < tol and eg < tol and torch.isfinite(g).all().item()
        log(graphs='train', forward_error=ev, grad_error=eg, used=bool(ok))
        if ok:
            return graphed
    except Exception as e:   # noqa: BLE001 - any capture problem means eager
        log(graphs='train', failed=repr(e)[:400])
    torch.cuda.synchronize()
    return eager


class _Replay:
    """A captured no-grad pass: copies the inputs into static buffers, replays, returns a copy of
    the output."""

    def __init__(self, fn, sample, autocast):
        self.static_in = [s.detach().clone() for s in sample]
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.no_grad(), torch.cuda.stream(side), autocast():
            for _ in range(2):
                fn(*self.static_in)
        torch.cuda.current_stream().wait_stream(side)
        self.graph = torch.cuda.CUDAGraph()
        with torch.no_grad(), torch.cuda.graph(self.graph, stream=side), autocast():   # warm-up's stream
            self.static_out = fn(*self.static_in)

    def __call__(self, *args):
        for dst, src in zip(self.static_in, args):
            dst.copy_(src)
        self.graph.replay()
        return self.static_out.clone()


def inference(model, masks, sample, autocast, log, mode='auto', tol=0.02):
    """f(x, t, ctx) -> velocity without gradients (a frozen teacher, a target network whose
    weights change in place): a replayed CUDA graph when it matches eager on `sample`, else eager."""
    eager = Bound(model, masks)

    def run_eager(*args):
        with torch.no_grad(), autocast():
            return eager(*args).float()
    if mode == 'off' or sample[0].device.type != 'cuda':
        return run_eager
    try:
        ref = run_eager(*sample)
        replay = _Replay(lambda *a: eager(*a).float(), sample, autocast)
        err = rel(replay(*sample), ref)
        ok = err < tol
        log(graphs='inference', error=err, used=bool(ok))
        if ok:
            return replay
    except Exception as e:   # noqa: BLE001
        log(graphs='inference', failed=repr(e)[:400])
    torch.cuda.synchronize()
    return run_eager


def optimizer(params, lr, weight_decay):
    """AdamW, fused on CUDA (two kernels per step instead of a dozen)."""
    params = list(params)
    if params and params[0].is_cuda:
        try:
            return torch.optim.AdamW(params, lr=lr, betas=(0.9, 0.99), weight_decay=weight_decay, fused=True)
        except (TypeError, RuntimeError):
            pass
    return torch.optim.AdamW(params, lr=lr, betas=(0.9, 0.99), weight_decay=weight_decay)
