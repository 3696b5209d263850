"""The table of bad calls that tests/test_torch_bad_input.py runs in PyTorch and funcgrad.torch:
how a builder is registered (`case`), what it may draw (`Draw`), and the builders of bad calls to
the elementwise operations, softmax and friends, reductions and products. The shape operations,
indexing, factories and autograd are in _torch_bad_calls_index.py; nn.functional, losses, layers
and optimizers in _torch_bad_calls_nn.py."""
from __future__ import annotations

from collections import defaultdict

import numpy as np

# ---- the table --------------------------------------------------------------------------------

CASES: dict[str, list] = defaultdict(list)
# builders of calls known not to end as in PyTorch yet, each saying why: run by an xfail test
# until the fix lands, so the suite stays green and notices when it does
PENDING: dict[str, list] = defaultdict(list)


def case(name, *, msg=True, values=True, pending=None):
    """Register a builder of bad calls to `name`. msg=False: only the exception class is compared
    (PyTorch's message names an internal kernel); values=False: a call PyTorch accepts returns
    random values, so only shapes and dtypes are compared; pending: why it is not yet fixed."""
    def register(builder):
        builder.msg, builder.values, builder.pending = msg, values, pending
        (PENDING if pending else CASES)[name].append(builder)
        return builder
    return register


FLOATS = ("float32", "float64")
INTS = ("int64", "int32", "int16", "uint8")


class Draw:
    """What a builder may ask for; backed by hypothesis (the test) or random (debugging). What
    a call draws while it runs (inside its `lambda T: ...`) is drawn once, in the first library,
    and replayed in the second (see mark and rewind), so both run the same call."""

    def __init__(self, draw_int):
        self._draw_int = draw_int
        self._log, self._pos, self._mark = [], None, 0

    def int(self, lo, hi):
        if self._pos is not None and self._pos < len(self._log):
            self._pos += 1
            return self._log[self._pos - 1]
        v = self._draw_int(lo, hi)
        self._log.append(v)
        return v

    def pick(self, seq):
        seq = list(seq)
        return seq[self.int(0, len(seq) - 1)]

    def mark(self):
        """Draws from here on are the call's own: rewind replays them."""
        self._mark = len(self._log)

    def rewind(self):
        self._pos = self._mark

    def shape(self, min_dims=1, max_dims=3, lo=1, hi=4):
        return tuple(self.int(lo, hi) for _ in range(self.int(min_dims, max_dims)))

    def other_shape(self, shape):
        """A shape that does not broadcast with `shape` (same rank, one side different, > 1)."""
        i = self.int(0, len(shape) - 1)
        s = list(shape)
        s[i] = s[i] + self.int(1, 3) if s[i] > 1 else self.int(2, 4)
        if s[i] == shape[i] or shape[i] == 1:
            s[i] = shape[i] + 2 if shape[i] > 1 else 3
        return tuple(s)

    def bad_dim(self, ndim):
        return self.pick([ndim, ndim + self.int(0, 3), -ndim - 1 - self.int(0, 2)])

    def arr(self, shape, dtype="float32", lo=-3, hi=3):
        rng = np.random.default_rng(self.int(0, 2**16))
        if dtype == "bool":
            return rng.integers(0, 2, shape).astype(bool)
        if np.dtype(dtype).kind in "iu":
            return rng.integers(max(lo, 0) if dtype == "uint8" else lo, hi, shape).astype(dtype)
        return rng.uniform(lo, hi, shape).astype(dtype)


def X(T, a, requires_grad=False):
    """The numpy array `a` as a tensor of library T."""
    t = T.tensor(a)
    return t.requires_grad_() if requires_grad else t


def L(T):
    return T.tensor(np.arange(3))


# ---- elementwise ------------------------------------------------------------------------------

for _name in ("add", "sub", "mul", "div", "maximum", "minimum", "atan2", "pow", "eq", "lt",
              "remainder", "fmod", "hypot", "logaddexp", "xlogy", "floor_divide"):
    @case(_name)
    def _broadcast(d, _name=_name):
        s = d.shape()
        a, b = d.arr(s), d.arr(d.other_shape(s))
        return lambda T: getattr(T, _name)(X(T, a), X(T, b))

for _name in ("bitwise_and", "bitwise_or", "bitwise_xor"):
    @case(_name, msg=False)
    def _bitwise_float(d, _name=_name):
        s = d.shape()
        a, b = d.arr(s, d.pick(FLOATS)), d.arr(s, d.pick(INTS + FLOATS))
        return lambda T: getattr(T, _name)(X(T, a), X(T, b))


@case("bitwise_not", msg=False)
def _(d):
    a = d.arr(d.shape(), d.pick(FLOATS))
    return lambda T: T.bitwise_not(X(T, a))


@case("div")
def _(d):
    a = d.arr(d.shape())
    mode = d.pick(["bogus", "Floor", "truncate "])
    return lambda T: T.div(X(T, a), 2.0, rounding_mode=mode)


@case("add")
def _(d):
    a = d.arr(d.shape(), d.pick(INTS))
    return lambda T: X(T, a).add_(1.5)


@case("add")
def _(d):
    a = d.arr(d.shape())
    return lambda T: T.add(X(T, a), 1, alpha=0.5)


@case("mul")
def _(d):
    a, b = d.arr(d.shape(), "bool"), d.arr(d.shape())
    return lambda T: X(T, a).mul_(X(T, b))


@case("where")
def _(d):
    s = d.shape()
    c, a = d.arr(s, d.pick(FLOATS + INTS)), d.arr(s)
    return lambda T: T.where(X(T, c), X(T, a), X(T, a))


@case("where")
def _(d):
    s = d.shape()
    c, a, b = d.arr(s, "bool"), d.arr(s), d.arr(d.other_shape(s))
    return lambda T: T.where(X(T, c), X(T, a), X(T, b))


@case("masked_fill")
def _(d):
    s = d.shape()
    a, m = d.arr(s), d.arr(s, d.pick(FLOATS + ("int64", "uint8")))
    return lambda T: X(T, a).masked_fill(X(T, m), 0.0)


@case("masked_fill")
def _(d):
    s = d.shape()
    a, m = d.arr(s), d.arr(d.other_shape(s), "bool")
    return lambda T: X(T, a).masked_fill(X(T, m), 0.0)


@case("clamp")
def _(d):
    a = d.arr(d.shape())
    return lambda T: T.clamp(X(T, a))


@case("clamp")
def _(d):
    s = d.shape()
    a, lo = d.arr(s), d.arr(d.other_shape(s))
    return lambda T: T.clamp(X(T, a), min=X(T, lo))


@case("lerp")
def _(d):
    s = d.shape()
    a, b = d.arr(s), d.arr(s, "float64")
    return lambda T: T.lerp(X(T, a), X(T, b), 0.5)


@case("lerp")
def _(d):
    s = d.shape()
    a, b = d.arr(s), d.arr(d.other_shape(s))
    return lambda T: T.lerp(X(T, a), X(T, b), 0.5)


for _name in ("sqrt", "exp", "log", "sin", "tanh", "sigmoid", "abs", "neg", "floor", "round"):
    @case(_name)
    def _unary_empty_or_int(d, _name=_name):
        a = d.arr(d.shape(lo=0, hi=3), d.pick(FLOATS + INTS))
        return lambda T: getattr(T, _name)(X(T, a))


@case("neg")
def _(d):
    a = d.arr(d.shape(), "bool")
    return lambda T: T.neg(X(T, a))


@case("sqrt")
def _(d):
    a = d.arr(d.shape(), d.pick(INTS))
    return lambda T: X(T, a).sqrt_()


# ---- softmax and friends: integer inputs, bad dims --------------------------------------------

for _name, _fn in (("softmax", lambda T: T.softmax), ("log_softmax", lambda T: T.log_softmax),
                   ("F.softmax", lambda T: T.nn.functional.softmax),
                   ("F.log_softmax", lambda T: T.nn.functional.log_softmax),
                   ("F.softmin", lambda T: T.nn.functional.softmin)):
    @case(_name, msg=False)
    def _softmax_int(d, _fn=_fn):
        s = d.shape()
        a = d.arr(s, d.pick(INTS))
        dim = d.int(-len(s), len(s) - 1)
        return lambda T: _fn(T)(X(T, a), dim)

    @case(_name)
    def _softmax_dim(d, _fn=_fn):
        s = d.shape()
        a, dim = d.arr(s), d.bad_dim(len(s))
        return lambda T: _fn(T)(X(T, a), dim)


@case("F.softmax")
def _(d):
    a = d.arr(d.shape())
    return lambda T: T.nn.functional.softmax(X(T, a), 0, dtype=T.int64)


@case("nn.Softmax")
def _(d):
    s = d.shape()
    a, dim = d.arr(s), d.bad_dim(len(s))
    return lambda T: T.nn.Softmax(dim=dim)(X(T, a))


@case("F.gelu")
def _(d):
    a = d.arr(d.shape())
    return lambda T: T.nn.functional.gelu(X(T, a), approximate="fast")


for _name in ("relu", "elu", "silu", "gelu", "leaky_relu", "hardtanh", "softplus", "logsigmoid",
              "mish", "selu", "celu", "hardswish", "hardsigmoid", "relu6", "softsign"):
    @case("F." + _name, msg=False)
    def _act_int(d, _name=_name):
        a = d.arr(d.shape(), d.pick(("int64", "int32")))
        return lambda T: getattr(T.nn.functional, _name)(X(T, a))


@case("F.glu")
def _(d):
    s = d.shape()
    s = s[:-1] + (2 * s[-1] + 1,)
    a = d.arr(s)
    return lambda T: T.nn.functional.glu(X(T, a), -1)


@case("F.glu")
def _(d):
    s = d.shape()
    a = d.arr(s)
    return lambda T: T.nn.functional.glu(X(T, a), d.bad_dim(len(s)))


@case("F.hardtanh")
def _(d):
    a = d.arr(d.shape())
    return lambda T: T.nn.functional.hardtanh(X(T, a), 1.0, -1.0)


@case("F.prelu")
def _(d):
    s = (2, d.int(2, 4), 3)
    a, w = d.arr(s), d.arr((s[1] + d.int(1, 2),))
    return lambda T: T.nn.functional.prelu(X(T, a), X(T, w))


# ---- reductions -------------------------------------------------------------------------------

def _dim_call(T, name, a, dim):
    f = getattr(T, name)
    if name in ("topk", "kthvalue"):
        return f(a, 1, dim)
    if name in ("narrow",):
        return f(a, dim, 0, 1)
    if name in ("select",):
        return f(a, dim, 0)
    if name in ("chunk", "split"):
        return f(a, 1, dim)
    if name in ("transpose", "movedim"):
        return f(a, 0, dim)
    if name == "diagonal":
        return f(a, 0, 0, dim)
    if name in ("roll",):
        return f(a, 1, dim)
    if name in ("cat", "stack"):
        return f([a, a], dim)
    if name == "flip":
        return f(a, [dim])
    if name == "norm":
        return f(a, dim=dim)
    if name in ("gather",):
        return f(a, dim, T.zeros_like(a, dtype=T.int64))
    if name in ("index_select",):
        return f(a, dim, T.tensor([0]))
    return f(a, dim)


for _name in ("sum", "mean", "prod", "amax", "amin", "argmax", "argmin", "std", "var",
              "logsumexp", "cumsum", "cumprod", "all", "any", "max", "min", "median", "nansum",
              "count_nonzero", "flip", "squeeze", "unsqueeze", "norm", "sort", "argsort", "topk",
              "kthvalue", "unbind", "select", "narrow", "transpose", "movedim", "diagonal",
              "roll", "chunk", "split", "cat", "stack", "flatten", "gather", "index_select"):
    @case(_name)
    def _bad_dim(d, _name=_name):
        s = d.shape()
        a = d.arr(s)
        dim = d.bad_dim(len(s) + (1 if _name in ("unsqueeze", "stack") else 0))
        return lambda T: _dim_call(T, _name, X(T, a), dim)

for _name in ("sum", "mean", "amax", "std", "var", "logsumexp"):
    @case(_name)
    def _dup_dims(d, _name=_name):
        s = d.shape(min_dims=2)
        a, i = d.arr(s), d.int(0, len(s) - 1)
        return lambda T: getattr(T, _name)(X(T, a), (i, i - len(s)))

for _name in ("mean", "std", "var", "logsumexp"):
    @case(_name, msg=False)
    def _int_float_only(d, _name=_name):
        a = d.arr(d.shape(), d.pick(INTS))
        return lambda T: getattr(T, _name)(X(T, a))

for _name in ("max", "min", "argmax", "argmin", "amax", "amin", "median", "mode", "kthvalue",
              "topk", "aminmax"):
    @case(_name)
    def _empty_reduce(d, _name=_name):
        s = d.shape(lo=0, hi=3)
        s = s[:-1] + (0,)
        a = d.arr(s)
        with_dim = d.pick([None, len(s) - 1, 0])

        def call(T):
            f = getattr(T, _name)
            if _name in ("kthvalue", "topk"):
                return f(X(T, a), 1) if with_dim is None else f(X(T, a), 1, with_dim)
            if _name == "aminmax":
                return f(X(T, a)) if with_dim is None else f(X(T, a), dim=with_dim)
            return f(X(T, a)) if with_dim is None else f(X(T, a), with_dim)
        return call

for _name in ("sum", "mean", "prod", "std", "var", "logsumexp", "cumsum", "norm", "all", "any"):
    @case(_name)
    def _empty_ok(d, _name=_name):
        a = d.arr(d.shape(lo=0, hi=2))
        return lambda T: getattr(T, _name)(X(T, a))


@case("norm")
def _(d):
    a = d.arr(d.shape())
    p = d.pick(["bogus", "nuc", "inf"])
    return lambda T: T.norm(X(T, a), p=p)


@case("topk")
def _(d):
    s = d.shape()
    a = d.arr(s)
    return lambda T: T.topk(X(T, a), s[-1] + d.int(1, 3))


@case("kthvalue")
def _(d):
    s = d.shape()
    a = d.arr(s)
    return lambda T: T.kthvalue(X(T, a), d.pick([0, s[-1] + 1]))


@case("std")
def _(d):
    a = d.arr(d.shape())
    return lambda T: T.std(X(T, a), correction=d.pick([-1, 0.5]))


# ---- products ---------------------------------------------------------------------------------

@case("matmul")
def _(d):
    n, k, m = d.int(1, 4), d.int(1, 4), d.int(1, 4)
    a, b = d.arr((n, k)), d.arr((k + d.int(1, 2), m))
    return lambda T: T.matmul(X(T, a), X(T, b))


@case("matmul")
def _(d):
    b1, b2 = d.int(2, 3), d.int(4, 5)
    a, b = d.arr((b1, 2, 3)), d.arr((b2, 3, 2))
    return lambda T: X(T, a) @ X(T, b)


@case("matmul")
def _(d):
    a, b = d.arr(()), d.arr(d.shape())
    return lambda T: T.matmul(X(T, a), X(T, b))


@case("matmul")
def _(d):
    s = d.shape(2, 2)
    a, b = d.arr(s), d.arr(s[::-1], d.pick(("float64", "int64")))
    return lambda T: T.matmul(X(T, a), X(T, b))


@case("mm")
def _(d):
    a, b = d.arr(d.shape(1, 3)), d.arr(d.shape(1, 3))
    return lambda T: T.mm(X(T, a), X(T, b))


@case("bmm")
def _(d):
    a, b = d.arr((d.int(1, 3), 2, 3)), d.arr((d.int(4, 5), 3, 2))
    return lambda T: T.bmm(X(T, a), X(T, b))


@case("bmm")
def _(d):
    a, b = d.arr(d.shape(2, 2)), d.arr(d.shape(2, 4))
    return lambda T: T.bmm(X(T, a), X(T, b))


@case("mv")
def _(d):
    a, b = d.arr((2, 3)), d.arr((d.pick([2, 4]),))
    return lambda T: T.mv(X(T, a), X(T, b))


@case("dot")
def _(d):
    a, b = d.arr((d.int(1, 3),)), d.arr((d.int(4, 5),))
    return lambda T: T.dot(X(T, a), X(T, b))


@case("dot")
def _(d):
    a, b = d.arr((3,)), d.arr((3,), d.pick(("float64", "int64")))
    return lambda T: T.dot(X(T, a), X(T, b))


@case("outer")
def _(d):
    a, b = d.arr((2, 2)), d.arr((3,))
    return lambda T: T.outer(X(T, a), X(T, b))


@case("einsum")
def _(d):
    a, b = d.arr((2, 3)), d.arr((4, 5))
    eq = d.pick(["ij,jk->ik", "ij->ijk", "ij,jk", "i,j->ij"])
    return lambda T: T.einsum(eq, X(T, a), X(T, b))


@case("addmm")
def _(d):
    a, b, c = d.arr((2, 3)), d.arr((3, 4)), d.arr((d.pick([3, 5]), 4))
    return lambda T: T.addmm(X(T, c), X(T, a), X(T, b))


@case("F.linear")
def _(d):
    i = d.int(1, 4)
    x, w = d.arr((2, i)), d.arr((3, i + d.int(1, 2)))
    return lambda T: T.nn.functional.linear(X(T, x), X(T, w))


@case("F.linear")
def _(d):
    x, w, b = d.arr((2, 3)), d.arr((4, 3)), d.arr((d.pick([3, 5]),))
    return lambda T: T.nn.functional.linear(X(T, x), X(T, w), X(T, b))


@case("tensordot")
def _(d):
    a, b = d.arr((2, 3)), d.arr(d.pick([(4, 5), (3, 5)]))
    dims = d.pick([1, 3, -1, ([1], [1]), ([1], [0, 1])])
    return lambda T: T.tensordot(X(T, a), X(T, b), dims=dims)


@case("searchsorted")
def _(d):
    s, v = d.arr((2, 3)), d.arr((d.pick([1, 3]), 2))
    return lambda T: T.searchsorted(X(T, s), X(T, v))


@case("bucketize")
def _(d):
    v, b = d.arr((3,)), d.arr((2, 2))
    return lambda T: T.bucketize(X(T, v), X(T, b))


@case("softmax")
def _(d):
    a = d.arr(d.shape())
    return lambda T: X(T, a).softmax(dim=None)


for _name in ("F.l1_loss", "F.mse_loss"):
    @case(_name, msg=False)
    def _int_loss(d, _name=_name):
        s = d.shape()
        x, t = d.arr(s, "int64"), d.arr(s, "int64")
        red = d.pick(["mean", "sum"])
        return lambda T: getattr(T.nn.functional, _name[2:])(X(T, x), X(T, t), reduction=red)
