"""Bad calls (see _torch_bad_calls.py): shape operations, indexing, factories, autograd."""
from __future__ import annotations

import numpy as np
from _torch_bad_calls import FLOATS, INTS, X, case

import funcgrad.torch as ft

# ---- shapes: reshape, cat, stack, expand, permute ... -----------------------------------------

@case("reshape")
def _(d):
    s = d.shape()
    n = int(np.prod(s))
    a = d.arr(s)
    new = d.pick([(n + 1,), (-1, -1), (n, -2), (-1, n + 1), (0, -1)])
    return lambda T: T.reshape(X(T, a), new)


@case("view")
def _(d):
    s = d.shape()
    a = d.arr(s)
    new = d.pick([(int(np.prod(s)) + 1,), (-1, -1)])
    return lambda T: X(T, a).view(*new)


@case("cat")
def _(d):
    s = d.shape(2, 3)
    a, b = d.arr(s), d.arr(d.other_shape(s))
    return lambda T: T.cat([X(T, a), X(T, b)], 0)


@case("cat")
def _(d):
    a, b = d.arr(d.shape(1, 1)), d.arr(d.shape(2, 2))
    return lambda T: T.cat([X(T, a), X(T, b)])


@case("cat")
def _(d):
    return lambda T: T.cat([])


@case("cat")
def _(d):
    s = d.shape(1, 3)
    a, e = d.arr(s), np.zeros((0,), np.float32)
    return lambda T: T.cat([X(T, a), X(T, e)])


@case("stack")
def _(d):
    s = d.shape()
    a, b = d.arr(s), d.arr(d.other_shape(s))
    return lambda T: T.stack([X(T, a), X(T, b)])


@case("stack")
def _(d):
    return lambda T: T.stack([])


@case("expand")
def _(d):
    s = d.shape()
    a = d.arr(s)
    new = d.pick([s[1:] if len(s) > 1 else (), d.other_shape(s)])
    return lambda T: X(T, a).expand(*new)


@case("expand", msg=False)  # where the size is 1 PyTorch's words are an overflow's
def _(d):
    s = d.shape()
    a = d.arr(s)
    return lambda T: X(T, a).expand(*((-2,) + s[1:]))


@case("permute")
def _(d):
    s = d.shape(2, 3)
    a = d.arr(s)
    p = d.pick([tuple(range(len(s) - 1)), (0,) * len(s), tuple(range(len(s)))[:-1] + (9,)])
    return lambda T: T.permute(X(T, a), p)


@case("repeat")
def _(d):
    s = d.shape(2, 3)
    a = d.arr(s)
    return lambda T: X(T, a).repeat(*((2,) * (len(s) - 1)))


@case("repeat")
def _(d):
    a = d.arr(d.shape())
    return lambda T: X(T, a).repeat(-1, 2)


@case("tile")
def _(d):
    a = d.arr(d.shape())
    return lambda T: T.tile(X(T, a), (-1,))


@case("flatten")
def _(d):
    s = d.shape(2, 3)
    a = d.arr(s)
    return lambda T: T.flatten(X(T, a), len(s) - 1, 0)


@case("narrow")
def _(d):
    s = d.shape()
    a = d.arr(s)
    start, length = d.pick([(0, s[0] + 1), (s[0] + 1, 0), (0, -1)])
    return lambda T: T.narrow(X(T, a), 0, start, length)


@case("split")
def _(d):
    s = d.shape()
    a = d.arr(s)
    sizes = d.pick([[s[0] + 1], [0], [-1, s[0] + 1]])
    return lambda T: T.split(X(T, a), sizes)


@case("chunk")
def _(d):
    a = d.arr(d.shape())
    return lambda T: T.chunk(X(T, a), d.pick([0, -1]))


@case("select")
def _(d):
    s = d.shape()
    a = d.arr(s)
    return lambda T: T.select(X(T, a), 0, d.pick([s[0], -s[0] - 1, s[0] + 3]))


@case("squeeze")
def _(d):
    s = d.shape(2, 3)
    a = d.arr(s)
    return lambda T: T.squeeze(X(T, a), (0, 0))


@case("movedim")
def _(d):
    s = d.shape(2, 3)
    a = d.arr(s)
    return lambda T: T.movedim(X(T, a), (0, 0), (0, 1))


@case("movedim")
def _(d):
    s = d.shape(2, 3)
    a = d.arr(s)
    return lambda T: T.movedim(X(T, a), (0, 1), (0,))


@case("tril")
def _(d):
    a = d.arr(d.shape(0, 1))
    return lambda T: T.tril(X(T, a))


@case("diag")
def _(d):
    a = d.arr(d.shape(3, 3))
    return lambda T: T.diag(X(T, a))


@case("unflatten")
def _(d):
    a = d.arr((6, 2))
    return lambda T: T.unflatten(X(T, a), 0, d.pick([(4, 2), (5, -1)]))


@case("unflatten", msg=False)  # PyTorch's message is an internal error with a C++ trace
def _(d):
    a = d.arr((6, 2))
    return lambda T: T.unflatten(X(T, a), 0, (-1, -1))


@case("broadcast_to")
def _(d):
    s = d.shape()
    a = d.arr(s)
    return lambda T: T.broadcast_to(X(T, a), d.other_shape(s))


@case("broadcast_tensors")
def _(d):
    s = d.shape()
    a, b = d.arr(s), d.arr(d.other_shape(s))
    return lambda T: T.broadcast_tensors(X(T, a), X(T, b))


@case("t")
def _(d):
    a = d.arr(d.shape(3, 3))
    return lambda T: T.t(X(T, a))


@case("unfold")
def _(d):
    s = d.shape(1, 1, 2, 4)
    a = d.arr(s)
    size, step = d.pick([(s[0] + 1, 1), (1, 0), (-1, 1)])
    return lambda T: X(T, a).unfold(0, size, step)


@case("roll")
def _(d):
    a = d.arr(d.shape(2, 2))
    return lambda T: T.roll(X(T, a), (1, 2), (0,))


# ---- indexing ---------------------------------------------------------------------------------

@case("getitem")
def _(d):
    s = d.shape()
    a = d.arr(s)
    i = d.pick([s[0], -s[0] - 1, s[0] + 5])
    return lambda T: X(T, a)[i]


@case("getitem")
def _(d):
    s = d.shape(1, 2)
    a = d.arr(s)
    return lambda T: X(T, a)[(0,) * (len(s) + 1)]


@case("getitem")
def _(d):
    s = d.shape()
    a = d.arr(s)
    return lambda T: X(T, a)[..., s[-1]]


@case("getitem")
def _(d):
    s = d.shape()
    a = d.arr(s)
    idx = np.array([0, s[0] + d.int(0, 2)])
    return lambda T: X(T, a)[T.tensor(idx)]


@case("getitem")
def _(d):
    s = d.shape()
    a = d.arr(s)
    idx = d.arr((2,), d.pick(FLOATS), 0, 1)
    return lambda T: X(T, a)[T.tensor(idx)]


@case("getitem")
def _(d):
    s = d.shape()
    a, m = d.arr(s), d.arr((s[0] + 1,), "bool")
    return lambda T: X(T, a)[T.tensor(m)]


@case("getitem")
def _(d):
    s = d.shape(2, 3)
    a = d.arr(s)
    return lambda T: X(T, a)[T.tensor([0, 1]), T.tensor([0, 0, 0])]


@case("getitem")
def _(d):
    a = d.arr(d.shape())
    return lambda T: X(T, a)[::-1]


@case("getitem")
def _(d):
    a = d.arr(d.shape())
    return lambda T: X(T, a)[::0]


@case("getitem")
def _(d):
    a = d.arr(d.shape())
    return lambda T: X(T, a)[1.5]


@case("setitem")
def _(d):
    s = d.shape()
    a, v = d.arr(s), d.arr(d.other_shape(s))
    return lambda T: X(T, a).__setitem__(slice(None), X(T, v))


@case("setitem")
def _(d):
    s = d.shape()
    a = d.arr(s)
    return lambda T: X(T, a).__setitem__(s[0], 1.0)


@case("index_select")
def _(d):
    s = d.shape()
    a = d.arr(s)
    idx = np.array([0, d.pick([s[0], s[0] + 3, -1])])
    return lambda T: T.index_select(X(T, a), 0, T.tensor(idx))


@case("index_select")
def _(d):
    s = d.shape()
    a, idx = d.arr(s), d.arr((2,), d.pick(FLOATS + ("int16",)), 0, 1)
    return lambda T: T.index_select(X(T, a), 0, T.tensor(idx))


@case("index_select")
def _(d):
    s = d.shape()
    a = d.arr(s)
    return lambda T: T.index_select(X(T, a), 0, T.tensor([[0]]))


@case("gather")
def _(d):
    s = d.shape()
    a = d.arr(s)
    idx = np.full(s, d.pick([s[0], s[0] + 2, -s[0] - 1]))
    return lambda T: T.gather(X(T, a), 0, T.tensor(idx))


@case("gather")
def _(d):
    s = d.shape(2, 3)
    a = d.arr(s)
    return lambda T: T.gather(X(T, a), 0, T.zeros(s[:-1], dtype=T.int64))


@case("gather")
def _(d):
    s = d.shape()
    a = d.arr(s)
    return lambda T: T.gather(X(T, a), 0, T.zeros(s, dtype=T.int32))


@case("gather")
def _(d):
    s = d.shape(2, 3)
    a = d.arr(s)
    big = (s[0],) + tuple(x + 1 for x in s[1:])
    return lambda T: T.gather(X(T, a), 0, T.zeros(big, dtype=T.int64))


@case("scatter")
def _(d):
    s = d.shape()
    a = d.arr(s)
    idx = np.full(s, s[0] + d.int(0, 2))
    return lambda T: T.scatter(X(T, a), 0, T.tensor(idx), 1.0)


@case("scatter")
def _(d):
    s = d.shape()
    a = d.arr(s)
    return lambda T: T.scatter(X(T, a), 0, T.zeros(s, dtype=T.int64), X(T, a).double())


@case("scatter")
def _(d):
    s = d.shape()
    a = d.arr(s)
    return lambda T: T.scatter(X(T, a), 0, T.zeros(s, dtype=T.int64), 1.0, reduce="bogus")


@case("scatter_add")
def _(d):
    s = d.shape()
    a = d.arr(s)
    idx = np.full(s, s[0] + d.int(0, 2))
    return lambda T: T.scatter_add(X(T, a), 0, T.tensor(idx), X(T, a))


@case("scatter_reduce")
def _(d):
    s = d.shape()
    a = d.arr(s)
    return lambda T: T.scatter_reduce(X(T, a), 0, T.zeros(s, dtype=T.int64), X(T, a), "bogus")


@case("index_add")
def _(d):
    s = d.shape()
    a = d.arr(s)
    idx = np.array([s[0] + d.int(0, 2)])
    return lambda T: T.index_add(X(T, a), 0, T.tensor(idx), X(T, a)[:1])


@case("index_fill")
def _(d):
    s = d.shape()
    a = d.arr(s)
    return lambda T: T.index_fill(X(T, a), 0, T.tensor([s[0]]), 1.0)


@case("take")
def _(d):
    s = d.shape()
    a = d.arr(s)
    return lambda T: T.take(X(T, a), T.tensor([int(np.prod(s)) + d.int(0, 2)]))


@case("take_along_dim")
def _(d):
    s = d.shape()
    a = d.arr(s)
    return lambda T: T.take_along_dim(X(T, a), T.zeros(s), 0)


@case("masked_select")
def _(d):
    s = d.shape()
    a, m = d.arr(s), d.arr(d.other_shape(s), "bool")
    return lambda T: T.masked_select(X(T, a), X(T, m))


@case("nonzero")
def _(d):
    a = d.arr(d.shape(0, 3, 0, 2))
    return lambda T: T.nonzero(X(T, a))


# ---- factories --------------------------------------------------------------------------------

for _name in ("zeros", "ones", "empty", "rand", "randn"):
    @case(_name, msg=False)  # PyTorch words it two ways, by where it is
    def _negative_size(d, _name=_name):
        s = d.shape(1, 3, 0, 3)
        s = s[:-1] + (-d.int(1, 3),)
        return lambda T: getattr(T, _name)(s)

    @case(_name, msg=False)  # PyTorch's argument parser's words
    def _float_size(d, _name=_name):
        return lambda T: getattr(T, _name)((2, 1.5))


@case("full")
def _(d):
    return lambda T: T.full((2, -1), 1.0)


@case("randn", msg=False)
def _(d):
    return lambda T: T.randn(2, dtype=d.pick([T.int64, T.int32, T.bool]))


@case("rand", msg=False)
def _(d):
    return lambda T: T.rand(2, dtype=T.int64)


@case("arange")
def _(d):
    start, end, step = d.pick([(0, 3, 0), (3, 0, 1), (0, 3, -1), (0, float("inf"), 1),
                               (0, float("nan"), 1)])
    return lambda T: T.arange(start, end, step)


@case("linspace")
def _(d):
    return lambda T: T.linspace(0, 1, -d.int(1, 3))


@case("eye")
def _(d):
    return lambda T: T.eye(-d.int(1, 3))


@case("randint")
def _(d):
    lo = d.int(0, 5)
    return lambda T: T.randint(lo, lo - d.int(0, 2), (2,))


@case("randperm")
def _(d):
    return lambda T: T.randperm(-d.int(1, 3))


@case("multinomial")
def _(d):
    p = d.pick([[0.2, -0.1], [0.0, 0.0], [float("nan"), 1.0]])
    return lambda T: T.multinomial(T.tensor(p), 1)


@case("multinomial")
def _(d):
    return lambda T: T.multinomial(T.tensor([0.5, 0.5]), 3)


@case("tensor")
def _(d):
    data = d.pick([[[1, 2], [3]], [[1.0], 2.0], ["a"], [[1, 2], [3, 4, 5]]])
    return lambda T: T.tensor(data)


@case("tensor")
def _(d):
    return lambda T: T.tensor([1, 2], requires_grad=True)


@case("tensor")
def _(d):
    return lambda T: T.tensor([1.0], dtype="float32")


@case("zeros")
def _(d):
    return lambda T: T.zeros(2, device=d.pick(["gpu", "cuda:x", "tpu", "bogus"]))


# 'cuda' where there is none: PyTorch's CPU build and funcgrad without a GPU both refuse it (on
# a machine with a GPU funcgrad runs it, so these run only where funcgrad has none)
if not ft.cuda.is_available():
    @case("cuda")
    def _(d):
        a = d.arr(d.shape())
        how = d.pick(["to", "cuda", "zeros", "tensor", "device_index"])
        if how == "to":
            return lambda T: X(T, a).to("cuda")
        if how == "cuda":
            return lambda T: X(T, a).cuda()
        if how == "zeros":
            return lambda T: T.zeros(2, device="cuda")
        if how == "tensor":
            return lambda T: T.tensor([1.0], device="cuda:0")
        return lambda T: T.zeros(2, device=0)


@case("device")
def _(d):
    return lambda T: T.device(d.pick(["gpu", "cuda:-1", "cpu:x", "", "cuda:0:1"]))


@case("requires_grad_")
def _(d):
    a = d.arr(d.shape(), d.pick(INTS + ("bool",)))
    return lambda T: X(T, a).requires_grad_()


@case("requires_grad_")
def _(d):
    s = d.shape()
    return lambda T: T.zeros(s, dtype=d.pick([T.int64, T.bool]), requires_grad=True)


@case("item")
def _(d):
    a = d.arr(d.pick([(2,), (0,), (2, 2)]))
    return lambda T: X(T, a).item()


@case("to")
def _(d):
    a = d.arr(d.shape())
    return lambda T: X(T, a).to(d.pick(["bogus", 5]))


@case("one_hot")
def _(d):
    n = d.int(2, 4)
    idx = np.array([0, n + d.int(0, 2)])
    return lambda T: T.nn.functional.one_hot(T.tensor(idx), n)


@case("one_hot")
def _(d):
    return lambda T: T.nn.functional.one_hot(T.tensor([-1, 0]))


# ---- autograd ---------------------------------------------------------------------------------

@case("backward")
def _(d):
    a = d.arr(d.shape(1, 2, 2, 3))
    return lambda T: (X(T, a, True) * 2).backward()


@case("backward")
def _(d):
    s = d.shape()
    a, g = d.arr(s), d.arr(d.other_shape(s))
    return lambda T: (X(T, a, True) * 2).backward(X(T, g))


@case("backward")
def _(d):
    a = d.arr(d.shape())
    return lambda T: X(T, a).sum().backward()


@case("backward")
def _(d):
    a = d.arr(d.shape())
    return lambda T: (X(T, a, True) * 2).sum().backward(X(T, np.float64(1.0)).int())


@case("autograd.grad")
def _(d):
    s = d.shape()
    a, g = d.arr(s), d.arr(d.other_shape(s))

    def call(T):
        x = X(T, a, True)
        return T.autograd.grad(x * 2, x, X(T, g))
    return call


@case("autograd.grad")
def _(d):
    a = d.arr(d.shape())

    def call(T):
        x = X(T, a, True)
        return T.autograd.grad((x * 2).sum(), [x, X(T, a, True)])
    return call


@case("diagonal")
def _(d):
    a = d.arr(d.shape(2, 3))
    dim = d.int(0, a.ndim - 1)
    return lambda T: T.diagonal(X(T, a), 0, dim, dim - a.ndim)


@case("diag_embed")
def _(d):
    a = d.arr(d.shape(1, 2))
    return lambda T: T.diag_embed(X(T, a), dim1=0, dim2=0)


@case("flip")
def _(d):
    a = d.arr(d.shape(1, 3))
    return lambda T: X(T, a).flip(0, 0)


@case("tril_indices")
def _(d):
    r, c = d.pick([(-1, 3), (3, -2)])
    return lambda T: T.tril_indices(r, c)


@case("triu_indices")
def _(d):
    r, c = d.pick([(-1, 3), (3, -2)])
    return lambda T: T.triu_indices(r, c)


@case("arange", msg=False)
def _(d):
    return lambda T: T.arange(0, d.int(1, 5), dtype=T.bool)


@case("to")
def _(d):
    a = d.arr(d.shape())
    return lambda T: X(T, a).to(dtype="float32")


@case("fft.fft")
def _(d):
    a = d.arr(d.shape(1, 2))
    kw = d.pick([{"n": 0}, {"n": -1}, {"dim": a.ndim + d.int(0, 2)}])
    return lambda T: T.fft.fft(X(T, a), **kw)


@case("fft.fft2")
def _(d):
    a = d.arr(d.shape(2, 3))
    return lambda T: T.fft.fft2(X(T, a), dim=(0, a.ndim + 1))


@case("index_copy")
def _(d):
    s = d.shape()
    a = d.arr(s)
    i = d.pick([s[0], s[0] + 2, -1])
    return lambda T: T.index_copy(X(T, a), 0, T.tensor([i]), X(T, a)[:1])


@case("masked_scatter")
def _(d):
    s = d.shape()
    a = d.arr(s)
    mask = d.arr(s, d.pick(["float32", "bool"]), 1, 2)
    return lambda T: X(T, a).masked_scatter(X(T, mask > 0) if mask.dtype == bool else X(T, mask),
                                            T.zeros(a.size - 1))


for _name in ("hstack", "vstack", "dstack", "column_stack"):
    @case(_name)
    def _empty_list(d, _name=_name):
        return lambda T: getattr(T, _name)([])


@case("rot90")
def _(d):
    a = d.arr(d.pick([(2, 3), (3,)]))
    dims = d.pick([(0, 0), (0, 1), (1, -2)])
    return lambda T: T.rot90(X(T, a), 1, dims)


@case("cartesian_prod")
def _(d):
    a = d.arr(d.shape(2, 2))
    return lambda T: T.cartesian_prod(X(T, a))


@case("meshgrid")
def _(d):
    a, b = d.arr((2,)), d.arr(d.shape(2, 2))
    return lambda T: T.meshgrid(X(T, a), X(T, b), indexing="ij")


@case("tensor_split")
def _(d):
    a = d.arr(d.shape())
    return lambda T: T.tensor_split(X(T, a), d.pick([0, -1]))


@case("repeat_interleave")
def _(d):
    s = d.shape()
    a = d.arr(s)
    reps = d.pick([[-1], [1] * (s[0] + 1), [2] * s[0]])
    return lambda T: T.repeat_interleave(X(T, a), T.tensor(reps), dim=0)


@case("take")
def _(d):
    a = d.arr(d.shape())
    return lambda T: T.take(X(T, a), T.tensor(d.pick([[0.5], [0]], )))


@case("inner")
def _(d):
    a, b = d.arr(d.shape()), d.arr(d.shape())
    return lambda T: T.inner(X(T, a), X(T, b))
