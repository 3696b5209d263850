"""vmap against a Python loop.

`CASES` is a table of user-level functions, at least one per primitive in PRIMITIVES (a test fails
when a primitive has none). For each case, hypothesis draws per-example shapes and static
parameters, a batch size, an in_axes entry per argument (negative axes and None included) and an
out_axes entry per output leaf (negative included); the arguments are random examples stacked
along their axes. vmap(f) must equal the loop `stack([f(*example_b) for b in range(size)])`:
same shape, same dtype, same values (to rounding). The test also records which primitives the
batching trace saw, so an entry that stops exercising its primitive fails.

Then: the transforms composed with vmap (nested vmap, per-example gradients, grad/jvp of vmap,
vmap of jvp, jit inside and outside), pytrees, axis_size, kwargs, and the errors, by message.
"""
from __future__ import annotations

import contextlib
import dataclasses
import io
import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import funcgrad as fg
import funcgrad.numpy as fnp
import funcgrad.random
import funcgrad.scipy.special as fsp
import funcgrad.debug  # noqa: F401  (fg.debug.callback)
from funcgrad.scipy.integrate import odeint
from funcgrad import lax
from funcgrad._core.primitive import PRIMITIVES
from funcgrad.interpreters.batching import BatchTrace
from funcgrad.interpreters.jit import jit_p
from funcgrad.lax.control import check as runtime_check

F32, F64, I32, I64, BOOL = (np.dtype(t) for t in (np.float32, np.float64, np.int32, np.int64,
                                                    np.bool_))
FLOATS = (F64, F32)
MAX_SIDE = 3


# ---- value samplers: sample(rng, shape, dtype) -> numpy array -----------------------------------

def real(lo=-2.0, hi=2.0):
    def sample(rng, shape, dtype):
        if dtype.kind in "iu":
            return rng.integers(int(np.floor(lo)), int(np.ceil(hi)) + 1, size=shape).astype(dtype)
        if dtype.kind == "b":
            return rng.random(shape) < 0.5
        return rng.uniform(lo, hi, size=shape).astype(dtype)
    return sample


def away(lo=0.5, hi=2.0):
    """Magnitudes in [lo, hi] of either sign (integers: nonzero)."""
    def sample(rng, shape, dtype):
        sign = rng.choice([-1, 1], size=shape)
        if dtype.kind in "iu":
            return (sign * rng.integers(1, int(hi) + 1, size=shape)).astype(dtype)
        return (sign * rng.uniform(lo, hi, size=shape)).astype(dtype)
    return sample


def grid(rng, shape, dtype):
    """Multiples of 1/2 (integers: -2..2), so that ties and equalities happen."""
    if dtype.kind == "b":
        return rng.random(shape) < 0.5
    v = rng.integers(-2, 3, size=shape)
    return (v if dtype.kind in "iu" else v / 2.0).astype(dtype)


def special(rng, shape, dtype):
    v = rng.uniform(-2, 2, size=shape)
    s = rng.choice([np.inf, -np.inf, np.nan], size=shape)
    return np.where(rng.random(shape) < 0.4, s, v).astype(dtype)


def ints(lo, hi):
    return lambda rng, shape, dtype: rng.integers(lo, hi + 1, size=shape).astype(dtype)


def bits(rng, shape, dtype):
    if dtype.kind == "b":
        return rng.random(shape) < 0.5
    return rng.integers(-4, 5, size=shape).astype(dtype)


def cplx(rng, shape, dtype):
    v = rng.uniform(-2, 2, size=shape)
    if dtype.kind == "c":
        v = v + 1j * rng.uniform(-2, 2, size=shape)
    return v.astype(dtype)


R, POS, UNIT, L1P, TANR = real(), real(0.2, 3.0), real(-0.9, 0.9), real(-0.6, 2.0), real(-1.2, 1.2)
COMPLEX = (np.dtype(np.complex128), np.dtype(np.complex64))


@dataclasses.dataclass(frozen=True)
class Arg:
    shape: tuple
    dtype: np.dtype
    sample: Callable = R


@dataclasses.dataclass
class Case:
    name: str
    prims: frozenset
    fn: Callable                  # fn(*args, **params), one example
    spec: Any                     # strategy of (list[Arg], params)

    def __repr__(self):
        return self.name


CASES: list[Case] = []


def case(name, prims, fn, spec):
    CASES.append(Case(name, frozenset([prims] if isinstance(prims, str) else prims), fn, spec))


def shapes(min_dims=0, max_dims=3, min_side=0, max_side=MAX_SIDE):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def one(sample=R, dtypes=FLOATS, **shape_kw):
    return st.builds(lambda s, d: ([Arg(s, d, sample)], {}), shapes(**shape_kw),
                     st.sampled_from(dtypes))


def many(n, samples, dtypes=FLOATS, max_dims=3):
    """n mutually broadcastable arguments (scalars, size-0 and size-1 axes included)."""
    samples = samples if isinstance(samples, (list, tuple)) else [samples] * n
    dts = dtypes if isinstance(dtypes[0], (list, tuple)) else [dtypes] * n
    return st.builds(
        lambda b, ds: ([Arg(tuple(s), d, smp) for s, d, smp in zip(b.input_shapes, ds, samples)],
                       {}),
        hnp.mutually_broadcastable_shapes(num_shapes=n, min_dims=0, max_dims=max_dims,
                                          min_side=0, max_side=MAX_SIDE),
        st.tuples(*[st.sampled_from(d) for d in dts]))


# ---- elementwise ----------------------------------------------------------------------------

for _name, _dom in (("abs", R), ("acos", UNIT), ("asin", UNIT), ("atan", R), ("ceil", R),
                    ("cos", R), ("cosh", R), ("exp", R), ("expm1", R), ("floor", R),
                    ("log", POS), ("log1p", L1P), ("logistic", R), ("neg", R), ("round", grid),
                    ("rsqrt", POS), ("sign", grid), ("sin", R), ("sinh", R), ("sqrt", POS),
                    ("tan", TANR), ("tanh", R), ("asinh", R), ("acosh", real(1.1, 3.0)),
                    ("atanh", UNIT), ("cbrt", away())):
    case(_name, _name, getattr(lax, _name), one(_dom))
for _name, _fun, _dom in (("erf", fsp.erf, R), ("erfc", fsp.erfc, R), ("lgamma", fsp.gammaln, POS),
                          ("digamma", fsp.digamma, POS), ("trigamma", fsp.trigamma, POS)):
    case(_name, _name, _fun, one(_dom))
for _name in ("real", "imag", "conj"):
    case(_name, _name, getattr(lax, _name), one(cplx, dtypes=COMPLEX + (F64,)))

case("is_finite", "is_finite", lax.is_finite, one(special))
case("signbit", "signbit", lax.signbit, one(special))
case("bitwise_not", "not", lax.bitwise_not, one(bits, dtypes=(BOOL, I32, I64)))
case("integer_pow", "integer_pow", lambda x, *, y: lax.integer_pow(x, y),
     st.builds(lambda a, y: (a[0], {"y": y}), one(away()), st.integers(-2, 3)))
case("convert_element_type", "convert_element_type",
     lambda x, *, dtype: lax.convert_element_type(x, dtype),
     st.builds(lambda a, d: (a[0], {"dtype": d}), one(R, dtypes=(F64, F32, I32, BOOL)),
               st.sampled_from((F64, F32, I32, I64, BOOL))))
case("stop_gradient", "stop_gradient", fg.stop_gradient, one(R))
case("device_put", "device_put", lambda x: fg.device_put(x, "cpu"), one(R))

ARITH = (F64, F32, I32, I64)
lax_elementwise = lax.elementwise
for _name, _prim, _samples, _dts in (
        ("add", "add", R, ARITH), ("sub", "sub", R, ARITH), ("mul", "mul", R, ARITH),
        ("div", "div", [R, away()], FLOATS), ("pow", "pow", [POS, R], FLOATS),
        ("atan2", "atan2", R, FLOATS), ("rem", "rem", [R, away()], ARITH),
        ("logaddexp", "logaddexp", R, FLOATS), ("logaddexp2", "logaddexp2", R, FLOATS),
        ("floor_divide", "floor_divide", [R, away()], ARITH),
        ("maximum", "max", grid, ARITH), ("minimum", "min", grid, ARITH),
        ("eq", "eq", grid, ARITH), ("ne", "ne", grid, ARITH), ("lt", "lt", grid, ARITH),
        ("le", "le", grid, ARITH), ("gt", "gt", grid, ARITH), ("ge", "ge", grid, ARITH),
        ("bitwise_and", "and", bits, (BOOL, I32)), ("bitwise_or", "or", bits, (BOOL, I32)),
        ("bitwise_xor", "xor", bits, (BOOL, I32)),
        ("shift_left", "shift_left", [bits, ints(0, 5)], (I32, I64)),
        ("shift_right", "shift_right", [bits, ints(0, 5)], (I32, I64))):
    # the primitives' own functions: lax's public ones refuse mixed dtypes as JAX's do, and
    # these cases test the batching rules under numpy's promotion, which funcgrad.numpy uses
    case(_name, _prim, getattr(lax_elementwise, _name), many(2, _samples, _dts))

case("select", "select", lax.select, many(3, [bits, R, R], [(BOOL,), FLOATS, FLOATS]))
# an elementwise op whose operands have different ranks and a batch axis that is not in front
case("where (fnp)", {"select", "gt"}, lambda c, x, y: fnp.where(c > 0, x, y), many(3, R))


# ---- reductions -----------------------------------------------------------------------------

@st.composite
def reduce_spec(draw, nonempty=False, dtypes=FLOATS):
    shape = draw(shapes(min_side=1 if nonempty else 0))
    axes = tuple(i for i in range(len(shape)) if draw(st.booleans()))
    return [Arg(shape, draw(st.sampled_from(dtypes)), grid if nonempty else R)], {"axes": axes}


def with_params(fun, *names):
    """fun(x, *params[names]) as fn(x, **params)."""
    return lambda x, **params: fun(x, *[params[n] for n in names])


for _name in ("reduce_sum", "reduce_prod"):
    case(_name, _name, with_params(getattr(lax, _name), "axes"),
         reduce_spec(dtypes=(F64, F32, I64)))
for _name in ("reduce_max", "reduce_min"):
    case(_name, _name, with_params(getattr(lax, _name), "axes"),
         reduce_spec(nonempty=True, dtypes=(F64, F32, I32)))


@st.composite
def arg_reduce_spec(draw):
    shape = draw(shapes(min_dims=1, min_side=1))
    return ([Arg(shape, draw(st.sampled_from((F64, I32))), grid)],
            {"axis": draw(st.integers(0, len(shape) - 1)),
             "index_dtype": draw(st.sampled_from((I32, I64)))})


for _name in ("argmax", "argmin"):
    case(_name, _name, with_params(getattr(lax, _name), "axis", "index_dtype"),
         arg_reduce_spec())


@st.composite
def along_axis_spec(draw, flag):
    shape = draw(shapes(min_dims=1))
    return ([Arg(shape, draw(st.sampled_from((F64, F32, I64))), grid)],
            {"axis": draw(st.integers(0, len(shape) - 1)), flag: draw(st.booleans())})


case("cumsum", "cumsum", lambda x, *, axis, reverse: lax.cumsum(x, axis, reverse),
     along_axis_spec("reverse"))
case("argsort", "argsort", lambda x, *, axis, descending: lax.argsort(x, axis, descending),
     along_axis_spec("descending"))
case("fnp.mean/var/max", {"reduce_sum", "reduce_max"},
     lambda x: (fnp.mean(x, axis=0), fnp.var(x, axis=-1), fnp.max(x)),
     one(R, min_dims=2, min_side=1))


# ---- shapes ---------------------------------------------------------------------------------

@st.composite
def reshape_spec(draw):
    shape = draw(shapes())
    n = int(np.prod(shape))
    divisors = [d for d in range(1, n + 1) if n % d == 0] or [0]
    d = draw(st.sampled_from(divisors))
    new = draw(st.sampled_from([(n,), (n, 1), (1, n), tuple(reversed(shape)),
                                (d, n // d) if d else (0, 3), (1,) + tuple(shape)]))
    return [Arg(shape, draw(st.sampled_from(FLOATS)))], {"new_sizes": new}


case("reshape", "reshape", lambda x, *, new_sizes: lax.reshape(x, new_sizes), reshape_spec())


@st.composite
def transpose_spec(draw):
    shape = draw(shapes())
    return [Arg(shape, F64)], {"perm": draw(st.permutations(range(len(shape))))}


case("transpose", "transpose", lambda x, *, perm: lax.transpose(x, perm), transpose_spec())


@st.composite
def rev_spec(draw):
    shape = draw(shapes())
    return [Arg(shape, F64)], {"dims": tuple(i for i in range(len(shape)) if draw(st.booleans()))}


case("rev", "rev", lambda x, *, dims: lax.rev(x, dims), rev_spec())


@st.composite
def broadcast_spec(draw):
    shape = draw(shapes(max_dims=2))
    extra = draw(st.integers(0, 2))
    nd = len(shape) + extra
    dims = tuple(sorted(draw(st.permutations(range(nd)))[:len(shape)]))
    out = [draw(st.integers(0, MAX_SIDE)) for _ in range(nd)]
    for i, d in enumerate(dims):
        out[d] = shape[i] if shape[i] != 1 else draw(st.integers(1, 3))
    return [Arg(shape, F64)], {"shape": tuple(out), "dims": dims}


case("broadcast_in_dim", "broadcast_in_dim",
     lambda x, *, shape, dims: lax.broadcast_in_dim(x, shape, dims), broadcast_spec())


@st.composite
def squeeze_spec(draw):
    shape = draw(shapes(min_side=1, max_side=2))
    dims = tuple(i for i, d in enumerate(shape) if d == 1 and draw(st.booleans()))
    return [Arg(shape, F64)], {"dims": dims}


case("squeeze", "squeeze", lambda x, *, dims: lax.squeeze(x, dims), squeeze_spec())


@st.composite
def expand_spec(draw):
    shape = draw(shapes(max_dims=2))
    nd = len(shape) + draw(st.integers(0, 2))
    dims = tuple(sorted(draw(st.permutations(range(nd)))[:nd - len(shape)]))
    return [Arg(shape, F64)], {"dims": dims}


case("expand_dims", "expand_dims", lambda x, *, dims: lax.expand_dims(x, dims), expand_spec())


@st.composite
def concat_spec(draw):
    shape = list(draw(shapes(min_dims=1)))
    dim = draw(st.integers(0, len(shape) - 1))
    args = []
    for _ in range(3):
        s = list(shape)
        s[dim] = draw(st.integers(0, MAX_SIDE))
        args.append(Arg(tuple(s), draw(st.sampled_from(FLOATS))))
    return args, {"dim": dim}


case("concatenate", "concatenate",
     lambda x, y, z, *, dim: lax.concatenate([x, y, z], dim), concat_spec())


@st.composite
def pad_spec(draw):
    shape = draw(shapes(max_dims=2))
    cfg = []
    for n in shape:
        lo, hi, i = draw(st.integers(-1, 2)), draw(st.integers(-1, 2)), draw(st.integers(0, 2))
        while lo + hi + n + max(n - 1, 0) * i < 0:
            lo += 1
        cfg.append((lo, hi, i))
    return ([Arg(shape, draw(st.sampled_from(FLOATS))), Arg((), F64)], {"cfg": tuple(cfg)})


case("pad", "pad", lambda x, v, *, cfg: lax.pad(x, v, cfg), pad_spec())


@st.composite
def slice_spec(draw):
    shape = draw(shapes())
    start, limit, strides = [], [], []
    for n in shape:
        a = draw(st.integers(0, n))
        start.append(a)
        limit.append(draw(st.integers(a, n)))
        strides.append(draw(st.integers(1, 2)))
    return [Arg(shape, F64)], {"start": start, "limit": limit, "strides": strides}


case("slice", "slice", lambda x, *, start, limit, strides: lax.slice(x, start, limit, strides),
     slice_spec())
case("basic indexing", "gather", lambda x: (x[1:, ::2], x[..., -1], x[None, 0]),
     one(R, min_dims=2, min_side=1))


@st.composite
def dynamic_slice_spec(draw, update=False):
    shape = draw(shapes(min_dims=2, max_dims=2, min_side=1))
    sizes = tuple(draw(st.integers(0, n)) for n in shape)
    starts = [Arg((), draw(st.sampled_from((I32, I64))), ints(-2, n + 1)) for n in shape]
    x = Arg(shape, draw(st.sampled_from(FLOATS)))
    if update:
        return [x, Arg(sizes, F64)] + starts, {}
    return [x] + starts, {"sizes": sizes}


case("dynamic_slice", "dynamic_slice",
     lambda x, s0, s1, *, sizes: lax.dynamic_slice(x, (s0, s1), sizes), dynamic_slice_spec())
case("dynamic_update_slice", "dynamic_update_slice",
     lambda x, u, s0, s1: lax.dynamic_update_slice(x, u.astype(x.dtype), (s0, s1)),
     dynamic_slice_spec(update=True))


# ---- gather and scatter: x[idx] and x.at[idx].op(u) ----------------------------------------------
# (name, index(i, j), axis of x that i indexes, axis that j indexes); x has three axes.

PATTERNS = (
    ("x[i]", lambda i, j: i, 0, None),
    ("x[:, i]", lambda i, j: (slice(None), i), 1, None),
    ("x[..., i]", lambda i, j: (Ellipsis, i), 2, None),
    ("x[i, j]", lambda i, j: (i, j), 0, 1),
    ("x[i, :, j]", lambda i, j: (i, slice(None), j), 0, 2),      # not adjacent
    ("x[1:, i]", lambda i, j: (slice(1, None), i), 1, None),     # a slice before the array
    ("x[:, i, j]", lambda i, j: (slice(None), i, j), 1, 2),
    ("x[0, i]", lambda i, j: (0, i), 1, None),                   # an integer counts as advanced
    ("x[-1, :, i]", lambda i, j: (-1, slice(None), i), 2, None),  # ... and separates them
    ("x[None, i]", lambda i, j: (None, i), 0, None),
    ("x[::2, i, None]", lambda i, j: (slice(None, None, 2), i, None), 1, None),
    ("x[1:3, ::-1]", lambda i, j: (slice(1, 3), slice(None, None, -1)), None, None),
    ("x[-1]", lambda i, j: -1, None, None),
)


@st.composite
def index_spec(draw, scatter=None):
    xshape = draw(shapes(min_dims=3, max_dims=3, min_side=1))
    name, pattern, ai, aj = draw(st.sampled_from(PATTERNS))
    b = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, min_side=0,
                                               max_side=MAX_SIDE))
    ishape, jshape = b.input_shapes

    def index_arg(shape, axis):
        n = xshape[axis] if axis is not None else 1
        return Arg(tuple(shape), draw(st.sampled_from((I32, I64))), ints(-n, n - 1))
    dtype = draw(st.sampled_from(FLOATS))
    args = [Arg(xshape, dtype, grid), index_arg(ishape, ai), index_arg(jshape, aj)]
    if scatter is not None:
        idx = pattern(np.zeros(ishape, int), np.zeros(jshape, int))
        indexed = np.zeros(xshape)[idx].shape
        cut = draw(st.integers(0, len(indexed)))  # updates broadcast from a suffix of the shape
        args.append(Arg(indexed[cut:], dtype, grid if scatter != "multiply" else R))
    return args, {"pattern": pattern, "pattern_name": name}


case("gather (x[idx])", "gather", lambda x, i, j, *, pattern, pattern_name: x[pattern(i, j)],
     index_spec())
for _mode, _prim in (("set", "scatter"), ("add", "scatter_add"), ("multiply", "scatter_mul"),
                     ("min", "scatter_min"), ("max", "scatter_max")):
    case(f"x.at[idx].{_mode}", _prim,
         lambda x, i, j, u, *, pattern, pattern_name, _m=_mode:
             getattr(x.at[pattern(i, j)], _m)(u),
         index_spec(scatter=_mode))


# ---- dot_general --------------------------------------------------------------------------------

@st.composite
def dot_spec(draw):
    nb, nc, lf, rf = (draw(st.integers(0, k)) for k in (2, 2, 2, 1))
    sizes = {role: [draw(st.integers(0 if role[0] == "c" else 1, MAX_SIDE)) for _ in range(k)]
             for role, k in (("b", nb), ("c", nc), ("lf", lf), ("rf", rf))}
    lroles = [("b", k) for k in range(nb)] + [("c", k) for k in range(nc)] + [
        ("lf", k) for k in range(lf)]
    rroles = [("b", k) for k in range(nb)] + [("c", k) for k in range(nc)] + [
        ("rf", k) for k in range(rf)]
    lroles = draw(st.permutations(lroles))
    rroles = draw(st.permutations(rroles))
    dn = ((tuple(lroles.index(("c", k)) for k in range(nc)),
           tuple(rroles.index(("c", k)) for k in range(nc))),
          (tuple(lroles.index(("b", k)) for k in range(nb)),
           tuple(rroles.index(("b", k)) for k in range(nb))))
    lshape = tuple(sizes[r][k] for r, k in lroles)
    rshape = tuple(sizes[r][k] for r, k in rroles)
    return ([Arg(lshape, draw(st.sampled_from(FLOATS))),
             Arg(rshape, draw(st.sampled_from(FLOATS)))], {"dn": dn})


case("dot_general", "dot_general", lambda a, b, *, dn: lax.dot_general(a, b, dn), dot_spec())
case("matmul / einsum", "dot_general",
     lambda a, b: (a @ b, fnp.einsum("ij,jk->ki", a, b), fnp.einsum("ij,ij->", a, a)),
     st.builds(lambda m, k, n, d: ([Arg((m, k), d), Arg((k, n), d)], {}),
               *[st.integers(1, MAX_SIDE)] * 3, st.sampled_from(FLOATS)))


@st.composite
def conv_spec(draw):
    nsp, g, cg, og, n = (draw(st.integers(1, k)) for k in (2, 2, 2, 2, 2))
    window = [draw(st.integers(1, 3)) for _ in range(nsp)]
    rd = [draw(st.integers(1, 2)) for _ in range(nsp)]
    spatial = [(k - 1) * d + 1 + draw(st.integers(0, 2)) for k, d in zip(window, rd)]
    params = {"strides": [draw(st.integers(1, 2)) for _ in range(nsp)],
              "padding": [(draw(st.integers(0, 1)), draw(st.integers(0, 1))) for _ in range(nsp)],
              "lhs_dilation": [draw(st.integers(1, 2)) for _ in range(nsp)],
              "rhs_dilation": rd, "groups": g}
    dtype = draw(st.sampled_from(FLOATS))
    return ([Arg((n, g * cg) + tuple(spatial), dtype), Arg((g * og, cg) + tuple(window), dtype)],
            params)


case("conv_general_dilated", "conv_general_dilated",
     lambda x, w, *, strides, padding, lhs_dilation, rhs_dilation, groups:
         lax.conv_general_dilated(x, w, strides, padding, lhs_dilation, rhs_dilation,
                                  feature_group_count=groups),
     conv_spec())


# ---- linear algebra and fft: lax.linalg_ops, lax.fft (looked up when called) --------------------

def spd(rng, shape, dtype):
    a = rng.standard_normal(shape)
    return (a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])).astype(dtype)


def well_conditioned(rng, shape, dtype):
    eye = np.eye(shape[-2], shape[-1]) if len(shape) >= 2 else 1.0
    return (0.5 * rng.standard_normal(shape) + 3 * eye).astype(dtype)


@st.composite
def matrix_spec(draw, sample=well_conditioned, square=True, rhs=False):
    lead = draw(shapes(max_dims=1, min_side=1, max_side=2))
    m = draw(st.integers(1, MAX_SIDE))
    n = m if square else draw(st.integers(1, MAX_SIDE))
    dtype = draw(st.sampled_from(FLOATS))
    args = [Arg(lead + (m, n), dtype, sample)]
    if rhs:
        args.append(Arg(lead + (m, draw(st.integers(1, 2))), dtype))
    return args, {}


def linalg(name, **kw):
    return lambda *xs: getattr(lax.linalg_ops, name)(*xs, **kw)


case("cholesky", "cholesky", linalg("cholesky"), matrix_spec(spd))
case("inv", "inv", linalg("inv"), matrix_spec())
case("det", "det", linalg("det"), matrix_spec())
case("slogdet", "slogdet", linalg("slogdet"), matrix_spec())
case("solve", "solve", linalg("solve"), matrix_spec(rhs=True))
for _lower in (True, False):
    for _trans in (True, False):
        case(f"triangular_solve(lower={_lower}, transpose_a={_trans})", "triangular_solve",
             linalg("triangular_solve", lower=_lower, transpose_a=_trans), matrix_spec(rhs=True))
case("eigh", "eigh", linalg("eigh"), matrix_spec(spd))
case("svd", "svd", linalg("svd"), matrix_spec(square=False))
case("svd(compute_uv=False)", "svd", linalg("svd", compute_uv=False), matrix_spec(square=False))
case("qr", "qr", linalg("qr"), matrix_spec(square=False))


@st.composite
def fft_spec(draw):
    kind = draw(st.sampled_from(("fft", "ifft", "rfft", "irfft")))
    shape = list(draw(shapes(min_dims=1, min_side=1)))
    axes = draw(st.permutations(range(len(shape))))[:draw(st.integers(1, len(shape)))]
    lengths = [shape[a] for a in axes]
    if kind == "irfft":
        lengths[-1] = draw(st.integers(1, 4))
        shape[axes[-1]] = lengths[-1] // 2 + 1
    dtypes = FLOATS if kind == "rfft" else FLOATS + COMPLEX
    return ([Arg(tuple(shape), draw(st.sampled_from(dtypes)), cplx)],
            {"fft_type": kind, "axes": tuple(axes), "lengths": tuple(lengths),
             "norm": draw(st.sampled_from(("backward", "ortho", "forward")))})


case("fft", "fft", lambda x, **p: lax.fft.fft(x, **p), fft_spec())


# ---- control flow -------------------------------------------------------------------------------

def _cond(p, x, y):
    return lax.cond(p, lambda a, b: (a * b, fnp.sin(a) * y),
                    lambda a, b: (a - b, fnp.cos(a) + 1.0), x, y)


def _same_shapes(n):
    return st.builds(lambda s, d: ([Arg(s, d)] * n, {}), shapes(max_dims=2),
                     st.sampled_from(FLOATS))


case("cond (predicate argument)", "cond", _cond,
     st.builds(lambda s, d: ([Arg((), BOOL, bits), Arg(s, d), Arg(s, d)], {}),
               shapes(max_dims=2), st.sampled_from(FLOATS)))
case("cond (predicate from a batched value)", "cond",
     lambda x, y: lax.cond(fnp.sum(x) > 0, lambda a: a * 2.0 + y, lambda a: -a, x),
     _same_shapes(2))
case("switch (batched index)", "cond",
     lambda i, x: lax.switch(i, [lambda a: a + 1.0, lambda a: a * a, lambda a: fnp.sin(a)], x),
     st.builds(lambda s, t: ([Arg((), t, ints(-1, 3)), Arg(s, F64)], {}), shapes(max_dims=2),
               st.sampled_from((I32, I64))))


@st.composite
def scan_spec(draw):
    d = draw(shapes(max_dims=1))
    t = draw(st.integers(0, MAX_SIDE))
    dtype = draw(st.sampled_from(FLOATS))
    return ([Arg(d, dtype, real(-1, 1)), Arg(d, dtype), Arg((t,) + d, dtype)],
            {"reverse": draw(st.booleans())})


case("scan", "scan",
     lambda a, c0, xs, *, reverse: lax.scan(lambda c, x: (c * a + fnp.sin(x), c * x), c0, xs,
                                            reverse=reverse),
     scan_spec())
case("while_loop (batched predicate)", "while",
     lambda n, x, k: lax.while_loop(lambda c: c[0] < n,
                                    lambda c: (c[0] + 1, c[1] * k + 1.0), (0, x)),
     st.builds(lambda s, t: ([Arg((), t, ints(-1, 4)), Arg(s, F64), Arg(s, F64, real(-1, 1))],
                             {}), shapes(max_dims=2), st.sampled_from((I32, I64))))
def random_keys(rng, shape, dtype):
    return rng.integers(0, 2 ** 32, size=shape, dtype=np.uint64).astype(dtype)


# a different key per example gives what each key gives alone
case("random bits", ["random_bits", "random_normal", "random_split"],
     lambda k: (funcgrad.random.bits(k, (3,)), funcgrad.random.normal(k, (2, 2)),
                funcgrad.random.split(k)),
     st.just(([Arg((2,), np.dtype(np.uint32), random_keys)], {})))
case("nextafter", "nextafter", lambda x, y: funcgrad.lax.random_bits.nextafter(x, y),
     st.builds(lambda s: ([Arg(s, F64), Arg(s, F64)], {}), shapes(max_dims=2)))
case("random samplers", ["random_fold_in", "random_unit", "fma", "erf_inv", "random_gamma",
                         "random_poisson", "random_binomial"],
     lambda k: (funcgrad.random.fold_in(k, 3),
                funcgrad.random.uniform(k, (2,), minval=fnp.array([0.0, 1.0]), maxval=2.5),
                funcgrad.random.truncated_normal(k, -1.0, 1.0, (2,)),
                funcgrad.random.gamma(k, 2.0, (2,)), funcgrad.random.poisson(k, 3.0, (2,)),
                funcgrad.random.binomial(k, 5.0, 0.3, (2,))),
     st.just(([Arg((2,), np.dtype(np.uint32), random_keys)], {})))
case("random gamma grad", "random_gamma_grad",
     lambda a, x: funcgrad.random._gamma.random_gamma_grad(a, x),
     st.builds(lambda s: ([Arg(s, F64, lambda rng, shape, dtype: rng.uniform(0.5, 3.0, shape)),
                           Arg(s, F64, lambda rng, shape, dtype: rng.uniform(0.1, 4.0, shape))],
                          {}), shapes(max_dims=2)))
# a run-time assertion (lax.control.check; while_loop's bounded reverse mode uses it): it holds
# here for every example; test_check_fails_when_one_example_fails covers the failing case
case("check", "check",
     lambda x: (runtime_check(fnp.abs(x) > 10.0, "x is too large"), x * 2.0)[1], one(R))
case("fori_loop (traced bound)", "while",
     lambda n, x: lax.fori_loop(0, n, lambda i, v: v * 0.5 + i, x),
     st.builds(lambda s: ([Arg((), I64, ints(0, 3)), Arg(s, F64)], {}), shapes(max_dims=2)))


@fg.custom_jvp
def softplus(x):
    return fnp.log1p(fnp.exp(x))


@softplus.defjvp
def _softplus_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return softplus(x), t * lax.logistic(x)


@fg.custom_vjp
def scaled_sin(x, y):
    return fnp.sin(x) * y


def _scaled_sin_fwd(x, y):
    return scaled_sin(x, y), (x, y)


def _scaled_sin_bwd(res, g):
    x, y = res
    return g * fnp.cos(x) * y, g * fnp.sin(x)


scaled_sin.defvjp(_scaled_sin_fwd, _scaled_sin_bwd)
checkpointed = fg.checkpoint(lambda x, y: fnp.sin(x) * fnp.exp(y))

case("custom_jvp", "custom_jvp_call", lambda x, y: softplus(x * y), many(2, R, max_dims=2))
case("custom_vjp", "custom_vjp_call", scaled_sin, many(2, R, max_dims=2))
case("checkpoint", "checkpoint", checkpointed, many(2, R, max_dims=2))
# vmap prints one line per example, in order: the same lines as the loop (run_case compares them)
case("debug.print", "debug_print",
     lambda x, y: (fg.debug.print("x={} y={y}", x, y=y), x * y)[1], many(2, R, max_dims=2))


# ---- linear algebra and FFTs ---------------------------------------------------------------------
# Structured matrices from unconstrained examples (SPD, diagonally dominant, spread-out spectra so
# that eigenvectors and singular vectors are well determined); sign-invariant outputs.

@st.composite
def _matrices(draw, rect=False, rhs=False, dtypes=FLOATS):
    n = draw(st.integers(1, MAX_SIDE))
    m = draw(st.integers(1, MAX_SIDE)) if rect else n
    lead = draw(shapes(max_dims=1, min_side=1, max_side=2))
    d = draw(st.sampled_from(dtypes))
    args = [Arg(lead + (m, n), d)]
    if rhs:
        args.append(Arg(lead + (n, draw(st.integers(1, 2))), d))
    return args, {}


def _spd(b):
    n = b.shape[-1]
    return b @ fnp.swapaxes(b, -1, -2) + n * fnp.eye(n, dtype=b.dtype)


def _dom(b):
    return b + 4 * b.shape[-1] * fnp.eye(b.shape[-1], dtype=b.dtype)


def _spread(a):
    """a / 8 plus a diagonal 5, 10, 15, ...: distinct singular values (and eigenvalues)."""
    m, n = a.shape[-2:]
    return a / 8 + fnp.asarray((np.eye(m, n) * 5 * np.arange(1, n + 1)).astype(a.dtype))


def _eigh_case(b):
    w, v = fnp.linalg.eigh(_spread(b @ fnp.swapaxes(b, -1, -2) / 2))
    return w, v * v[..., :1, :]


def _svd_case(a):
    u, s, vh = fnp.linalg.svd(_spread(a), full_matrices=False)
    return s, u * u[..., :1, :], vh * vh[..., :, :1], fnp.linalg.svd(a, compute_uv=False)


def _qr_case(a):
    q, r = fnp.linalg.qr(_spread(a))
    return q, r


case("linalg.cholesky", "cholesky", lambda b: fnp.linalg.cholesky(_spd(b)), _matrices())
case("linalg.inv, det, slogdet", ("inv", "det", "slogdet"),
     lambda b: (fnp.linalg.inv(_dom(b)), fnp.linalg.det(_dom(b)),
                tuple(fnp.linalg.slogdet(_dom(b)))), _matrices())
case("linalg.solve", "solve", lambda a, b: fnp.linalg.solve(_dom(a), b), _matrices(rhs=True))
case("triangular_solve", "triangular_solve",
     lambda a, b: lax.linalg_ops.triangular_solve(_dom(a), b, lower=False, transpose_a=True),
     _matrices(rhs=True))
case("linalg.eigh", "eigh", _eigh_case, _matrices(dtypes=(F64,)))
case("linalg.svd", "svd", _svd_case, _matrices(rect=True, dtypes=(F64,)))
case("linalg.qr", "qr", _qr_case, _matrices(rect=True, dtypes=(F64,)))
case("fft", "fft",
     lambda x: (fnp.fft.fft(x), fnp.fft.rfftn(x, norm="ortho"), fnp.fft.ifft2(x, s=(2, 3)),
                fnp.fft.irfft(x * 1j + x, n=4, axis=0)),
     one(R, min_dims=2, max_dims=2, min_side=1))


# The collectives, over a named vmap inside the function (the first axis holds the members), so
# that the test's vmap batches the named one.

def _members(fn):
    return lambda x: fg.vmap(lambda r: fn(r, x.shape[0]), axis_name="k")(x)


def _square(dtypes=FLOATS):
    """One argument of shape (n, n, ...): as many members as blocks."""
    return st.builds(lambda n, rest, d: ([Arg((n, n) + rest, d)], {}), st.integers(0, 3),
                     shapes(max_dims=1), st.sampled_from(dtypes))


case("psum, pmean", "psum", _members(lambda r, n: (lax.psum(r, "k"), lax.pmean((r, 2 * r), "k"))),
     one(min_dims=1))
case("pmax, pmin", ("pmax", "pmin"), _members(lambda r, n: (lax.pmax(r, "k"), lax.pmin(r, "k"))),
     one(grid, (F64, I32), min_dims=1, min_side=1))
case("all_gather", "all_gather",
     _members(lambda r, n: (lax.all_gather(r, "k", axis=r.ndim),
                            lax.all_gather(r, "k", tiled=True))), one(min_dims=2))
case("psum_scatter", "psum_scatter", _members(lambda r, n: lax.psum_scatter(r, "k")), _square())
case("all_to_all", "all_to_all", _members(lambda r, n: lax.all_to_all(r, "k", 0, r.ndim - 1)),
     _square())
case("ppermute, pshuffle", "ppermute",
     _members(lambda r, n: (lax.ppermute(r, "k", [(j, (j + 1) % n) for j in range(n)]),
                            lax.pshuffle(r, "k", list(reversed(range(n)))))),
     one(min_dims=1))
case("axis_index", "axis_index", _members(lambda r, n: r * lax.axis_index("k")),
     one(min_dims=1))


# ---- special functions, linear algebra, odeint and callbacks merged in one stop ------------------

def _bind(name):
    return lambda *xs: PRIMITIVES[name].bind(*xs)


_H1F1 = ("hyp1f1_da", "hyp1f1_db", "hyp1f1_daa", "hyp1f1_dab", "hyp1f1_dbb")
_H2F1 = tuple(f"hyp2f1_d{w}" for w in ("a", "b", "c", "aa", "ab", "ac", "bb", "bc", "cc"))
for _name, _fun, _smp in (("bessel_i0e", fsp.i0e, R), ("bessel_i1e", fsp.i1e, R),
                          ("erfcx", fsp.erfcx, R), ("spence", fsp.spence, POS),
                          ("expi", fsp.expi, away()), ("dawsn", fsp.dawsn, R)):
    case(_name, _name, _fun, one(_smp, max_dims=2))
case("sici", ("sine_integral", "cosine_integral"), fsp.sici, one(POS, max_dims=2))
case("fresnel", ("fresnel_s", "fresnel_c"), fsp.fresnel, one(R, max_dims=2))
case("owens_t", "owens_t", fsp.owens_t, many(2, R, max_dims=2))
case("wofz", ("wofz_re", "wofz_im"), fsp.wofz, one(cplx, dtypes=COMPLEX, max_dims=2))
case("gammainc, gammaincc", ("igamma", "igammac"),
     lambda a, x: (fsp.gammainc(a, x), fsp.gammaincc(a, x)), many(2, POS, max_dims=2))
case("igamma_grad_a", "igamma_grad_a", _bind("igamma_grad_a"), many(2, POS, max_dims=2))
case("betainc", "betainc", fsp.betainc, many(3, [POS, POS, real(0.05, 0.95)], max_dims=2))
case("expn", "expn", fsp.expn,
     many(2, [ints(0, 3), POS], dtypes=[(I32, I64), FLOATS], max_dims=2))
case("hyp1f1 and its parameter derivatives", ("hyp1f1",) + _H1F1,
     lambda a, b, x: (fsp.hyp1f1(a, b, x),) + tuple(_bind(n)(a, b, x) for n in _H1F1),
     many(3, [POS, POS, R], max_dims=2))
case("hyp2f1 and its parameter derivatives", ("hyp2f1",) + _H2F1,
     lambda a, b, c, x: (fsp.hyp2f1(a, b, c, x),) + tuple(_bind(n)(a, b, c, x) for n in _H2F1),
     many(4, [POS, POS, POS, real(-0.8, 0.6)], max_dims=1))


def _eig_case(a):
    w, v = lax.linalg_general.eig(_spread(a))
    return w, fnp.abs(v)  # eigenvectors up to a phase: their moduli


def _lu_case(a, b):
    packed, pivots, perm = lax.linalg_ops.lu(_dom(a))
    n = a.shape[-1]
    return (packed, pivots, perm, lax.linalg_general.lu_pivots_to_permutation(pivots, n),
            lax.linalg_ops.lu_solve(packed, perm, b), lax.linalg_ops.lu_solve(packed, perm, b,
                                                                               transpose=True))


case("eig", "eig", _eig_case, _matrices(dtypes=(F64,)))
case("expm", "expm", lambda a: lax.linalg_general.expm(a / 4), _matrices())
case("lu, lu_solve, lu_pivots_to_permutation", ("lu", "lu_solve", "lu_pivots_to_permutation"),
     _lu_case, _matrices(rhs=True))
case("qr_pivots", "qr_pivots", lambda a: lax.linalg_general.qr_pivots(_spread(a)),
     _matrices(rect=True, dtypes=(F64,)))
case("odeint", "odeint",
     lambda y0, k: odeint(lambda y, t, k: -k * y + fnp.sin(t), y0, fnp.array([0.0, 0.5, 1.0]), k),
     st.builds(lambda d: ([Arg((2,), d), Arg((), d, POS)], {}), st.sampled_from(FLOATS)))
case("debug.callback", "debug_callback",
     lambda x: (fg.debug.callback(lambda v: None, x), x * 2.0)[1], one(R, max_dims=2))


case("schur", "schur", lambda a: lax.linalg_schur.schur(_spread(a)), _matrices())
case("sqrtm, logm", ("sqrtm", "logm"),
     lambda a: (lax.linalg_schur.sqrtm(_spread(a)), lax.linalg_schur.logm(_spread(a))),
     _matrices())


def _parlett_case(a):
    t = fnp.triu(_spread(a))
    return lax.linalg_schur.parlett(t, fnp.exp(fnp.diagonal(t, axis1=-2, axis2=-1)))


case("parlett", "parlett", _parlett_case, _matrices())



def _jit_equation(a, b):
    """A jit equation bound by hand (as nested jit stages it): its batching rule batches the
    callee's jaxpr."""
    closed = fg.make_jaxpr(lambda u, v: fnp.sin(u) * v)(a, b)
    return jit_p.bind(a, b, name="f", jaxpr=closed)[0]


case("jit", "jit", _jit_equation, many(2, R, max_dims=2))

# ---- the table covers every primitive -----------------------------------------------------------

def test_the_table_covers_every_primitive():
    covered = set().union(*(c.prims for c in CASES))
    missing = sorted(set(PRIMITIVES) - covered)
    assert not missing, f"primitives without a vmap case in tests/test_vmap.py's CASES: {missing}"
    unknown = sorted(covered - set(PRIMITIVES))
    assert not unknown, f"CASES names primitives that do not exist: {unknown}"


# ---- vmap == a loop ---------------------------------------------------------------------------

def _example(args, b, axes):
    return [a if ax is None else np.take(a, b, axis=ax) for a, ax in zip(args, axes)]


def assert_stacked(got, parts, out_axes_leaves):
    """got (vmap's output) == the per-example outputs `parts` stacked along their out_axes."""
    got_leaves, got_tree = fg.tree.tree_flatten(got)
    part_leaves = [fg.tree.tree_flatten(p) for p in parts]
    assert all(t == got_tree for _, t in part_leaves), (got_tree, part_leaves[0][1])
    for k, (g, ax) in enumerate(zip(got_leaves, out_axes_leaves)):
        want = np.stack([np.asarray(p[k]) for p, _ in part_leaves], axis=ax)
        g = np.asarray(g)
        assert g.shape == want.shape, f"output {k}: shape {g.shape}, the loop gives {want.shape}"
        assert g.dtype == want.dtype, f"output {k}: dtype {g.dtype}, the loop gives {want.dtype}"
        if want.dtype.kind in "fc":
            tol = 1e-5 if want.dtype in (F32, np.complex64) else 1e-11
            np.testing.assert_allclose(g, want, rtol=tol, atol=tol)
        else:
            np.testing.assert_array_equal(g, want)


def run_case(c, data):
    argspecs, params = data.draw(c.spec, label="args, params")
    size = data.draw(st.integers(1, 3), label="size")
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    axes = [data.draw(st.none() | st.integers(-len(a.shape) - 1, len(a.shape)),
                      label=f"in_axes[{k}]") for k, a in enumerate(argspecs)]
    args = []
    for a, ax in zip(argspecs, axes):
        if ax is None:
            args.append(a.sample(rng, a.shape, a.dtype))
        else:
            args.append(np.stack([a.sample(rng, a.shape, a.dtype) for _ in range(size)], axis=ax))

    def f(*xs):
        return c.fn(*xs, **params)

    printed, parts = [], []
    for b in range(size):
        with contextlib.redirect_stdout(io.StringIO()) as out:
            parts.append(f(*[fg.Array(x) for x in _example(args, b, axes)]))
        printed.append(out.getvalue())
    leaves, out_tree = fg.tree.tree_flatten(parts[0])
    out_leaves = [data.draw(st.integers(-np.ndim(o) - 1, np.ndim(o)), label=f"out_axes[{k}]")
                  for k, o in enumerate(leaves)]
    out_axes = (out_leaves[0] if out_tree.is_leaf() else
                fg.tree.tree_unflatten(out_tree, out_leaves))
    in_axes = axes[0] if len(set(axes)) == 1 else tuple(axes)
    give_size = all(ax is None for ax in axes) or data.draw(st.booleans(), label="axis_size")
    with contextlib.redirect_stdout(io.StringIO()) as vmap_printed:
        got = fg.vmap(f, in_axes=in_axes, out_axes=out_axes,
                      axis_size=size if give_size else None)(*[fg.Array(x) for x in args])
    # fg.debug.print: one line per example, in order; a print of unbatched values runs once
    want_printed = "".join(printed) if any(ax is not None for ax in axes) else printed[0]
    assert vmap_printed.getvalue() == want_printed
    assert_stacked(got, parts, [ax % (np.ndim(o) + 1) for ax, o in zip(out_leaves, leaves)])


@pytest.mark.parametrize("c", CASES, ids=[c.name for c in CASES])
def test_vmap_equals_a_loop(c, monkeypatch):
    seen = set()
    orig = BatchTrace.process_primitive

    def recording(self, prim, args, params):
        seen.add(prim.name)
        return orig(self, prim, args, params)
    monkeypatch.setattr(BatchTrace, "process_primitive", recording)

    @settings(database=None)
    @given(data=st.data())
    def run(data):
        run_case(c, data)
    run()
    assert c.prims <= seen, f"{c.name} never batched {sorted(c.prims - seen)}"


# ---- specific batching paths, named -------------------------------------------------------------

def loop(f, in_axes, args, size):
    return [f(*[fg.Array(x) for x in _example(args, b, in_axes)]) for b in range(size)]


def check(f, in_axes, *args, out_axes=0):
    size = next(np.shape(a)[ax] for a, ax in zip(args, in_axes) if ax is not None)
    got = fg.vmap(f, in_axes=in_axes, out_axes=out_axes)(*[fg.Array(a) for a in args])
    parts = loop(f, in_axes, args, size)
    leaves = fg.tree.tree_leaves(parts[0])
    assert_stacked(got, parts, [out_axes % (np.ndim(o) + 1) for o in leaves])


RNG = np.random.default_rng(0)


def randn(*shape):
    return RNG.standard_normal(shape)


def batched(example_shape, ax, size=4):
    """A random batch of `size` examples of `example_shape` stacked on axis `ax` (None: one)."""
    if ax is None:
        return randn(*example_shape)
    return np.moveaxis(randn(size, *example_shape), 0, ax)


@pytest.mark.parametrize("in_axes", [(1, 0), (0, None), (None, 0), (-1, -1), (1, None)])
def test_dynamic_slice_with_batched_starts_and_a_batched_operand_not_in_front(in_axes):
    xa, sa = in_axes
    x = batched((5, 3), xa)
    s = np.array([0, 4, -1, 2]) if sa is not None else np.array(3)
    check(lambda x, s: lax.dynamic_slice(x, (s, 1), (2, 2)), in_axes, x, s)
    u = batched((2, 2), xa)
    check(lambda x, u, s: lax.dynamic_update_slice(x, u, (s, 1)), (xa, xa, sa), x, u, s)


@pytest.mark.parametrize("in_axes", [(0, 0), (0, None), (None, 0), (2, 1), (-1, None)])
def test_dot_general_lhs_rhs_both_batched_with_batch_dims(in_axes):
    dn = (((2,), (1,)), ((0,), (0,)))  # (b, m, k) x (b, k, n) -> (b, m, n)
    a, b = batched((2, 4, 5), in_axes[0], 3), batched((2, 5, 1), in_axes[1], 3)
    check(lambda a, b: lax.dot_general(a, b, dn), in_axes, a, b)


def test_scatter_with_repeated_batched_indices_accumulates_per_example():
    x = randn(3, 4)
    idx = np.array([[0, 0, 1], [3, 3, 3], [2, 1, 2]])
    u = randn(3, 3)
    for mode in ("add", "multiply", "min", "max"):
        check(lambda x, i, u, m=mode: getattr(x.at[i], m)(u), (0, 0, 0), x, idx, u)
        check(lambda x, i, u, m=mode: getattr(x.at[i], m)(u), (None, 0, 0), x[0], idx, u)
        check(lambda x, i, u, m=mode: getattr(x.at[i], m)(u), (0, None, None), x, idx[1], u[0])


def test_pad_with_a_batched_padding_value():
    x, v = randn(3, 2, 2), randn(3)
    cfg = ((1, -1, 1), (0, 2, 0))
    for axes in ((0, 0), (None, 0), (2, 0)):
        xs = x if axes[0] == 0 else x[0] if axes[0] is None else np.moveaxis(x, 0, 2)
        check(lambda x, v: lax.pad(x, v, cfg), axes, xs, v)


def test_while_loop_batched_predicate_runs_each_example_its_own_number_of_steps():
    n = np.array([0, 3, 1, 5])

    def f(n):
        return lax.while_loop(lambda c: c[0] < n, lambda c: (c[0] + 1, c[1] * 2.0), (0, 1.0))
    i, v = fg.vmap(f)(n)
    np.testing.assert_array_equal(np.asarray(i), n)
    np.testing.assert_array_equal(np.asarray(v), 2.0 ** n)


def test_cond_batched_predicate_picks_per_example():
    x = np.array([-2.0, 3.0, -0.5, 1.0])
    got = fg.vmap(lambda x: lax.cond(x > 0, lambda v: v * 10.0, lambda v: v - 1.0, x))(x)
    np.testing.assert_array_equal(np.asarray(got), np.where(x > 0, x * 10.0, x - 1.0))


# ---- transforms composed with vmap --------------------------------------------------------------

def test_nested_vmap_is_a_double_loop():
    x, y = randn(3, 4), randn(5, 4)

    def f(a, b):
        return fnp.sum(fnp.sin(a) * b) + a[0]
    got = fg.vmap(fg.vmap(f, in_axes=(None, 0)), in_axes=(0, None))(x, y)
    want = np.array([[np.asarray(f(fg.Array(a), fg.Array(b))) for b in y] for a in x])
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-12)
    # the inner map over the trailing axis, the outer one putting its axis last
    got2 = fg.vmap(fg.vmap(f, in_axes=(None, -1)), in_axes=(1, None), out_axes=-1)(x.T, y.T)
    np.testing.assert_allclose(np.asarray(got2), want.T, rtol=1e-12)


def _mlp_params(rng, sizes=(3, 5, 2)):
    return [{"w": rng.standard_normal((m, n)) / np.sqrt(m), "b": rng.standard_normal(n)}
            for m, n in itertools.pairwise(sizes)]


def _mlp_loss(params, x, y):
    h = x
    for k, p in enumerate(params):
        h = h @ p["w"] + p["b"]
        if k < len(params) - 1:
            h = fnp.tanh(h)
    return fnp.sum((h - y) ** 2) + 0.1 * fnp.sum(fnp.maximum(h, 0.0))


def test_per_example_gradients_of_an_mlp_equal_a_loop_of_single_example_gradients():
    rng = np.random.default_rng(1)
    params = fg.tree.tree_map(fg.Array, _mlp_params(rng))
    xs, ys = rng.standard_normal((6, 3)), rng.standard_normal((6, 2))
    per_example = fg.vmap(fg.grad(_mlp_loss), in_axes=(None, 0, 0))(params, xs, ys)
    for b in range(6):
        g = fg.grad(_mlp_loss)(params, fg.Array(xs[b]), fg.Array(ys[b]))
        for got, want in zip(fg.tree.tree_leaves(per_example), fg.tree.tree_leaves(g)):
            np.testing.assert_allclose(np.asarray(got)[b], np.asarray(want), rtol=1e-12,
                                       atol=1e-14)
    # and the mean of the per-example gradients is the gradient of the mean loss
    mean = fg.grad(lambda p: fnp.mean(fg.vmap(_mlp_loss, in_axes=(None, 0, 0))(p, xs, ys)))(params)
    for got, pe in zip(fg.tree.tree_leaves(mean), fg.tree.tree_leaves(per_example)):
        np.testing.assert_allclose(np.asarray(got), np.asarray(pe).mean(0), rtol=1e-12,
                                   atol=1e-14)


@pytest.mark.parametrize("fn", [softplus, lambda x: scaled_sin(x, 2.0 * x),
                                lambda x: checkpointed(x, x)],
                         ids=["custom_jvp", "custom_vjp", "checkpoint"])
def test_per_example_gradients_through_custom_rules(fn):
    xs = randn(4, 3)

    def loss(x):
        return fnp.sum(fn(x) ** 2)
    got = fg.vmap(fg.grad(loss))(xs)
    want = np.stack([np.asarray(fg.grad(loss)(fg.Array(x))) for x in xs])
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-12)
    # grad of a vmapped custom function: the batching rule's derivative rules
    got = fg.grad(lambda x: fnp.sum(fg.vmap(fn)(x) ** 2))(xs)
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-12)


def test_grad_of_vmap():
    w, xs = randn(3), randn(5, 3)

    def f(w, x):
        return fnp.tanh(fnp.dot(w, x)) * fnp.sum(x ** 2)
    got = fg.grad(lambda w: fnp.sum(fg.vmap(f, in_axes=(None, 0))(w, xs) ** 2))(w)
    want = sum(np.asarray(fg.grad(lambda w, x=x: f(w, x) ** 2)(fg.Array(w))) for x in xs)
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-12)
    # the mapped function closes over the differentiated value (a tracer of the outer grad)
    got = fg.grad(lambda w: fnp.sum(fg.vmap(lambda x: f(w, x))(xs) ** 2))(w)
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-12)
    # differentiating the mapped argument: one gradient row per example
    got = fg.grad(lambda xs: fnp.sum(fg.vmap(f, in_axes=(None, 0))(w, xs)))(xs)
    want = np.stack([np.asarray(fg.grad(lambda x: f(w, x))(fg.Array(x))) for x in xs])
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-12)


def test_jvp_of_vmap_and_vmap_of_jvp():
    xs, ts = randn(4, 3), randn(4, 3)

    def f(x):
        return fnp.sin(x) * fnp.sum(x ** 2)
    out, tout = fg.jvp(fg.vmap(f), (xs,), (ts,))
    want = [fg.jvp(f, (fg.Array(x),), (fg.Array(t),)) for x, t in zip(xs, ts)]
    np.testing.assert_allclose(np.asarray(out), np.stack([np.asarray(o) for o, _ in want]))
    np.testing.assert_allclose(np.asarray(tout), np.stack([np.asarray(t) for _, t in want]),
                               rtol=1e-12)
    # vmap of jvp: per-example tangents; a shared tangent direction (in_axes None)
    out2, tout2 = fg.vmap(lambda x, t: fg.jvp(f, (x,), (t,)))(xs, ts)
    np.testing.assert_allclose(np.asarray(out2), np.asarray(out), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(tout2), np.asarray(tout), rtol=1e-12)
    _, tout3 = fg.vmap(lambda x, t: fg.jvp(f, (x,), (t,)), in_axes=(0, None))(xs, ts[0])
    want3 = np.stack([np.asarray(fg.jvp(f, (fg.Array(x),), (fg.Array(ts[0]),))[1]) for x in xs])
    np.testing.assert_allclose(np.asarray(tout3), want3, rtol=1e-12)


def test_vmap_inside_jit_and_jit_inside_vmap():
    xs, w = randn(4, 3), randn(3, 2)

    def f(x, w):
        return fnp.tanh(x @ w) + lax.cond(fnp.sum(x) > 0, lambda v: v, lambda v: -v, x[:2])
    want = np.stack([np.asarray(f(fg.Array(x), fg.Array(w))) for x in xs])
    jv = fg.jit(fg.vmap(f, in_axes=(0, None)))
    np.testing.assert_allclose(np.asarray(jv(xs, w)), want, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(jv(xs + 1.0, w)),
                               np.stack([np.asarray(f(fg.Array(x + 1.0), fg.Array(w)))
                                         for x in xs]), rtol=1e-12)
    vj = fg.vmap(fg.jit(f), in_axes=(0, None))
    np.testing.assert_allclose(np.asarray(vj(xs, w)), want, rtol=1e-12)
    # jit of vmap of grad
    g = fg.jit(fg.vmap(fg.grad(lambda x, w: fnp.sum(f(x, w))), in_axes=(0, None)))
    want_g = np.stack([np.asarray(fg.grad(lambda x: fnp.sum(f(x, fg.Array(w))))(fg.Array(x)))
                       for x in xs])
    np.testing.assert_allclose(np.asarray(g(xs, w)), want_g, rtol=1e-12)


def test_pytrees_in_and_out_with_prefix_axes():
    a, b, c = randn(3, 2), randn(2), randn(2, 3)

    def f(d, t):
        return {"sum": d["a"] + d["b"], "pair": (d["a"] * t[0], t[1])}
    in_axes = ({"a": 0, "b": None}, (1, None))
    out_axes = {"sum": 0, "pair": (1, None)}
    got = fg.vmap(f, in_axes=in_axes, out_axes=out_axes)({"a": a, "b": b}, (c, 7.0))
    assert set(got) == {"sum", "pair"}
    np.testing.assert_allclose(np.asarray(got["sum"]), a + b)
    np.testing.assert_allclose(np.asarray(got["pair"][0]), (a * c.T).T)
    assert float(got["pair"][1]) == 7.0 and np.ndim(got["pair"][1]) == 0
    # a list argument with one axis for the whole list
    got = fg.vmap(lambda xs: xs[0] * xs[1], in_axes=([0, 1],))([a, a.T])
    np.testing.assert_allclose(np.asarray(got), a * a)


def test_axis_size_with_every_argument_unmapped():
    x = randn(2)
    got = fg.vmap(lambda x: fnp.sin(x), in_axes=None, axis_size=3)(x)
    np.testing.assert_array_equal(np.asarray(got), np.stack([np.sin(x)] * 3))
    got = fg.vmap(lambda x: x * 2.0, in_axes=(None,), axis_size=2, out_axes=1)(x)
    np.testing.assert_array_equal(np.asarray(got), np.stack([x * 2.0] * 2, axis=1))
    got = fg.vmap(lambda: fnp.ones(2), in_axes=(), axis_size=4)()
    assert got.shape == (4, 2)


def test_kwargs_are_mapped_over_axis_0():
    x, y = randn(3, 2), randn(3, 2)
    got = fg.vmap(lambda x, y=None: x * y, in_axes=(1,))(x.T, y=y)
    np.testing.assert_allclose(np.asarray(got), x * y)


def test_unbatched_output_with_out_axes_none_and_broadcast_with_an_axis():
    x = randn(3, 2)
    out, const = fg.vmap(lambda x: (x * 2.0, fnp.ones(2)), out_axes=(0, None))(x)
    np.testing.assert_allclose(np.asarray(out), x * 2.0)
    np.testing.assert_array_equal(np.asarray(const), np.ones(2))
    got = fg.vmap(lambda x: fnp.ones(2), out_axes=-1)(x)
    np.testing.assert_array_equal(np.asarray(got), np.ones((2, 3)))


def test_vmap_of_size_one_and_size_zero_batches():
    def f(x):
        return fnp.sum(x * x, axis=-1)
    np.testing.assert_allclose(np.asarray(fg.vmap(f)(np.ones((1, 3)))), [3.0])
    got = fg.vmap(f)(np.ones((0, 3)))
    assert got.shape == (0,)


# ---- errors, by message -------------------------------------------------------------------------

def test_check_fails_when_one_example_fails():
    x = np.array([1.0, 20.0, -3.0])
    with pytest.raises(ValueError, match="x is too large"):
        fg.vmap(lambda x: (runtime_check(fnp.abs(x) > 10.0, "x is too large"), x)[1])(x)
    # while_loop's bounded reverse mode: one example needs more than max_steps
    n = np.array([1, 5])

    def f(x, n):
        return lax.while_loop(lambda c: c[0] < n, lambda c: (c[0] + 1, c[1] * 1.5), (0, x),
                              max_steps=3)[1]
    with pytest.raises(ValueError, match="max_steps=3"):
        fg.vmap(fg.grad(f), in_axes=(None, 0))(1.0, n)
    np.testing.assert_allclose(np.asarray(fg.vmap(fg.grad(f), in_axes=(None, 0))(1.0, n[:1])),
                               [1.5])


def test_error_inconsistent_mapped_sizes_names_each_argument_and_size():
    def f(x, params):
        return x + params["w"]
    with pytest.raises(fg.ShapeError) as e:
        fg.vmap(f)(np.ones((3, 2)), {"w": np.ones((4, 2))})
    msg = str(e.value)
    assert "inconsistent sizes" in msg
    assert "x: size 3" in msg and "params['w']: size 4" in msg
    assert "in_axes=None" in msg


def test_error_in_axes_tree_does_not_match_the_arguments():
    with pytest.raises(ValueError, match="in_axes has 1 entries but the function was called "
                                         "with 2 positional arguments"):
        fg.vmap(lambda x, y: x + y, in_axes=(0,))(np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match=r"vmap in_axes .* does not match the structure"):
        fg.vmap(lambda d: d["a"], in_axes=({"a": 0, "c": 0},))({"a": np.ones(2), "b": np.ones(2)})
    with pytest.raises(ValueError, match="does not match the structure"):
        fg.vmap(lambda t: t[0], in_axes=((0, 0, 0),))((np.ones(2), np.ones(2)))
    with pytest.raises(TypeError, match="in_axes entries must be ints or None"):
        fg.vmap(lambda x: x, in_axes=("0",))(np.ones(2))


@pytest.mark.parametrize("ax", [2, -3, 5])
def test_error_in_axes_out_of_range(ax):
    with pytest.raises(fg.ShapeError) as e:
        fg.vmap(lambda x: x, in_axes=ax)(np.ones((2, 3)))
    msg = str(e.value)
    assert f"in_axes={ax} is out of range for argument `x`" in msg
    assert "2 dimensions (valid: -2..1" in msg


def test_error_out_axes_out_of_range():
    with pytest.raises(fg.ShapeError, match="out_axes=3 is out of range for an output"):
        fg.vmap(lambda x: x, out_axes=3)(np.ones((2, 3)))


def test_error_branching_on_a_batched_value():
    def relu(x):
        return x if x > 0 else 0.0
    with pytest.raises(fg.ConcretizationError) as e:
        fg.vmap(relu)(np.array([-1.0, 2.0]))
    msg = str(e.value)
    assert "batched by vmap" in msg and "fnp.where" in msg
    assert "2 of them" in msg
    assert "BatchTracer" not in msg


def test_error_shapes_that_depend_on_batched_values():
    with pytest.raises(fg.ConcretizationError, match="boolean mask") as e:
        fg.vmap(lambda x: x[x > 0])(np.ones((2, 3)))
    assert "fnp.where(mask, x, 0)" in str(e.value)
    with pytest.raises(fg.ConcretizationError, match="slice bound") as e:
        fg.vmap(lambda x, i: x[i:i + 2])(np.ones((2, 3)), np.array([0, 1]))
    assert "fg.lax.dynamic_slice(x, (i,), (size,))" in str(e.value)
    with pytest.raises(fg.TracerArrayConversionError, match="inside vmap"):
        fg.vmap(lambda x: np.sin(np.asarray(x)))(np.ones(2))


def test_error_out_axes_none_for_a_batched_output():
    with pytest.raises(ValueError, match="out_axes=None for an output that differs across the "
                                         "batch"):
        fg.vmap(lambda x: x * 2.0, out_axes=None)(np.ones((3, 2)))


def test_error_nothing_mapped_and_no_axis_size():
    with pytest.raises(ValueError, match="axis_size="):
        fg.vmap(lambda x: x, in_axes=None)(np.ones(2))
    with pytest.raises(fg.ShapeError, match="axis_size=4 but the mapped axes have size 3"):
        fg.vmap(lambda x: x, axis_size=4)(np.ones(3))
