"""LeNet training step: funcgrad.torch against PyTorch CPU.

One training step of seed 002's LeNet (seed_programs/s002_blitz_lenet.py: conv 1->6 5x5, max-pool
2, conv 6->16 5x5, max-pool 2, linear 400->120->84->10, ReLUs) on a batch of 64 float32 1x32x32
images with integer class labels:

    optimizer.zero_grad()
    loss = criterion(net(inputs), targets)      # nn.CrossEntropyLoss
    loss.backward()
    optimizer.step()                            # torch.optim.SGD(lr=0.01)

The same function runs with `torch` bound to real PyTorch (the baseline) and to funcgrad.torch
(target: at most 2x PyTorch). Both nets start from the same weights (drawn with
np.random.RandomState(0) and copied into each) and see the same batch; the weights keep training
while timed, on both sides.

Before timing, one step is checked to give the same loss and the same updated weights (every
parameter, np.allclose with rtol 1e-4) in funcgrad.torch as in PyTorch.
"""
import functools

import numpy as np

from .harness import BenchmarkCheckError, Variant, check_close

NAME = "lenet"
DESCRIPTION = ("funcgrad.torch vs PyTorch CPU: one LeNet training step (batch 64, 1x32x32 float32: "
               "forward, CrossEntropyLoss, backward, SGD step)")

BATCH = 64
LEARNING_RATE = 0.01
TARGET = 2.0  # funcgrad.torch's LeNet step within 2x of PyTorch's


def make_net_class(torch):
    nn, F = torch.nn, torch.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = torch.flatten(x, 1)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)
    return Net


def make_data():
    """The starting weights (name -> float32 array, in PyTorch's shapes and with its default
    init's scale) and one batch."""
    rng = np.random.RandomState(0)
    shapes = {"conv1.weight": (6, 1, 5, 5), "conv1.bias": (6,),
              "conv2.weight": (16, 6, 5, 5), "conv2.bias": (16,),
              "fc1.weight": (120, 400), "fc1.bias": (120,),
              "fc2.weight": (84, 120), "fc2.bias": (84,),
              "fc3.weight": (10, 84), "fc3.bias": (10,)}
    fan_in = {"conv1": 25, "conv2": 150, "fc1": 400, "fc2": 120, "fc3": 84}
    weights = {}
    for name, shape in shapes.items():
        bound = 1 / np.sqrt(fan_in[name.split(".")[0]])
        weights[name] = rng.uniform(-bound, bound, size=shape).astype(np.float32)
    inputs = rng.randn(BATCH, 1, 32, 32).astype(np.float32)
    targets = rng.randint(0, 10, size=BATCH).astype(np.int64)
    return weights, inputs, targets


def make_step(torch, device="cpu"):
    """The training step on library `torch` and `device`; returns step and the net."""
    weights, inputs_np, targets_np = make_data()
    net = make_net_class(torch)()
    with torch.no_grad():
        for name, p in net.named_parameters():
            p.copy_(torch.from_numpy(weights[name].copy()))
    net.to(device)
    inputs = torch.from_numpy(inputs_np).to(device)
    targets = torch.from_numpy(targets_np).to(device)
    criterion = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=LEARNING_RATE)

    def step():
        optimizer.zero_grad()
        loss = criterion(net(inputs), targets)
        loss.backward()
        optimizer.step()
        return loss
    return step, net


_check_close = functools.partial(check_close, "lenet")


def build(ctx):
    import funcgrad.torch as ft

    f_step, f_net = make_step(ft)
    torch = ctx.torch
    if torch is None:
        ctx.notes.append("torch not installed: no PyTorch baseline, so the funcgrad.torch step is "
                         "timed alone, with no target")
        return [Variant("funcgrad.torch LeNet step", f_step, baseline=True, framework="funcgrad")]

    t_step, t_net = make_step(torch)
    for (fn, fp), (tn, tp) in zip(f_net.named_parameters(), t_net.named_parameters()):
        if fn != tn:
            raise BenchmarkCheckError(f"lenet: parameter {fn!r} in funcgrad.torch, {tn!r} in "
                                      f"PyTorch")
        _check_close(f"{fn} before the step", fp.detach().numpy(), tp.detach().numpy(), 0)
    # one step each from the same weights: the same loss and the same updated weights
    f_loss, t_loss = f_step(), t_step()
    _check_close("loss", f_loss.item(), t_loss.item(), 1e-5)
    for (name, fp), (_, tp) in zip(f_net.named_parameters(), t_net.named_parameters()):
        _check_close(f"{name}.grad", fp.grad.numpy(), tp.grad.numpy(), 1e-4)
        _check_close(f"{name} after one step", fp.detach().numpy(), tp.detach().numpy(), 1e-4)
    if type(f_loss.grad_fn).__name__ != type(t_loss.grad_fn).__name__:
        raise BenchmarkCheckError(f"lenet: the loss's grad_fn is {type(f_loss.grad_fn).__name__} "
                                  f"in funcgrad.torch, {type(t_loss.grad_fn).__name__} in PyTorch")

    base = "torch LeNet step"
    return [
        Variant(base, t_step, baseline=True, framework="torch",
                note="PyTorch CPU autograd, float32, one thread"),
        Variant("funcgrad.torch LeNet step", f_step, vs=base, target=TARGET,
                framework="funcgrad", profile=True),
    ]
