"""The torch layer: funcgrad.torch running PyTorch code against PyTorch itself (CPU).

Two workloads in one:

- **s001 autograd step.** One iteration of the autograd loop of seed 001
  (seed_programs/s001_two_layer_net.py), float32, N=64, D_in=1000, H=100, D_out=10, data from
  np.random.RandomState(0).randn in the seed's order (x, y, w1, w2):

      y_pred = x.mm(w1).clamp(min=0).mm(w2)
      loss = (y_pred - y).pow(2).sum()
      loss.backward()
      with torch.no_grad():
          w1 -= learning_rate * w1.grad
          w2 -= learning_rate * w2.grad
          w1.grad.zero_()
          w2.grad.zero_()

  The same function runs with `torch` bound to real PyTorch (the baseline) and to funcgrad.torch
  (target: at most 1.5x PyTorch). The hand-written numpy float32 step (forward, manual backward,
  update) is reported for reference: it is the floor of what funcgrad's numpy backend can reach.
  The weights keep training while timed (learning rate 1e-6, as in the seed), on both sides.

- **tensor add.** `a + b` on shape-(3,) float32 tensors: the fixed cost of one eager torch-layer
  operation, against PyTorch's (target: at most 1x PyTorch).

Before timing, one step from the same starting weights is checked to give the same loss and the
same updated weights in funcgrad.torch as in PyTorch (and the add the same values and dtype).
"""
import functools

import numpy as np

from .harness import BenchmarkCheckError, Variant, check_close
from .two_layer import make_data, numpy_step

NAME = "torch_layer"
DESCRIPTION = ("funcgrad.torch vs PyTorch CPU: s001's float32 autograd step (64x1000 -> 100 -> "
               "10) and a shape-(3,) tensor add")

LEARNING_RATE = 1e-6
STEP_TARGET = 1.5  # funcgrad.torch's autograd step within 1.5x of PyTorch's
ADD_TARGET = 1.0   # an eager tensor add no slower than PyTorch's


def make_step(torch):
    """s001's autograd loop body on library `torch`; returns step and a function giving the
    current (w1, w2)."""
    x_np, y_np, w1_np, w2_np = make_data()
    dtype = torch.float
    x = torch.tensor(x_np, dtype=dtype)
    y = torch.tensor(y_np, dtype=dtype)
    w1 = torch.tensor(w1_np, dtype=dtype, requires_grad=True)
    w2 = torch.tensor(w2_np, dtype=dtype, requires_grad=True)
    learning_rate = LEARNING_RATE

    def step():
        nonlocal w1, w2
        y_pred = x.mm(w1).clamp(min=0).mm(w2)
        loss = (y_pred - y).pow(2).sum()
        loss.backward()
        with torch.no_grad():
            w1 -= learning_rate * w1.grad
            w2 -= learning_rate * w2.grad
            w1.grad.zero_()
            w2.grad.zero_()
        return loss
    return step, lambda: (w1, w2)


def make_numpy_step():
    """The seed's numpy step in float32 (two_layer's forward and manual backward), updating
    the weights in place."""
    x, y, w1, w2 = (a.astype(np.float32) for a in make_data())
    lr = np.float32(LEARNING_RATE)

    def step():
        loss, grad_w1, grad_w2 = numpy_step(w1, w2, x, y)
        w1[...] -= lr * grad_w1
        w2[...] -= lr * grad_w2
        return loss
    return step


_check_close = functools.partial(check_close, "torch_layer")


def build(ctx):
    import funcgrad.torch as ft

    torch = ctx.torch
    if torch is None:
        ctx.notes.append("torch not installed: the PyTorch baselines, and so this workload, are "
                         "skipped")
        return [Variant("numpy manual step (float32)", make_numpy_step(), baseline=True,
                        framework="numpy")]

    # one step each from the same weights: the same loss and the same updated weights
    f_step, f_weights = make_step(ft)
    t_step, t_weights = make_step(torch)
    f_loss, t_loss = f_step(), t_step()
    (f_w1, f_w2), (t_w1, t_w2) = f_weights(), t_weights()
    _check_close("loss", f_loss.item(), t_loss.item(), 1e-5)
    _check_close("w1 after one step", f_w1.detach().numpy(), t_w1.detach().numpy(), 1e-5)
    _check_close("w2 after one step", f_w2.detach().numpy(), t_w2.detach().numpy(), 1e-5)
    if type(f_loss.grad_fn).__name__ != "SumBackward0" or f_w1.grad.abs().sum().item() != 0:
        raise BenchmarkCheckError("torch_layer: funcgrad.torch's step recorded the wrong graph "
                                  "or did not zero the gradients")

    a, b = np.array([0.5, -1.25, 2.0]), np.array([1.5, 0.75, -3.0])
    ns = {"fa": ft.tensor(a, dtype=ft.float32), "fb": ft.tensor(b, dtype=ft.float32),
          "ta": torch.tensor(a, dtype=torch.float32), "tb": torch.tensor(b, dtype=torch.float32)}
    f_sum, t_sum = ns["fa"] + ns["fb"], ns["ta"] + ns["tb"]
    _check_close("a + b", f_sum.numpy(), t_sum.numpy(), 0)
    if type(f_sum) is not ft.Tensor or repr(f_sum.dtype) != repr(t_sum.dtype):
        raise BenchmarkCheckError(f"torch_layer: fa + fb is {type(f_sum)} {f_sum.dtype}")

    step_base, add_base = "torch step", "torch ta + tb"
    return [
        Variant(step_base, t_step, baseline=True, framework="torch",
                note="PyTorch CPU autograd, float32, one thread"),
        Variant("funcgrad.torch step", f_step, vs=step_base, target=STEP_TARGET,
                framework="funcgrad", profile=True),
        Variant("numpy manual step (float32)", make_numpy_step(), vs=step_base,
                framework="numpy", note="hand-written forward, backward and update: the floor"),
        Variant(add_base, "ta + tb", ns, baseline=True, framework="torch"),
        Variant("funcgrad.torch fa + fb", "fa + fb", ns, vs=add_base, target=ADD_TARGET,
                framework="funcgrad", profile=True),
    ]
