"""On an NVIDIA GPU: funcgrad through CuPy against PyTorch CUDA (skipped without a GPU).

Three steps, each timed to completion (the device is synchronized inside every call):
- the seed two-layer net step (seed 001's shapes, float32): funcgrad's jit(value_and_grad) vs
  PyTorch autograd (loss.backward()), target 1.5x;
- the LeNet training step (benchmarks/lenet.py) in funcgrad.torch on 'cuda' vs PyTorch on 'cuda',
  target 1.5x;
- the gradient of a 4096x4096 float32 matmul chain, sum(tanh(A @ B) @ C) with respect to A, B
  and C: funcgrad's jit(grad) vs PyTorch autograd, both through cuBLAS, target 1.2x.
Results are checked against PyTorch's before timing.
"""
import numpy as np

from . import lenet, two_layer
from .harness import Variant, check_close

NAME = "gpu"
DESCRIPTION = "NVIDIA GPU: funcgrad (CuPy) vs PyTorch CUDA: two-layer step, LeNet step, matmul chain"

N_CHAIN = 4096


def _gpu_or_reason(ctx):
    from funcgrad._core import backend
    if backend.cuda_device_count() == 0:
        return f"no GPU for funcgrad: {backend._cuda()[1]}"
    if ctx.torch is None or not ctx.torch.cuda.is_available():
        return "PyTorch with CUDA is not installed: no baseline"
    return None


def build(ctx):
    why = _gpu_or_reason(ctx)
    if why:
        ctx.notes.append(why)
        return None
    import cupy
    import funcgrad as fg
    import funcgrad.numpy as fnp
    import funcgrad.torch as ft
    torch = ctx.torch
    cuda = fg.devices("cuda")[0]

    def synced(step, sync):
        def run():
            out = step()
            sync()
            return out
        return run
    fg_sync, t_sync = cupy.cuda.runtime.deviceSynchronize, torch.cuda.synchronize
    variants = []

    # the seed two-layer net, float32
    data = [v.astype(np.float32) for v in two_layer.make_data()]   # x, y, w1, w2
    x, y, w1, w2 = fg.device_put(data, cuda)
    fg_step = fg.jit(fg.value_and_grad(two_layer.loss_in(fnp), argnums=(0, 1)))
    tx, ty, tw1, tw2 = (torch.from_numpy(v).cuda() for v in data)
    tw1.requires_grad_(True)
    tw2.requires_grad_(True)

    def torch_two_layer():
        tw1.grad = tw2.grad = None
        loss = ((tx @ tw1).clamp(min=0) @ tw2 - ty).square().sum()
        loss.backward()
        return loss
    loss, (g1, _) = fg_step(w1, w2, x, y)
    t_loss = torch_two_layer()
    check_close("gpu two-layer", "loss", float(loss), t_loss.item(), 1e-4)
    check_close("gpu two-layer", "grad w1", np.asarray(g1), tw1.grad.cpu().numpy(), 1e-3)
    base = "torch CUDA two-layer step"
    variants += [Variant(base, synced(torch_two_layer, t_sync), baseline=True, framework="torch"),
                 Variant("funcgrad jit two-layer step (cuda)",
                         synced(lambda: fg_step(w1, w2, x, y), fg_sync), vs=base, target=1.5,
                         framework="funcgrad")]

    # LeNet in the torch layer
    f_step, _ = lenet.make_step(ft, "cuda")
    t_step, _ = lenet.make_step(torch, "cuda")
    check_close("gpu lenet", "loss", f_step().item(), t_step().item(), 1e-4)
    base = "torch CUDA LeNet step"
    variants += [Variant(base, synced(t_step, t_sync), baseline=True, framework="torch"),
                 Variant("funcgrad.torch LeNet step (cuda)", synced(f_step, fg_sync), vs=base,
                         target=1.5, framework="funcgrad")]

    # the matmul chain
    rng = np.random.RandomState(0)
    mats = [(rng.randn(N_CHAIN, N_CHAIN) / np.sqrt(N_CHAIN)).astype(np.float32)
            for _ in range(3)]
    a, b, c = fg.device_put(mats, cuda)
    chain_grad = fg.jit(fg.grad(lambda a, b, c: fnp.sum(fnp.tanh(a @ b) @ c), argnums=(0, 1, 2)))
    ta, tb, tc = (torch.from_numpy(m).cuda().requires_grad_(True) for m in mats)

    def torch_chain():
        ta.grad = tb.grad = tc.grad = None
        (torch.tanh(ta @ tb) @ tc).sum().backward()
        return ta.grad
    ga = chain_grad(a, b, c)[0]
    check_close("gpu matmul chain", "grad a", np.asarray(ga), torch_chain().cpu().numpy(), 1e-3)
    base = "torch CUDA matmul-chain grad"
    variants += [Variant(base, synced(torch_chain, t_sync), baseline=True, framework="torch"),
                 Variant("funcgrad jit matmul-chain grad (cuda)",
                         synced(lambda: chain_grad(a, b, c), fg_sync), vs=base, target=1.2,
                         framework="funcgrad")]
    return variants
