"""torch_train: four PyTorch training workloads, funcgrad.torch against PyTorch CPU (issue 21).

Each runs the same function with `torch` bound to real PyTorch (the baseline) and to
funcgrad.torch, one thread each, timed interleaved in one process; the target is at most 1x
PyTorch's time:

- **cnn step**: two blocks of 3x3 conv (padding 1) + ReLU + 2x2 max-pool (1 -> 8 -> 16
  channels), a linear head (16*7*7 -> 10), CrossEntropyLoss, batch 64 of 1x28x28 float32 images,
  `SGD(lr=0.01, momentum=0.9)`: zero_grad, forward, loss, backward, step.
- **mlp step**: Linear(784, 128), ReLU, Linear(128, 10), CrossEntropyLoss, batch 64,
  `Adam(lr=1e-3)`: zero_grad, forward, loss, backward, step.
- **dataloader epoch**: one epoch of `DataLoader(TensorDataset(x, y), batch_size=64,
  shuffle=True)` over 6,400 samples (x float32 (6400, 784), y int64), every batch collected.
- **logreg step**: a tiny logistic regression, Linear(4, 1) on a batch of 8, BCEWithLogitsLoss,
  plain SGD: what a step costs when the arithmetic costs nothing (the per-op dispatch overhead).

Both sides start from the same weights (np.random.RandomState(0), copied into each) and see the
same batch; the weights keep training while timed. Before timing, one step of each is checked to
give the same loss, gradients and updated weights in funcgrad.torch as in PyTorch, and the loader
to yield every sample once per epoch with the right dtypes.
"""
import functools

import numpy as np

from .harness import BenchmarkCheckError, Variant, check_close

NAME = "torch_train"
DESCRIPTION = ("funcgrad.torch vs PyTorch CPU, one thread: a CNN step (SGD momentum), an MLP step "
               "(Adam), a DataLoader epoch (6,400 samples, batch 64, shuffle), a logistic-"
               "regression step")

BATCH = 64
TARGET = 1.0   # at least PyTorch's speed, each
N_SAMPLES = 6400

_check_close = functools.partial(check_close, "torch_train")


def make_cnn(torch):
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 7 * 7, 10))


def make_mlp(torch):
    nn = torch.nn
    return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))


def make_logreg(torch):
    return torch.nn.Linear(4, 1)


MODELS = {
    # name: (model maker, input shape, loss, optimizer maker)
    "cnn": (make_cnn, (BATCH, 1, 28, 28), "ce",
            lambda torch, params: torch.optim.SGD(params, lr=0.01, momentum=0.9)),
    "mlp": (make_mlp, (BATCH, 784), "ce",
            lambda torch, params: torch.optim.Adam(params, lr=1e-3)),
    "logreg": (make_logreg, (8, 4), "bce",
               lambda torch, params: torch.optim.SGD(params, lr=0.1)),
}


def _weights(torch_net, seed):
    """Starting weights for the net's parameters: uniform in PyTorch's default init's bounds."""
    rng = np.random.RandomState(seed)
    out = {}
    for name, p in torch_net.named_parameters():
        shape = tuple(p.shape)
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else shape[0]
        bound = 1 / np.sqrt(fan_in)
        out[name] = rng.uniform(-bound, bound, size=shape).astype(np.float32)
    return out


def make_step(torch, kind, weights):
    """A training step of model `kind` on library `torch`; returns step and the net."""
    maker, in_shape, loss_kind, opt_maker = MODELS[kind]
    rng = np.random.RandomState(1)
    x_np = rng.randn(*in_shape).astype(np.float32)
    net = maker(torch)
    with torch.no_grad():
        for name, p in net.named_parameters():
            p.copy_(torch.from_numpy(weights[name].copy()))
    x = torch.from_numpy(x_np)
    if loss_kind == "ce":
        y = torch.from_numpy(rng.randint(0, 10, size=in_shape[0]).astype(np.int64))
        criterion = torch.nn.CrossEntropyLoss()
    else:
        y = torch.from_numpy(rng.randint(0, 2, size=(in_shape[0], 1)).astype(np.float32))
        criterion = torch.nn.BCEWithLogitsLoss()
    optimizer = opt_maker(torch, net.parameters())

    def step():
        optimizer.zero_grad()
        loss = criterion(net(x), y)
        loss.backward()
        optimizer.step()
        return loss
    return step, net


def make_epoch(torch):
    """One shuffled epoch over a 6,400-sample TensorDataset; returns epoch and the dataset."""
    rng = np.random.RandomState(2)
    x = torch.from_numpy(rng.randn(N_SAMPLES, 784).astype(np.float32))
    y = torch.from_numpy(rng.randint(0, 10, size=N_SAMPLES).astype(np.int64))
    dataset = torch.utils.data.TensorDataset(x, y)
    loader = torch.utils.data.DataLoader(dataset, batch_size=BATCH, shuffle=True)

    def epoch():
        return [(xb, yb) for xb, yb in loader]
    return epoch, dataset


def _check_epoch(what, batches, dataset):
    x_all = dataset.tensors[0].numpy()
    if len(batches) != N_SAMPLES // BATCH:
        raise BenchmarkCheckError(f"torch_train: {what} yields {len(batches)} batches, not "
                                  f"{N_SAMPLES // BATCH}")
    xs = np.concatenate([xb.numpy() for xb, _ in batches])
    ys = np.concatenate([yb.numpy() for _, yb in batches])
    if xs.dtype != np.float32 or ys.dtype != np.int64 or xs.shape != x_all.shape:
        raise BenchmarkCheckError(f"torch_train: {what} yields x {xs.dtype}{xs.shape}, "
                                  f"y {ys.dtype}{ys.shape}")
    # every sample exactly once: sort both by their first feature
    if not np.array_equal(np.sort(xs[:, 0]), np.sort(x_all[:, 0])):
        raise BenchmarkCheckError(f"torch_train: {what} does not yield every sample once")


def _check_step(kind, f_step, f_net, t_step, t_net):
    f_loss, t_loss = f_step(), t_step()
    _check_close(f"{kind} loss", f_loss.item(), t_loss.item(), 1e-5)
    for (name, fp), (_, tp) in zip(f_net.named_parameters(), t_net.named_parameters()):
        _check_close(f"{kind} {name}.grad", fp.grad.numpy(), tp.grad.numpy(), 1e-4)
        _check_close(f"{kind} {name} after one step", fp.detach().numpy(),
                     tp.detach().numpy(), 1e-4)
    # a second step: momentum / Adam's moments carry over
    f_loss, t_loss = f_step(), t_step()
    _check_close(f"{kind} loss (second step)", f_loss.item(), t_loss.item(), 1e-4)


LABELS = {"cnn": "CNN step (SGD momentum)", "mlp": "MLP step (Adam)",
          "logreg": "logreg step (dispatch)"}


def build(ctx):
    import funcgrad.torch as ft

    torch = ctx.torch
    if torch is None:
        ctx.notes.append("torch not installed: the PyTorch baselines, and so this workload, are "
                         "skipped")
        return None
    variants = []
    for kind in ("cnn", "mlp"):
        variants += _step_variants(ft, torch, kind, _weights(MODELS[kind][0](torch), 0))

    f_epoch, f_data = make_epoch(ft)
    t_epoch, t_data = make_epoch(torch)
    _check_epoch("funcgrad.torch loader", f_epoch(), f_data)
    _check_epoch("torch loader", t_epoch(), t_data)
    base = "torch DataLoader epoch"
    variants += [
        Variant(base, t_epoch, baseline=True, framework="torch"),
        Variant("funcgrad.torch DataLoader epoch", f_epoch, vs=base, target=TARGET,
                framework="funcgrad", profile=True),
    ]

    variants += _step_variants(ft, torch, "logreg", _weights(make_logreg(torch), 0))
    return variants


def _step_variants(ft, torch, kind, weights):
    """The PyTorch train step of `kind` (the baseline) and funcgrad.torch's, checked equal first."""
    f_step, f_net = make_step(ft, kind, weights)
    t_step, t_net = make_step(torch, kind, weights)
    _check_step(kind, f_step, f_net, t_step, t_net)
    base = f"torch {LABELS[kind]}"
    return [Variant(base, t_step, baseline=True, framework="torch"),
            Variant(f"funcgrad.torch {LABELS[kind]}", f_step, vs=base, target=TARGET,
                    framework="funcgrad", profile=True)]
