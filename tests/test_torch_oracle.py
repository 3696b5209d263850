"""funcgrad.torch against PyTorch 2.13 (the oracle), operation by operation.

- every supported operation: values, dtypes, shapes, requires_grad and grad_fn names of the
  results, and the gradients of sum(out * w) (w random), on hypothesis-drawn shapes (size-0 and
  size-1 axes, broadcasting) and several dtypes;
- type promotion of mixed dtypes, 0-d tensors and Python scalars;
- grad_fn names and the structure of next_functions;
- printing: str() of results of several shapes, dtypes and magnitudes;
- misuse: the same exception types as PyTorch, with its message text;
- views and storage: writes through views, numpy(), from_numpy, as_strided, unfold, in-place
  operations and x[...] = v, the version counter's errors;
- factories and randomness (shapes, dtypes, ranges, seeding).

Skipped when torch is not installed (the `oracle` extra)."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import funcgrad as fg
import funcgrad.torch as ft

OP_SETTINGS = settings(max_examples=8, deadline=None, database=None,
                       suppress_health_check=[HealthCheck.function_scoped_fixture,
                                              HealthCheck.too_slow])

FLOATS = ("float32", "float64")
INTS = ("int64", "int32")
NUMERIC = FLOATS + INTS


# ---- making the same inputs in both libraries -------------------------------------------------

def values(rng, shape, dtype, domain="any"):
    """Random numpy values of a dtype in a domain: any, pos (> 0), nonzero, unit (|x| < 1),
    small (|x| <= 2, for exp), index (0..n-1 given as domain=('index', n)), bool."""
    dt = np.dtype(dtype)
    if dt == np.bool_:
        return rng.random(shape) < 0.5
    if isinstance(domain, tuple):  # ("index", n)
        return rng.integers(0, max(domain[1], 1), shape).astype(dt)
    if dt.kind in "iu":
        lo, hi = {"pos": (1, 6), "nonzero": (1, 6), "unit": (0, 1)}.get(domain, (-5, 6))
        v = rng.integers(lo, hi, shape)
        if domain == "nonzero":
            v = v * rng.choice([-1, 1], shape)
        return v.astype(dt)
    v = rng.standard_normal(shape)
    if domain == "pos":
        v = np.abs(v) + 0.2
    elif domain == "nonzero":
        v = np.sign(v + 1e-9) * (np.abs(v) + 0.3)
    elif domain == "unit":
        v = np.tanh(v) * 0.9
    elif domain == "small":
        v = np.clip(v, -2, 2)
    return v.astype(dt)


def both(torch, arr, requires_grad=False):
    """The same values as a funcgrad tensor and a torch tensor."""
    rg = requires_grad and np.asarray(arr).dtype.kind == "f"
    return (ft.tensor(np.array(arr), requires_grad=rg),
            torch.tensor(np.array(arr), requires_grad=rg))


def _leaves(out):
    if isinstance(out, (tuple, list)):
        return [x for o in out for x in _leaves(o)]
    return [out]


def tol(dtype_name):
    return {"float16": (5e-3, 5e-3), "float32": (2e-4, 2e-5),
            "float64": (1e-9, 1e-12)}.get(dtype_name, (0, 0))


def assert_same_tensor(f, t, *, what="result", rtol=None, atol=None, check_grad_fn=True):
    """f (funcgrad) is t (torch): type, dtype, shape, values, requires_grad, grad_fn name."""
    if not hasattr(t, "dtype"):
        assert not isinstance(f, ft.Tensor), f"{what}: funcgrad gives a tensor, torch {t!r}"
        if isinstance(t, float):
            assert math.isclose(f, t, rel_tol=1e-5, abs_tol=1e-6) or (math.isnan(f) and
                                                                       math.isnan(t)), what
        else:
            assert f == t, f"{what}: {f!r} != {t!r}"
        return
    assert isinstance(f, ft.Tensor), f"{what}: {type(f)}"
    assert repr(f.dtype) == repr(t.dtype), f"{what}: dtype {f.dtype} != {t.dtype}"
    assert tuple(f.shape) == tuple(t.shape), f"{what}: shape {tuple(f.shape)} != {tuple(t.shape)}"
    r, a = tol(t.dtype.__repr__().split(".")[-1])
    r, a = (rtol if rtol is not None else r), (atol if atol is not None else a)
    fv, tv = f.detach().numpy(), t.detach().numpy()
    scale = float(np.max(np.abs(tv), initial=0.0)) if tv.dtype.kind == "f" and tv.size else 0.0
    if tv.dtype.kind == "f" and tv.size and np.isfinite(scale):
        np.testing.assert_allclose(fv, tv, rtol=r, atol=a * max(scale, 1.0), equal_nan=True,
                                   err_msg=what)
    else:
        np.testing.assert_array_equal(fv, tv, err_msg=what)
    assert f.requires_grad == t.requires_grad, f"{what}: requires_grad"
    if check_grad_fn:
        assert type(f.grad_fn).__name__ == type(t.grad_fn).__name__, \
            f"{what}: grad_fn {type(f.grad_fn).__name__} != {type(t.grad_fn).__name__}"


def check(torch, fn, arrays, *, grad=True, rtol=None, atol=None, check_grad_fn=True, seed=0):
    """fn(lib, *tensors) in both libraries: the same results, and the same gradients of
    sum(out * w) with respect to every floating input."""
    fs, ts = zip(*[both(torch, a, grad) for a in arrays]) if arrays else ((), ())
    f_out, t_out = fn(ft, *fs), fn(torch, *ts)
    assert type(f_out).__name__ == type(t_out).__name__ or not isinstance(
        t_out, tuple), f"{type(f_out)} vs {type(t_out)}"
    f_leaves, t_leaves = _leaves(f_out), _leaves(t_out)
    assert len(f_leaves) == len(t_leaves)
    for k, (f, t) in enumerate(zip(f_leaves, t_leaves)):
        assert_same_tensor(f, t, what=f"output {k}", rtol=rtol, atol=atol,
                           check_grad_fn=check_grad_fn)
    if not grad:
        return
    rng = np.random.default_rng(seed + 7)
    diff = [(f, t) for f, t in zip(f_leaves, t_leaves)
            if hasattr(t, "grad_fn") and t.grad_fn is not None and t.dtype.is_floating_point]
    if not diff or not any(x.requires_grad for x in ts):
        return
    f_loss = t_loss = 0
    for f, t in diff:
        w = rng.standard_normal(tuple(t.shape)).astype(t.detach().numpy().dtype)
        f_loss = f_loss + (f * ft.tensor(w)).sum()
        t_loss = t_loss + (t * torch.tensor(w)).sum()
    t_loss.backward()
    f_loss.backward()
    for i, (f, t) in enumerate(zip(fs, ts)):
        if not t.requires_grad:
            continue
        if t.grad is None:
            assert f.grad is None or not f.grad.numpy().any(), f"grad of input {i}"
            continue
        assert f.grad is not None, f"grad of input {i} is None"
        assert_same_tensor(f.grad, t.grad, what=f"grad of input {i}", rtol=rtol, atol=atol,
                           check_grad_fn=False)


def check_error(torch, fn, *args, match=None):
    """Both raise the same exception type; funcgrad's message starts as PyTorch's (or contains
    `match`)."""
    with pytest.raises(Exception) as t_err:
        fn(torch, *[a[1] if isinstance(a, tuple) else a for a in args])
    with pytest.raises(Exception) as f_err:
        fn(ft, *[a[0] if isinstance(a, tuple) else a for a in args])
    assert type(f_err.value).__name__ == type(t_err.value).__name__ or issubclass(
        type(f_err.value), type(t_err.value)), (f_err.value, t_err.value)
    t_msg, f_msg = str(t_err.value), str(f_err.value)
    if match is not None:
        assert match in t_msg and match in f_msg, (f_msg, t_msg)
    else:
        key = t_msg.split("\n")[0][:60]
        assert f_msg.startswith(key), f"\nfuncgrad: {f_msg}\ntorch:    {t_msg}"


# ---- the operation table ----------------------------------------------------------------------

class Op:
    def __init__(self, name, fn, args, *, dtypes=FLOATS, domains=None, grad=True, rtol=None,
                 atol=None, min_dims=0, max_dims=3, min_side=0, broadcast=True,
                 check_grad_fn=True):
        self.name, self.fn, self.args = name, fn, args  # args: number of array arguments
        self.dtypes, self.domains, self.grad = dtypes, domains or ("any",) * args, grad
        self.rtol, self.atol = rtol, atol
        self.min_dims, self.max_dims, self.min_side = min_dims, max_dims, min_side
        self.broadcast, self.check_grad_fn = broadcast, check_grad_fn

    def __repr__(self):
        return self.name


def _dimmed(fn):
    """fn(lib, x, dim) over a random valid dim of x (drawn from the seed)."""
    return fn


UNARY = [
    ("exp", lambda L, x: L.exp(x), "small"), ("log", lambda L, x: x.log(), "pos"),
    ("log1p", lambda L, x: L.log1p(x), "pos"), ("expm1", lambda L, x: x.expm1(), "small"),
    ("sqrt", lambda L, x: L.sqrt(x), "pos"), ("rsqrt", lambda L, x: x.rsqrt(), "pos"),
    ("sin", lambda L, x: L.sin(x), "any"), ("cos", lambda L, x: x.cos(), "any"),
    ("tan", lambda L, x: L.tan(x), "unit"), ("tanh", lambda L, x: L.tanh(x), "any"),
    ("sigmoid", lambda L, x: L.sigmoid(x), "any"), ("asin", lambda L, x: L.asin(x), "unit"),
    ("acos", lambda L, x: x.acos(), "unit"), ("atan", lambda L, x: L.atan(x), "any"),
    ("sinh", lambda L, x: L.sinh(x), "small"), ("cosh", lambda L, x: x.cosh(), "small"),
    ("abs", lambda L, x: L.abs(x), "nonzero"), ("neg", lambda L, x: -x, "any"),
    ("sign", lambda L, x: L.sign(x), "nonzero"), ("floor", lambda L, x: L.floor(x), "any"),
    ("ceil", lambda L, x: x.ceil(), "any"), ("round", lambda L, x: L.round(x), "any"),
    ("trunc", lambda L, x: L.trunc(x), "any"), ("frac", lambda L, x: x.frac(), "any"),
    ("relu", lambda L, x: L.relu(x), "nonzero"), ("square", lambda L, x: L.square(x), "any"),
    ("reciprocal", lambda L, x: L.reciprocal(x), "nonzero"),
    ("exp2", lambda L, x: L.exp2(x), "small"), ("log2", lambda L, x: L.log2(x), "pos"),
    ("log10", lambda L, x: x.log10(), "pos"), ("erf", lambda L, x: L.erf(x), "any"),
    ("pow2", lambda L, x: x.pow(2), "any"), ("pow3", lambda L, x: x ** 3, "any"),
    ("pow_half", lambda L, x: L.pow(x, 0.5), "pos"), ("pow_neg", lambda L, x: x ** -1.5, "pos"),
    ("rpow", lambda L, x: 2 ** x, "small"), ("rsub", lambda L, x: 3 - x, "any"),
    ("rdiv", lambda L, x: 3 / x, "nonzero"), ("scalar_mul", lambda L, x: x * 2.5, "any"),
    ("scalar_add_int", lambda L, x: x + 2, "any"), ("scalar_div", lambda L, x: x / 4, "any"),
    ("clamp", lambda L, x: L.clamp(x, -0.5, 0.7), "nonzero"),
    ("clamp_min", lambda L, x: x.clamp(min=0.1), "nonzero"),
    ("clamp_max", lambda L, x: x.clamp(max=0.2), "nonzero"),
    ("clamp_min_fn", lambda L, x: x.clamp_min(0.1), "nonzero"),
    ("clip", lambda L, x: L.clip(x, max=0.3), "nonzero"),
    ("softmax", lambda L, x: L.softmax(x, -1) if x.ndim else x.softmax(0), "any"),
    ("log_softmax", lambda L, x: L.log_softmax(x, -1) if x.ndim else x.log_softmax(0), "any"),
    ("masked_fill", lambda L, x: x.masked_fill(x > 0, 1.5), "nonzero"),
    ("where_scalar", lambda L, x: L.where(x > 0, x, 0.0), "nonzero"),
    ("nan_to_num", lambda L, x: L.nan_to_num(x), "any"),
    ("logical_not", lambda L, x: L.logical_not(x > 0), "any"),
    ("clone", lambda L, x: x.clone(), "any"), ("detach", lambda L, x: x.detach(), "any"),
    ("contiguous_t", lambda L, x: x.t().contiguous() if x.ndim <= 2 else x.contiguous(), "any"),
    ("to64", lambda L, x: x.to(L.float64), "any"), ("double", lambda L, x: x.double(), "any"),
    ("int", lambda L, x: (x * 3).int(), "any"), ("bool", lambda L, x: x.bool(), "any"),
    ("isnan", lambda L, x: L.isnan(x), "any"), ("isfinite", lambda L, x: L.isfinite(x), "any"),
]

REDUCTIONS = [
    ("sum", lambda L, x: x.sum()), ("sum_dim", lambda L, x: L.sum(x, 0)),
    ("sum_keepdim", lambda L, x: x.sum(-1, keepdim=True)),
    ("sum_dims", lambda L, x: x.sum((0, -1))),
    ("mean", lambda L, x: x.mean()), ("mean_dim", lambda L, x: L.mean(x, -1, keepdim=True)),
    ("prod", lambda L, x: x.prod()), ("prod_dim", lambda L, x: L.prod(x, 0)),
    ("std", lambda L, x: x.std()), ("std_dim", lambda L, x: L.std(x, 0, keepdim=True)),
    ("var", lambda L, x: x.var()), ("var_dim", lambda L, x: x.var(-1, correction=0)),
    ("var_unbiased", lambda L, x: L.var(x, 0, unbiased=False)),
    ("max", lambda L, x: x.max()), ("min", lambda L, x: L.min(x)),
    ("max_dim", lambda L, x: x.max(0)), ("min_dim", lambda L, x: L.min(x, -1, keepdim=True)),
    ("amax", lambda L, x: x.amax(-1)), ("amin", lambda L, x: L.amin(x, 0)),
    ("argmax", lambda L, x: x.argmax()), ("argmin_dim", lambda L, x: L.argmin(x, 0)),
    ("argmax_keep", lambda L, x: x.argmax(-1, keepdim=True)),
    ("logsumexp", lambda L, x: L.logsumexp(x, -1)),
    ("norm", lambda L, x: x.norm()), ("norm_dim", lambda L, x: L.norm(x, dim=-1)),
    ("norm_p1", lambda L, x: x.norm(p=1)),
    ("cumsum", lambda L, x: L.cumsum(x, 0)), ("cumsum_last", lambda L, x: x.cumsum(-1)),
    ("cumprod", lambda L, x: x.cumprod(-1)),
    ("any", lambda L, x: (x > 0).any()), ("all_dim", lambda L, x: (x > 0).all(0)),
    ("any_float", lambda L, x: L.any(x)),
    ("sort", lambda L, x: x.sort()), ("sort_desc", lambda L, x: L.sort(x, 0, descending=True)),
    ("argsort", lambda L, x: x.argsort(-1)),
    ("topk", lambda L, x: x.topk(min(2, x.shape[-1]))),
    ("topk_small", lambda L, x: L.topk(x, 1, dim=0, largest=False)),
    ("kthvalue", lambda L, x: x.kthvalue(1, 0)),
    ("median", lambda L, x: x.median()), ("median_dim", lambda L, x: x.median(-1)),
]

BINARY = [
    ("add", lambda L, x, y: x + y), ("add_fn_alpha", lambda L, x, y: L.add(x, y, alpha=2)),
    ("sub", lambda L, x, y: x - y), ("sub_alpha", lambda L, x, y: x.sub(y, alpha=0.5)),
    ("mul", lambda L, x, y: x * y), ("mul_fn", lambda L, x, y: L.mul(x, y)),
    ("div", lambda L, x, y: x / y), ("div_fn", lambda L, x, y: L.div(x, y)),
    ("pow", lambda L, x, y: L.pow(x, y)), ("maximum", lambda L, x, y: L.maximum(x, y)),
    ("minimum", lambda L, x, y: x.minimum(y)), ("atan2", lambda L, x, y: L.atan2(x, y)),
    ("eq", lambda L, x, y: x == y), ("ne", lambda L, x, y: x != y), ("lt", lambda L, x, y: x < y),
    ("le", lambda L, x, y: L.le(x, y)), ("gt", lambda L, x, y: x > y),
    ("ge", lambda L, x, y: x.ge(y)),
    ("where", lambda L, x, y: L.where(x > y, x, y)),
    ("lerp", lambda L, x, y: L.lerp(x, y, 0.3)), ("hypot", lambda L, x, y: L.hypot(x, y)),
    ("xlogy", lambda L, x, y: L.xlogy(x, y)),
    ("remainder", lambda L, x, y: L.remainder(x, y)),
    ("fmod", lambda L, x, y: L.fmod(x, y)),
    ("floor_div", lambda L, x, y: L.div(x, y, rounding_mode="floor")),
    ("trunc_div", lambda L, x, y: L.div(x, y, rounding_mode="trunc")),
    ("clamp_t", lambda L, x, y: L.clamp(x, min=y)),
    ("logaddexp", lambda L, x, y: L.logaddexp(x, y)),
]

BINARY_DOMAINS = {"div": ("any", "nonzero"), "div_fn": ("any", "nonzero"),
                  "pow": ("pos", "small"), "xlogy": ("any", "pos"),
                  "remainder": ("any", "nonzero"), "fmod": ("any", "nonzero"),
                  "floor_div": ("any", "nonzero"), "trunc_div": ("any", "nonzero"),
                  "atan2": ("any", "nonzero"), "hypot": ("nonzero", "nonzero"),
                  "maximum": ("any", "any"), "minimum": ("any", "any")}

OPS = (
    [Op(n, f, 1, domains=(d,), dtypes=FLOATS) for n, f, d in UNARY]
    + [Op(n, f, 1, dtypes=FLOATS, min_dims=2 if n == "sum_dims" else 1,
          min_side=2 if n.startswith(("std", "var")) else 1) for n, f in REDUCTIONS]
    + [Op(n, f, 2, domains=BINARY_DOMAINS.get(n), grad=n not in (
        "remainder", "fmod", "floor_div", "trunc_div"), rtol=1e-3 if n in ("pow",) else None)
       for n, f in BINARY]
)

# integer inputs where PyTorch defines the operation (no gradients)
INT_OPS = [
    ("int_add", lambda L, x, y: x + y), ("int_mul", lambda L, x, y: x * y),
    ("int_sub", lambda L, x, y: x - y), ("int_div", lambda L, x, y: x / y),
    ("int_floordiv", lambda L, x, y: x // y), ("int_mod", lambda L, x, y: x % y),
    ("int_max", lambda L, x, y: L.maximum(x, y)), ("int_eq", lambda L, x, y: x == y),
    ("int_and", lambda L, x, y: x & y), ("int_or", lambda L, x, y: x | y),
    ("int_xor", lambda L, x, y: x ^ y), ("int_sum", lambda L, x, y: x.sum() + y.sum()),
    ("int_prod", lambda L, x, y: x.prod()), ("int_cumsum", lambda L, x, y: L.cumsum(x, 0)),
    ("int_abs", lambda L, x, y: L.abs(x)), ("int_neg", lambda L, x, y: -x),
    ("int_sqrt", lambda L, x, y: L.sqrt(L.abs(x))), ("int_sigmoid", lambda L, x, y: x.sigmoid()),
    ("int_pow", lambda L, x, y: L.abs(x) ** 2), ("int_clamp", lambda L, x, y: x.clamp(-1, 2)),
    ("int_max_all", lambda L, x, y: x.max()), ("int_argmax", lambda L, x, y: x.argmax(0)),
    ("int_sort", lambda L, x, y: x.sort(0)[0]), ("int_float_mul", lambda L, x, y: x * 1.5),
    ("int_where", lambda L, x, y: L.where(x > y, x, y)),
    ("int_exp", lambda L, x, y: L.exp(x)), ("int_mean", lambda L, x, y: x.double().mean()),
]


def _shapes(op):
    if op.args == 1:
        return hnp.array_shapes(min_dims=op.min_dims, max_dims=op.max_dims, min_side=op.min_side,
                                max_side=4).map(lambda s: (s,))
    return hnp.mutually_broadcastable_shapes(num_shapes=op.args, min_dims=op.min_dims,
                                             max_dims=op.max_dims, min_side=op.min_side,
                                             max_side=4).map(lambda b: b.input_shapes)


@pytest.mark.parametrize("op", OPS, ids=repr)
def test_operation_matches_torch(torch, op):
    @OP_SETTINGS
    @given(shapes=_shapes(op), dtype=st.sampled_from(op.dtypes),
           seed=st.integers(0, 2 ** 16))
    def run(shapes, dtype, seed):
        rng = np.random.default_rng(seed)
        arrays = [values(rng, s, dtype, d) for s, d in zip(shapes, op.domains)]
        check(torch, op.fn, arrays, grad=op.grad, rtol=op.rtol, atol=op.atol,
              check_grad_fn=op.check_grad_fn, seed=seed)
    run()


@pytest.mark.parametrize("name,fn", INT_OPS, ids=[n for n, _ in INT_OPS])
def test_integer_operation_matches_torch(torch, name, fn):
    @OP_SETTINGS
    @given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=3,
                                                     min_side=1, max_side=4),
           dtype=st.sampled_from(INTS), seed=st.integers(0, 2 ** 16))
    def run(shapes, dtype, seed):
        rng = np.random.default_rng(seed)
        x = values(rng, shapes.input_shapes[0], dtype)
        y = values(rng, shapes.input_shapes[1], dtype, "nonzero")
        check(torch, fn, [x, y], grad=False)
    run()


# ---- shapes, indexing and products --------------------------------------------------------------

SHAPE_CASES = [
    # (name, fn(lib, x), shape of x)
    ("view", lambda L, x: x.view(3, 8), (2, 3, 4)), ("view_infer", lambda L, x: x.view(-1), (2, 3, 4)),
    ("reshape_t", lambda L, x: x.t().reshape(-1), (3, 4)),
    ("reshape", lambda L, x: L.reshape(x, (4, 6)), (2, 3, 4)),
    ("flatten", lambda L, x: x.flatten(1), (2, 3, 4)),
    ("flatten_all", lambda L, x: L.flatten(x), (2, 3, 4)),
    ("unflatten", lambda L, x: x.unflatten(1, (2, 2)), (3, 4)),
    ("squeeze", lambda L, x: x.squeeze(), (1, 3, 1)), ("squeeze_dim", lambda L, x: x.squeeze(0),
                                                        (1, 3, 1)),
    ("squeeze_dims", lambda L, x: L.squeeze(x, (0, 2)), (1, 3, 1)),
    ("unsqueeze", lambda L, x: x.unsqueeze(1), (2, 3)),
    ("unsqueeze_neg", lambda L, x: L.unsqueeze(x, -1), (2, 3)),
    ("t", lambda L, x: x.t(), (2, 3)), ("t_fn", lambda L, x: L.t(x), (3,)),
    ("T", lambda L, x: x.T, (2, 3)), ("mT", lambda L, x: x.mT, (2, 3, 4)),
    ("transpose", lambda L, x: x.transpose(0, 2), (2, 3, 4)),
    ("permute", lambda L, x: x.permute(2, 0, 1), (2, 3, 4)),
    ("permute_fn", lambda L, x: L.permute(x, (1, 0)), (2, 3)),
    ("movedim", lambda L, x: L.movedim(x, 0, -1), (2, 3, 4)),
    ("expand", lambda L, x: x.expand(3, 2, 4), (2, 1)),
    ("expand_neg", lambda L, x: x.expand(-1, 4), (3, 1)),
    ("expand_as", lambda L, x: x.expand_as(L.ones(2, 3)), (3,)),
    ("narrow", lambda L, x: x.narrow(1, 1, 2), (2, 4)),
    ("select", lambda L, x: x.select(0, 1), (3, 2)),
    ("unfold", lambda L, x: x.unfold(0, 2, 1), (5,)),
    ("unfold_2d", lambda L, x: x.unfold(1, 2, 2), (2, 5)),
    ("as_strided", lambda L, x: x.as_strided((2, 2), (1, 2)), (6,)),
    ("split", lambda L, x: x.split(2), (5, 2)),
    ("split_sizes", lambda L, x: L.split(x, [1, 3], 1), (2, 4)),
    ("chunk", lambda L, x: x.chunk(3, 0), (5, 2)), ("unbind", lambda L, x: x.unbind(1), (2, 3)),
    ("repeat", lambda L, x: x.repeat(2, 1, 2), (2, 3)), ("tile", lambda L, x: x.tile((2,)), (2, 3)),
    ("flip", lambda L, x: x.flip(0), (3, 2)), ("flip_fn", lambda L, x: L.flip(x, (0, 1)), (3, 2)),
    ("roll", lambda L, x: x.roll(1, 0), (3, 2)), ("roll_flat", lambda L, x: L.roll(x, -2), (3, 2)),
    ("roll_dims", lambda L, x: x.roll((1, 2), (0, 1)), (3, 4)),
    ("tril", lambda L, x: x.tril(), (3, 3)), ("triu", lambda L, x: L.triu(x, 1), (3, 4)),
    ("diagonal", lambda L, x: x.diagonal(), (3, 4)),
    ("getitem_int", lambda L, x: x[1], (3, 4)), ("getitem_neg", lambda L, x: x[-1, 2], (3, 4)),
    ("getitem_slice", lambda L, x: x[1:, ::2], (3, 4)),
    ("getitem_none", lambda L, x: x[None, :, 1], (3, 4)),
    ("getitem_ellipsis", lambda L, x: x[..., 0], (2, 3, 4)),
    ("getitem_list", lambda L, x: x[[0, 2]], (3, 4)),
    ("getitem_tensor", lambda L, x: x[L.tensor([2, 0, 2])], (3, 4)),
    ("getitem_tensor2", lambda L, x: x[L.tensor([0, 1]), L.tensor([3, 2])], (3, 4)),
    ("getitem_mask", lambda L, x: x[x > 0], (3, 4)),
    ("getitem_mixed", lambda L, x: x[1:, [0, 3]], (3, 4)),
    ("getitem_int_list", lambda L, x: x[0, [0, 3]], (3, 4)),
    ("gather", lambda L, x: x.gather(1, L.tensor([[0, 2], [1, 1], [3, 0]])), (3, 4)),
    ("gather_fn", lambda L, x: L.gather(x, 0, L.tensor([[2, 1, 0, 0]])), (3, 4)),
    ("index_select", lambda L, x: x.index_select(1, L.tensor([3, 0, 3])), (3, 4)),
    ("masked_select", lambda L, x: L.masked_select(x, x > 0), (3, 4)),
    ("take", lambda L, x: L.take(x, L.tensor([0, 5, 11])), (3, 4)),
    ("scatter", lambda L, x: x.scatter(0, L.tensor([[2, 0, 1, 2]]), x[:1] * 0 + 1), (3, 4)),
    ("scatter_value", lambda L, x: L.scatter(x, 1, L.tensor([[1], [0], [3]]), 2.5), (3, 4)),
    ("scatter_add", lambda L, x: x.scatter_add(0, L.tensor([[1, 1, 0, 2]]), x[:1] * 2), (3, 4)),
    ("index_add", lambda L, x: x.index_add(0, L.tensor([0, 2]), x[1:] * 3), (3, 4)),
    ("cat", lambda L, x: L.cat([x, x * 2], 1), (2, 3)),
    ("cat_empty", lambda L, x: L.cat([x, L.tensor([])]), (3,)),
    ("stack", lambda L, x: L.stack([x, -x], -1), (2, 3)),
    ("hstack", lambda L, x: L.hstack([x, x]), (2, 3)),
    ("vstack", lambda L, x: L.vstack([x, x]), (3,)),
    ("cartesian_prod", lambda L, x: L.cartesian_prod(x, x * 2), (3,)),
    ("mm", lambda L, x: x.mm(x.t()), (2, 3)), ("mm_fn", lambda L, x: L.mm(x.t(), x), (2, 3)),
    ("matmul_22", lambda L, x: x @ x.t(), (2, 3)),
    ("matmul_21", lambda L, x: L.matmul(x, x[0]), (3, 3)),
    ("matmul_12", lambda L, x: x[0] @ x, (3, 3)),
    ("matmul_11", lambda L, x: x[0] @ x[1], (2, 3)),
    ("matmul_32", lambda L, x: x @ x[0].t(), (2, 3, 3)),
    ("matmul_33", lambda L, x: L.matmul(x, x.transpose(1, 2)), (2, 3, 4)),
    ("bmm", lambda L, x: L.bmm(x, x.transpose(1, 2)), (2, 3, 4)),
    ("mv", lambda L, x: x.mv(x[0]), (3, 3)), ("dot", lambda L, x: L.dot(x, x * 2), (4,)),
    ("outer", lambda L, x: L.outer(x, x[:2]), (3,)),
    ("addmm", lambda L, x: L.addmm(x[0], x, x.t()), (3, 3)),
    ("einsum", lambda L, x: L.einsum("ij,kj->ik", x, x), (2, 3)),
    ("einsum_trace", lambda L, x: L.einsum("ii", x), (3, 3)),
    ("einsum_list", lambda L, x: L.einsum("bij,bjk->bik", [x, x.transpose(1, 2)]), (2, 3, 4)),
    ("one_hot", lambda L, x: L.nn.functional.one_hot((x.abs() * 2).long() % 3, 4), (5,)),
    ("unique", lambda L, x: L.unique((x * 2).round()), (6,)),
    ("unique_all", lambda L, x: L.unique((x * 2).round(), return_inverse=True,
                                         return_counts=True), (6,)),
    ("nonzero", lambda L, x: (x > 0).nonzero(), (3, 4)),
    ("nonzero_tuple", lambda L, x: L.nonzero(x > 0, as_tuple=True), (3, 4)),
    ("where_1", lambda L, x: L.where(x > 0), (3, 4)),
    ("masked_fill_t", lambda L, x: x.masked_fill(x < 0, L.tensor(7.0)), (3, 4)),
    ("isclose", lambda L, x: L.isclose(x, x + 1e-9), (3,)),
    ("sum_to_size", lambda L, x: x.sum_to_size(1, 4), (3, 4)),
]


@pytest.mark.parametrize("name,fn,shape", SHAPE_CASES, ids=[c[0] for c in SHAPE_CASES])
@pytest.mark.parametrize("dtype", FLOATS)
def test_shape_and_index_operation_matches_torch(torch, name, fn, shape, dtype):
    rng = np.random.default_rng(sum(map(ord, name)))
    check(torch, fn, [values(rng, shape, dtype, "nonzero")],
          check_grad_fn=name not in ("einsum", "einsum_trace", "einsum_list"),
          grad=not name.startswith("unique"))


def test_whole_tensor_predicates_match_torch(torch):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 4))
    for fn in (lambda L, x, y: L.equal(x, y), lambda L, x, y: x.equal(y + 0),
               lambda L, x, y: L.allclose(x, y + 1e-9), lambda L, x, y: x.allclose(y * 2),
               lambda L, x, y: L.equal(x, y[:2]), lambda L, x, y: x.numel(),
               lambda L, x, y: x.size(1), lambda L, x, y: x.dim(), lambda L, x, y: x.ndim,
               lambda L, x, y: x.size(), lambda L, x, y: x.shape,
               lambda L, x, y: tuple(x.stride()), lambda L, x, y: x.t().is_contiguous(),
               lambda L, x, y: x[0, 1].item(), lambda L, x, y: x.tolist(),
               lambda L, x, y: (x > 0).sum().item(), lambda L, x, y: L.is_tensor(x),
               lambda L, x, y: x.is_floating_point(), lambda L, x, y: len(x),
               lambda L, x, y: x.element_size(), lambda L, x, y: x.type()):
        f, t = fn(ft, *both(torch, a)[:1], both(torch, a)[0]), fn(torch, both(torch, a)[1],
                                                                  both(torch, a)[1])
        assert f == t, (f, t)


# ---- promotion ----------------------------------------------------------------------------------

PROMOTION_DTYPES = ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
                    "bool")
SCALARS = (2, 2.5, True, -3)


@OP_SETTINGS
@given(a=st.sampled_from(PROMOTION_DTYPES), b=st.sampled_from(PROMOTION_DTYPES),
       a0=st.booleans(), b0=st.booleans(),
       op=st.sampled_from(["add", "mul", "sub", "div", "maximum", "eq", "where", "cat"]))
def test_promotion_of_mixed_dtypes_matches_torch(torch, a, b, a0, b0, op):
    if op == "sub" and "bool" in (a, b):
        return
    rng = np.random.default_rng(0)
    xa = values(rng, () if a0 else (3,), a, "pos")
    xb = values(rng, () if b0 else (3,), b, "pos")
    fns = {"add": lambda L, x, y: x + y, "mul": lambda L, x, y: L.mul(x, y),
           "sub": lambda L, x, y: x - y, "div": lambda L, x, y: x / y,
           "maximum": lambda L, x, y: L.maximum(x, y), "eq": lambda L, x, y: x == y,
           "where": lambda L, x, y: L.where(y > 0, x, y),
           "cat": lambda L, x, y: L.cat([x.reshape(-1), y.reshape(-1)])}
    check(torch, fns[op], [xa, xb], grad=False, rtol=1e-3, atol=1e-3)
    assert repr(ft.result_type(ft.tensor(xa), ft.tensor(xb))) == repr(
        torch.result_type(torch.tensor(xa), torch.tensor(xb)))
    assert repr(ft.promote_types(getattr(ft, a), getattr(ft, b))) == repr(
        torch.promote_types(getattr(torch, a), getattr(torch, b)))


@pytest.mark.parametrize("dtype", PROMOTION_DTYPES)
@pytest.mark.parametrize("scalar", SCALARS)
@pytest.mark.parametrize("op", ["add", "mul", "rsub", "div", "pow", "gt"])
def test_promotion_with_python_scalars_matches_torch(torch, dtype, scalar, op):
    if op in ("rsub",) and (dtype == "bool" or isinstance(scalar, bool)):
        return
    if op == "pow" and (dtype == "bool" or scalar == -3):
        return
    fns = {"add": lambda L, x: x + scalar, "mul": lambda L, x: scalar * x,
           "rsub": lambda L, x: scalar - x, "div": lambda L, x: x / scalar,
           "pow": lambda L, x: x ** scalar, "gt": lambda L, x: x > scalar}
    x = values(np.random.default_rng(1), (3,), dtype, "pos")
    check(torch, fns[op], [x], grad=False, rtol=1e-3, atol=1e-3)


def test_tensor_dtype_inference_matches_torch(torch):
    for data in (1, 1.5, True, [1, 2], [1, 2.0], [True, False], [[1, 2], [3, 4]], [],
                 np.float32(1.5), np.array([1, 2], np.int32), [np.float64(1.0)],
                 [ft.tensor(1.0).item(), 2], 1 + 2j):
        f, t = ft.tensor(data), torch.tensor(data)
        assert repr(f.dtype) == repr(t.dtype), data
        assert tuple(f.shape) == tuple(t.shape)
    for fn in (lambda L: L.arange(5), lambda L: L.arange(0, 1, 0.25), lambda L: L.arange(5.0),
               lambda L: L.full((2,), 3), lambda L: L.full((2,), 1.5), lambda L: L.full((2,), True),
               lambda L: L.zeros(2, 3), lambda L: L.ones((2,), dtype=L.int32),
               lambda L: L.empty(0, 3).zero_(), lambda L: L.eye(3), lambda L: L.eye(2, 3),
               lambda L: L.linspace(0, 1, 5), lambda L: L.logspace(0, 2, 3),
               lambda L: L.zeros_like(L.ones(2, dtype=L.int64)),
               lambda L: L.ones_like(L.ones(2), dtype=L.float64),
               lambda L: L.full_like(L.ones(2, 2), 7), lambda L: L.empty_like(L.ones(3)).zero_(),
               lambda L: L.FloatTensor([1, 2]), lambda L: L.LongTensor([1, 2]),
               lambda L: L.DoubleTensor(2, 3).zero_(), lambda L: L.Tensor([1, 2]),
               lambda L: L.Tensor(2).fill_(1),
               lambda L: L.BoolTensor([1, 0]), lambda L: L.ByteTensor([3]),
               lambda L: L.IntTensor([[1]]), lambda L: L.ones(2).new_zeros(3),
               lambda L: L.ones(2, dtype=L.int32).new_ones(2),
               lambda L: L.ones(2).new_full((2,), 3), lambda L: L.ones(2).new_tensor([1, 2]),
               lambda L: L.as_tensor([1, 2]), lambda L: L.as_tensor(np.ones(2, np.float32)),
               lambda L: L.tril_indices(3, 3), lambda L: L.triu_indices(3, 4, 1)):
        f, t = fn(ft), fn(torch)
        assert_same_tensor(f, t, what=str(fn))


# ---- grad_fn names and next_functions ----------------------------------------------------------

GRAPH_CASES = [
    "a * 2", "a * b", "b * a", "2 * a", "a + 1", "a - b", "2 - a", "1 / a", "a / 2", "a ** 2",
    "a ** b", "2 ** a", "a.pow(2.5)", "a.exp()", "a.sum()", "a.sum(0)", "a.mean()", "a.mean(0)",
    "a.max()", "a.max(0)[0]", "a.min(0).values", "a.clamp(min=0)", "a.clamp(0, 1)",
    "a.clamp(min=b)", "a.clamp_min(0)", "torch.where(a > 0, a, b)", "a.view(2, 3)", "a[0]",
    "a[:2]", "a[1:3]", "a[None]", "a[[0, 1]]", "a[a > 0]", "a.reshape(3, 2)", "a.unsqueeze(0)",
    "a.view(1, 6).squeeze()", "a.view(1, 6).squeeze(0)", "a.view(2, 3).t()", "a.view(2, 3).T",
    "a.view(2, 3).mT", "a.view(2, 3).transpose(0, 1)", "a.view(2, 3).permute(1, 0)",
    "a.expand(2, 6)", "a.clone()", "a.to(torch.float64)", "a.double()", "a.abs()", "a.relu()",
    "-a", "a.sigmoid()", "a.tanh()", "torch.cat([a, b])", "torch.stack([a, b])",
    "a.view(2, 3).mm(b.view(3, 2))", "a @ b", "a.view(2, 3) @ b.view(3, 2)",
    "a.view(2, 3).matmul(b.view(3, 2)[:, 0])", "torch.dot(a, b)", "torch.outer(a, b)",
    "a.cumsum(0)", "a.sort()[0]", "a.topk(2)[0]", "a.flip(0)", "a.roll(1)", "a.repeat(2)",
    "a.softmax(0)", "a.log_softmax(0)", "a.split(2)[1]", "a.chunk(3)[0]", "a.narrow(0, 1, 2)",
    "a.unfold(0, 2, 1)", "a.gather(0, torch.tensor([0, 0]))", "a.index_select(0, torch.tensor([1]))",
    "a.masked_select(a > 0)", "a.prod()", "a.std()", "a.var()", "a.amax()", "a.norm()",
    "a.logsumexp(0)", "a.masked_fill(a > 0, 0)", "a.scatter(0, torch.tensor([0]), b)",
    "a.scatter_add(0, torch.tensor([0]), b)", "a.as_strided((2,), (1,))", "a.unbind()[1]",
    "a.view(2, 3).sum(1, keepdim=True)", "a.square()", "a.sqrt()", "a.log()", "a.floor()",
    "a.div(b, rounding_mode='floor')", "a.view(2, 3).flatten()", "a.view(2, 3).unflatten(1, (3, 1))",
    "torch.addmm(a.view(2, 3)[:, :2], b.view(3, 2).t(), b.view(3, 2))", "a.view(2, 3).diagonal()",
    "(a * b).sum()", "a.clone().add_(1)", "a.clone().mul_(b)", "a.clone().zero_()",
    "a.clone().fill_(2)", "a.clone().clamp_(0, 1)", "a.clone().copy_(b)",
    "a.clone().masked_fill_(a > 0, 1.0)", "a.clone().index_add_(0, torch.tensor([0, 0]), b[:2])",
    "a.clone().scatter_(0, torch.tensor([0, 1]), b)", "a.clone().exp_()",
]


def _graph(node, depth):
    if node is None:
        return None
    name = type(node).__name__
    if depth == 0:
        return name
    return (name, tuple((_graph(n, depth - 1), k) for n, k in node.next_functions))


@pytest.mark.parametrize("expr", GRAPH_CASES)
def test_grad_fn_names_and_next_functions_match_torch(torch, expr):
    rng = np.random.default_rng(0)
    av, bv = rng.standard_normal(6).astype(np.float32), rng.standard_normal(6).astype(np.float32)
    results = []
    for lib in (ft, torch):
        a = lib.tensor(av, requires_grad=True)
        b = lib.tensor(bv)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = eval(expr, {"torch": lib, "a": a, "b": b})
        results.append(_graph(r.grad_fn, 3))
    assert results[0] == results[1]


# ---- printing -----------------------------------------------------------------------------------

PRINT_CASES = [
    "torch.arange(6).view(2, 3)", "torch.arange(6.0).view(3, 2) / 7", "torch.ones(2, 3) * 1e-5",
    "torch.tensor([1.5, -2.25, 1e9])", "torch.zeros(0, 3)", "torch.tensor(3.5)",
    "torch.tensor([True, False])", "torch.eye(3, dtype=torch.float64)",
    "torch.arange(2000.0)", "torch.arange(24).view(2, 3, 4) - 7",
    "torch.tensor([[0.1, 200.0], [3.0, 4e-3]])", "torch.tensor([1, 2], dtype=torch.int32)",
    "torch.tensor([1.0, 2.0], requires_grad=True)", "torch.tensor([1.0, 2.0], requires_grad=True) * 2",
    "torch.tensor([[1.0, 2.0]], requires_grad=True).sum(1)", "torch.tensor([1.0, 2.0]).half()",
    "torch.tensor([float('nan'), float('inf'), 1.0])", "torch.ones(3, 100)",
    "torch.tensor([1.0, 2.0], requires_grad=True).max(0)", "torch.tensor([3.0, 1.0]).sort()",
    "torch.Size([2, 3])", "torch.tensor([[1.0, 2.0]]).shape", "torch.float32", "torch.device('cpu')",
]


@pytest.mark.parametrize("expr", PRINT_CASES)
def test_printed_results_match_torch(torch, expr):
    f = eval(expr, {"torch": ft})
    t = eval(expr, {"torch": torch})
    assert str(f) == str(t)
    assert repr(f) == repr(t)


# ---- errors -------------------------------------------------------------------------------------

def _err_inputs(torch):
    rng = np.random.default_rng(0)
    return {
        "m23": both(torch, rng.standard_normal((2, 3)).astype(np.float32)),
        "m32": both(torch, rng.standard_normal((3, 2)).astype(np.float32)),
        "t234": both(torch, rng.standard_normal((2, 3, 4)).astype(np.float32)),
        "v3": both(torch, rng.standard_normal(3).astype(np.float32)),
        "v4": both(torch, rng.standard_normal(4).astype(np.float32)),
        "d3": both(torch, rng.standard_normal(3)),
        "i3": both(torch, np.arange(3)),
        "s": both(torch, np.float32(2.0)),
    }


ERROR_CASES = [
    ("mm_3d", lambda L, a, b: L.mm(a, b), ("t234", "m32")),
    ("mm_vec", lambda L, a, b: a.mm(b), ("m23", "v3")),
    ("mm_shapes", lambda L, a, b: a.mm(b), ("m23", "m23")),
    ("mm_dtypes", lambda L, a, b: a.mm(b.double()), ("m23", "m32")),
    ("matmul_shapes", lambda L, a, b: a @ b, ("m23", "m23")),
    ("matmul_0d", lambda L, a, b: L.matmul(a, b), ("s", "m23")),
    ("matmul_vec", lambda L, a, b: a @ b, ("v3", "v4")),
    ("dot_matrix", lambda L, a, b: L.dot(a, b), ("m23", "m23")),
    ("dot_sizes", lambda L, a, b: L.dot(a, b), ("v3", "v4")),
    ("dot_dtypes", lambda L, a, b: L.dot(a, b), ("v3", "d3")),
    ("bmm_2d", lambda L, a, b: L.bmm(a, b), ("m23", "m32")),
    ("mv_sizes", lambda L, a, b: a.mv(b), ("m23", "v4")),
    ("broadcast", lambda L, a, b: a + b, ("m23", "m32")),
    ("view_size", lambda L, a, b: a.view(4), ("m23", "v3")),
    ("view_stride", lambda L, a, b: a.t().view(6), ("m23", "v3")),
    ("view_two_infer", lambda L, a, b: a.view(-1, -1), ("m23", "v3")),
    ("dim_range", lambda L, a, b: a.sum(2), ("m23", "v3")),
    ("index_range", lambda L, a, b: a[2], ("m23", "v3")),
    ("too_many_indices", lambda L, a, b: a[0, 0, 0], ("m23", "v3")),
    ("tensor_index_range", lambda L, a, b: a[L.tensor([0, 5])], ("m23", "v3")),
    ("float_index", lambda L, a, b: a[L.tensor([0.0])], ("m23", "v3")),
    ("mask_shape", lambda L, a, b: a[L.tensor([True, False, True])], ("m23", "v3")),
    ("item_many", lambda L, a, b: a.item(), ("m23", "v3")),
    ("bool_many", lambda L, a, b: bool(a), ("m23", "v3")),
    ("len_0d", lambda L, a, b: len(b), ("m23", "s")),
    ("iter_0d", lambda L, a, b: iter(b), ("m23", "s")),
    ("int_requires_grad", lambda L, a, b: b.requires_grad_(), ("m23", "i3")),
    ("int_mean", lambda L, a, b: b.mean(), ("m23", "i3")),
    ("int_std", lambda L, a, b: b.std(), ("m23", "i3")),
    ("inplace_cast", lambda L, a, b: b.add_(1.5), ("m23", "i3")),
    ("cat_dims", lambda L, a, b: L.cat([a, b]), ("m23", "v3")),
    ("stack_sizes", lambda L, a, b: L.stack([a, a.t()]), ("m23", "v3")),
    ("expand", lambda L, a, b: a.expand(3, 3), ("m23", "v3")),
    ("permute_len", lambda L, a, b: a.permute(0), ("m23", "v3")),
    ("t_3d", lambda L, a, b: a.t(), ("t234", "v3")),
    ("split_sizes", lambda L, a, b: a.split([1, 1], 1), ("m23", "v3")),
    ("clamp_none", lambda L, a, b: a.clamp(), ("m23", "v3")),
    ("squeeze_dim", lambda L, a, b: a.squeeze(3), ("m23", "v3")),
    ("cuda", lambda L, a, b: a.cuda(), ("m23", "v3")),
    ("to_cuda", lambda L, a, b: a.to("cuda"), ("m23", "v3")),
    ("zeros_cuda", lambda L, a, b: L.zeros(2, device="cuda"), ("m23", "v3")),
    ("device_bad", lambda L, a, b: L.device("gpu"), ("m23", "v3")),
    ("randn_long", lambda L, a, b: L.randn(2, dtype=L.long), ("m23", "v3")),
    ("multinomial", lambda L, a, b: L.multinomial(L.tensor([0.2, 0.8]), 3), ("m23", "v3")),
    ("ragged", lambda L, a, b: L.tensor([[1, 2], [3]]), ("m23", "v3")),
    ("numpy_grad", lambda L, a, b: a.requires_grad_().numpy(), ("m23", "v3")),
    ("grad_size", lambda L, a, b: setattr(a, "grad", L.ones(2)), ("m23", "v3")),
    ("setitem_shape", lambda L, a, b: a.__setitem__(L.tensor([0, 1]), L.ones(2, 4)),
     ("m23", "v3")),
    ("allclose_dtypes", lambda L, a, b: L.allclose(a[0], b), ("m23", "d3")),
    ("gather_dims", lambda L, a, b: a.gather(0, L.tensor([0])), ("m23", "v3")),
    ("arange_step", lambda L, a, b: L.arange(0, 1, 0), ("m23", "v3")),
    ("outer_2d", lambda L, a, b: L.outer(b, a), ("m23", "v3")),
    ("one_hot_float", lambda L, a, b: L.nn.functional.one_hot(b), ("m23", "v3")),
    ("where_cond", lambda L, a, b: L.where(b, b, b), ("m23", "v3")),
]


@pytest.mark.parametrize("name,fn,keys", ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_misuse_raises_what_torch_raises(torch, name, fn, keys):
    ins = _err_inputs(torch)
    check_error(torch, fn, *[ins[k] for k in keys])


def test_autograd_misuse_raises_what_torch_raises(torch):
    def backward_twice(L):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        y.backward()
        y.backward()

    def non_scalar(L):
        (L.tensor([1.0, 2.0], requires_grad=True) * 2).backward()

    def no_grad_output(L):
        L.tensor([1.0]).sum().backward()

    def leaf_inplace(L):
        L.tensor([1.0, 2.0], requires_grad=True).add_(1)

    def view_of_leaf_inplace(L):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        x[0] = 5.0

    def saved_modified(L):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        h = x * 2
        y = h.sin()
        h.add_(1)
        y.sum().backward()

    def saved_output_modified(L):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        y = x.exp()
        y.add_(1)
        y.sum().backward()

    def saved_leaf_modified(L):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        y = x.sin()
        with L.no_grad():
            x.mul_(2)
        y.sum().backward()

    def wrong_grad_shape(L):
        (L.tensor([1.0, 2.0], requires_grad=True) * 2).backward(L.ones(3))

    def unused(L):
        x, z = L.ones(2, requires_grad=True), L.ones(2, requires_grad=True)
        L.autograd.grad((x * 2).sum(), [x, z])

    def input_no_grad(L):
        x = L.ones(2, requires_grad=True)
        L.autograd.grad((x * 2).sum(), [L.ones(2)])

    def nonleaf_requires_grad_false(L):
        (L.ones(2, requires_grad=True) * 2).requires_grad_(False)

    def hook_no_grad(L):
        L.ones(2).register_hook(lambda g: g)

    for fn in (backward_twice, non_scalar, no_grad_output, leaf_inplace, view_of_leaf_inplace,
               saved_modified, saved_output_modified, saved_leaf_modified, wrong_grad_shape,
               unused, input_no_grad, nonleaf_requires_grad_false, hook_no_grad):
        check_error(torch, fn)


def test_inplace_that_torch_allows_is_allowed(torch):
    """Modifying in place what the backward does not read is not an error."""
    for lib in (ft, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        h = x * 2
        y = h + 1          # AddBackward0 reads nothing
        h.add_(1)
        y.sum().backward()
        z = x.exp()        # ExpBackward0 reads its result, not its input
        w = z.clone()
        w.mul_(3)
        z.sum().backward()
        assert x.grad.tolist() == pytest.approx([2 + math.exp(1), 2 + math.exp(2)], rel=1e-6)
        p = x * 2
        q = (p * 3).sum()  # a scalar factor: MulBackward0 reads nothing
        p.zero_()
        q.backward()


# ---- views and storage --------------------------------------------------------------------------

def _check_storage(torch, steps):
    """Run steps(lib) in both libraries; every tensor it returns matches."""
    f_out, t_out = steps(ft), steps(torch)
    for k, (f, t) in enumerate(zip(_leaves(f_out), _leaves(t_out))):
        assert_same_tensor(f, t, what=f"value {k}", check_grad_fn=False)


VIEW_WRITES = {
    "view": lambda x: x.view(-1), "slice": lambda x: x[1:, ::2], "t": lambda x: x.t(),
    "transpose": lambda x: x.transpose(0, 1), "narrow": lambda x: x.narrow(1, 1, 2),
    "select": lambda x: x[1], "unsqueeze": lambda x: x.unsqueeze(0),
    "permute": lambda x: x.permute(1, 0), "diagonal": lambda x: x.diagonal(),
    "unfold": lambda x: x.unfold(1, 2, 2), "split": lambda x: x.split(1)[1],
    "as_strided": lambda x: x.as_strided((2,), (3,), 1), "detach": lambda x: x.detach(),
    "flatten": lambda x: x.flatten(), "reshape": lambda x: x.reshape(4, 3),
    "squeeze": lambda x: x.unsqueeze(0).squeeze(0), "ellipsis": lambda x: x[...],
}


def view_write_steps(name):
    """steps(L): writes through the view VIEW_WRITES[name] and into its base, in library L."""
    def steps(L):
        base = L.arange(12.0).view(3, 4)
        v = VIEW_WRITES[name](base)
        v.mul_(10)
        v.add_(1)
        w = VIEW_WRITES[name](base)
        base.sub_(0.5)
        return base, v, w, L.tensor(v._version), L.tensor(base._version)
    return steps


@pytest.mark.parametrize("name", list(VIEW_WRITES))
def test_writes_through_views_reach_the_base(torch, name):
    _check_storage(torch, view_write_steps(name))


def test_numpy_and_from_numpy_share_memory(torch):
    for lib in (ft, torch):
        a = np.zeros(3)
        t = lib.from_numpy(a)
        t[0] = 5
        a[1] = 7
        assert t.tolist() == [5.0, 7.0, 0.0]
        n = t.numpy()
        n[2] = 9
        assert a.tolist() == [5.0, 7.0, 9.0]
        assert t.dtype == lib.float64
        u = lib.ones(2, 2)
        u.numpy()[0, 0] = 3
        assert u[0, 0].item() == 3
        v = lib.as_tensor(a)
        v += 1
        assert a.tolist() == [6.0, 8.0, 10.0]
        c = lib.tensor(a)
        c += 1
        assert a.tolist() == [6.0, 8.0, 10.0]


SETITEMS = [
    ("int", lambda L, x: x.__setitem__(1, 5.0)),
    ("slice", lambda L, x: x.__setitem__((slice(None), slice(1, 3)), L.tensor([7.0, 8.0]))),
    ("ellipsis", lambda L, x: x.__setitem__(Ellipsis, 2.0)),
    ("mask", lambda L, x: x.__setitem__(x > 4, 0.0)),
    ("mask_values", lambda L, x: x.__setitem__(L.arange(12).view(3, 4) > 8,
                                                L.tensor([1.0, 2.0, 3.0]))),
    ("index_tensor", lambda L, x: x.__setitem__(L.tensor([0, 2]), L.tensor([9.0]))),
    ("index_pair", lambda L, x: x.__setitem__((L.tensor([0, 1]), L.tensor([3, 0])), -1.0)),
    ("list", lambda L, x: x.__setitem__([2, 0], L.zeros(4))),
    ("none", lambda L, x: x.__setitem__((None, 0), L.ones(1, 4))),
    ("int_into_float", lambda L, x: x.__setitem__(0, L.tensor([1, 2, 3, 4]))),
    ("float_into_long", lambda L, x: x.long().__setitem__(0, 2.7)),
]


@pytest.mark.parametrize("name,fn", SETITEMS, ids=[s[0] for s in SETITEMS])
def test_setitem_matches_torch(torch, name, fn):
    def steps(L):
        x = L.arange(12.0).view(3, 4)
        v = x[1]
        r = fn(L, x)
        return x, v, r if r is not None else L.tensor(0)
    _check_storage(torch, steps)


@pytest.mark.parametrize("name,fn", SETITEMS[:9], ids=[s[0] for s in SETITEMS[:9]])
def test_setitem_records_copyslices_and_index_put(torch, name, fn):
    def steps(L):
        w = L.arange(12.0, requires_grad=True)
        x = w.view(3, 4) * 1.5
        fn(L, x)
        assert type(x.grad_fn).__name__ in ("CopySlices", "IndexPutBackward0", "FillBackward3")
        (x * L.arange(12.0).view(3, 4)).sum().backward()
        return x, w.grad, L.tensor(type(x.grad_fn).__name__ == "CopySlices")
    _check_storage(torch, steps)


INPLACE = [
    ("add_", lambda L, x, y: x.add_(y)), ("add_alpha", lambda L, x, y: x.add_(y, alpha=2)),
    ("sub_", lambda L, x, y: x.sub_(y)), ("mul_", lambda L, x, y: x.mul_(y)),
    ("div_", lambda L, x, y: x.div_(y.abs() + 1)), ("pow_", lambda L, x, y: x.pow_(2)),
    ("iadd", lambda L, x, y: x.__iadd__(y)), ("isub_scalar", lambda L, x, y: x.__isub__(0.5)),
    ("imul", lambda L, x, y: x.__imul__(y)), ("itruediv", lambda L, x, y: x.__itruediv__(4)),
    ("fill_", lambda L, x, y: x.fill_(3)), ("fill_tensor", lambda L, x, y: x.fill_(y.sum())),
    ("zero_", lambda L, x, y: x.zero_()), ("copy_", lambda L, x, y: x.copy_(y)),
    ("copy_bcast", lambda L, x, y: x.copy_(y[0])), ("clamp_", lambda L, x, y: x.clamp_(-0.2, 0.4)),
    ("clamp_min_", lambda L, x, y: x.clamp_(min=0)),
    ("masked_fill_", lambda L, x, y: x.masked_fill_(y > 0, -1.0)),
    ("index_add_", lambda L, x, y: x.index_add_(0, L.tensor([0, 0]), y[:2])),
    ("scatter_", lambda L, x, y: x.scatter_(1, L.tensor([[1], [0], [2]]), y[:, :1])),
    ("scatter_add_", lambda L, x, y: x.scatter_add_(0, L.tensor([[2, 1, 0]]), y[:1])),
    ("exp_", lambda L, x, y: x.exp_()), ("neg_", lambda L, x, y: x.neg_()),
    ("sigmoid_", lambda L, x, y: x.sigmoid_()), ("relu_", lambda L, x, y: x.relu_()),
    ("unsqueeze_", lambda L, x, y: x.unsqueeze_(0)), ("t_", lambda L, x, y: x.t_()),
]


@pytest.mark.parametrize("name,fn", INPLACE, ids=[c[0] for c in INPLACE])
def test_inplace_operations_match_torch(torch, name, fn):
    rng = np.random.default_rng(3)
    xv = rng.standard_normal((3, 3)).astype(np.float32)
    yv = rng.standard_normal((3, 3)).astype(np.float32)

    def steps(L, requires_grad):
        w = L.tensor(xv, requires_grad=requires_grad)
        x = w * 1.0 if requires_grad else w
        y = L.tensor(yv, requires_grad=requires_grad)
        before = x._version
        r = fn(L, x, y)
        assert r is x
        out = [x, L.tensor(x._version - before)]
        if requires_grad:
            (x * L.tensor(np.arange(x.numel(), dtype=np.float32)).view(x.shape)).sum().backward()
            out += [w.grad if w.grad is not None else L.zeros(3, 3),
                    y.grad if y.grad is not None else L.zeros(3, 3)]
            assert type(x.grad_fn).__name__ == type(x.grad_fn).__name__
        return out
    _check_storage(torch, lambda L: steps(L, False))
    _check_storage(torch, lambda L: steps(L, True))
    f_names = type(fn(ft, ft.tensor(xv, requires_grad=True) * 1, ft.tensor(yv)).grad_fn).__name__
    t_names = type(fn(torch, torch.tensor(xv, requires_grad=True) * 1,
                      torch.tensor(yv)).grad_fn).__name__
    assert f_names == t_names


def test_inplace_on_a_view_of_a_tensor_that_requires_grad(torch):
    def steps(L):
        x = L.arange(1.0, 7.0, requires_grad=True)
        a = x * 2
        v = a[1:4]
        v.mul_(x[:3])
        a2 = x.clone()
        u = a2.view(2, 3)
        a2.mul_(3)           # the base changes after the view was taken
        loss = (a * L.arange(6.0)).sum() + (u * L.arange(6.0).view(2, 3)).sum()
        loss.backward()
        return a, v, u, x.grad, L.tensor(type(a.grad_fn).__name__ == "CopySlices")
    _check_storage(torch, steps)


def test_weight_update_under_no_grad(torch):
    def steps(L):
        w = L.tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
        x = L.tensor([[1.0, 2.0]])
        for _ in range(3):
            loss = (x.mm(w).clamp(min=0) ** 2).sum()
            loss.backward()
            with L.no_grad():
                w -= 0.1 * w.grad
                w.grad.zero_()
        return w, w.grad, L.tensor(w.is_leaf), L.tensor(w.requires_grad)
    _check_storage(torch, steps)


def test_version_counter_is_shared_by_views_and_bumped_by_writes(torch):
    for lib in (ft, torch):
        x = lib.zeros(4)
        v = x[1:]
        d = x.detach()
        assert x._version == v._version == d._version == 0
        v.add_(1)
        x[0] = 2
        d.mul_(2)
        assert x._version == v._version == d._version == 3
        assert x.data._version == 0 if lib is torch else True


# ---- factories and randomness -------------------------------------------------------------------

RANDOM = [
    lambda L, g: L.rand(2, 3, generator=g), lambda L, g: L.randn(4, dtype=L.float64, generator=g),
    lambda L, g: L.randint(0, 5, (3,), generator=g), lambda L, g: L.randint(7, (2, 2)),
    lambda L, g: L.randperm(5, generator=g), lambda L, g: L.rand_like(L.ones(2, 2)),
    lambda L, g: L.randn_like(L.ones(3, dtype=L.float64)),
    lambda L, g: L.randint_like(L.ones(3), 4), lambda L, g: L.bernoulli(L.full((5,), 0.5)),
    lambda L, g: L.multinomial(L.tensor([0.1, 0.9]), 4, replacement=True, generator=g),
    lambda L, g: L.normal(0.0, 1.0, size=(2, 2)), lambda L, g: L.normal(L.zeros(3), 2.0),
    lambda L, g: L.normal(L.zeros(3), L.ones(3), generator=g),
    lambda L, g: L.empty(3).uniform_(2, 3), lambda L, g: L.empty(3).normal_(0, 0.01),
    lambda L, g: L.zeros(4, dtype=L.long).random_(0, 3), lambda L, g: L.empty(4).bernoulli_(0.3),
    lambda L, g: L.empty(2).exponential_(),
]


@pytest.mark.parametrize("k", range(len(RANDOM)))
def test_random_factories_match_torch_in_kind(torch, k):
    fn = RANDOM[k]
    f = fn(ft, ft.Generator().manual_seed(3))
    t = fn(torch, torch.Generator().manual_seed(3))
    assert repr(f.dtype) == repr(t.dtype) and tuple(f.shape) == tuple(t.shape)
    assert f.requires_grad == t.requires_grad
    fv = f.numpy().astype(np.float64)
    if k in (2, 3, 4, 7, 9, 15):  # integers in their ranges
        assert fv.min() >= 0 and fv.max() < {2: 5, 3: 7, 4: 5, 7: 4, 9: 2, 15: 3}[k]
    if k == 4:
        assert sorted(f.tolist()) == list(range(5))
    if k == 0 or k == 5:
        assert 0 <= fv.min() and fv.max() < 1
    if k == 13:
        assert 2 <= fv.min() and fv.max() < 3


def test_seeding_makes_streams_reproducible(torch):
    ft.manual_seed(5)
    a = ft.rand(3)
    ft.manual_seed(5)
    b = ft.rand(3)
    assert a.tolist() == b.tolist()
    g1, g2 = ft.Generator().manual_seed(1), ft.Generator().manual_seed(1)
    assert ft.randn(4, generator=g1).tolist() == ft.randn(4, generator=g2).tolist()
    state = ft.get_rng_state()
    c = ft.randn(2)
    ft.set_rng_state(state)
    assert ft.randn(2).tolist() == c.tolist()
    assert isinstance(ft.seed(), int) and ft.initial_seed() >= 0
    assert repr(torch.manual_seed(0).initial_seed()) == repr(ft.manual_seed(0).initial_seed())


# ---- linear algebra and the rest of torch.X --------------------------------------------------------

def _spd(L, x):
    return x @ x.mT + L.eye(x.shape[-1], dtype=x.dtype)


MORE_CASES = [
    ("inv", lambda L, x: L.linalg.inv(_spd(L, x))), ("inverse", lambda L, x: _spd(L, x).inverse()),
    ("det", lambda L, x: L.linalg.det(x)), ("det_fn", lambda L, x: L.det(x)),
    ("slogdet", lambda L, x: L.linalg.slogdet(_spd(L, x))),
    ("solve", lambda L, x: L.linalg.solve(_spd(L, x), x[:, 0])),
    ("solve_matrix", lambda L, x: L.linalg.solve(_spd(L, x), x)),
    ("eigvalsh", lambda L, x: L.linalg.eigvalsh(_spd(L, x))),
    ("svdvals", lambda L, x: L.linalg.svdvals(x)),
    ("cholesky", lambda L, x: L.linalg.cholesky(_spd(L, x))),
    ("norm", lambda L, x: L.linalg.norm(x)), ("vector_norm", lambda L, x: L.linalg.vector_norm(x, 1)),
    ("matrix_norm", lambda L, x: L.linalg.matrix_norm(x)),
    ("pinv", lambda L, x: L.linalg.pinv(_spd(L, x))),
    ("multi_dot", lambda L, x: L.linalg.multi_dot([x, x.t(), x])),
    ("cross", lambda L, x: L.cross(x, x.flip(0), dim=1)),
    ("broadcast_to", lambda L, x: L.broadcast_to(x[0], (2, 3))),
    ("broadcast_tensors", lambda L, x: L.broadcast_tensors(x, x[:1])),
    ("take_along_dim", lambda L, x: L.take_along_dim(x, L.tensor([[2], [0], [1]]), 1)),
    ("trace", lambda L, x: L.trace(x)), ("diag_embed", lambda L, x: L.diag_embed(x)),
    ("dist", lambda L, x: L.dist(x, x.t())), ("type_as", lambda L, x: x.type_as(L.ones(1))),
    ("lgamma", lambda L, x: L.lgamma(x.abs() + 0.5)),
    ("searchsorted", lambda L, x: L.searchsorted(L.tensor([-1.0, 0.0, 1.0]), x)),
    ("bucketize", lambda L, x: L.bucketize(x, L.tensor([-1.0, 0.0, 1.0]), right=True)),
]


@pytest.mark.parametrize("name,fn", MORE_CASES, ids=[c[0] for c in MORE_CASES])
def test_more_operations_match_torch(torch, name, fn):
    x = values(np.random.default_rng(sum(map(ord, name))), (3, 3), "float64")
    check(torch, fn, [x], rtol=1e-7, atol=1e-9,
          check_grad_fn=name not in ("multi_dot", "pinv", "matrix_norm"))


def test_derivatives_at_kinks_match_torch(torch):
    """relu'(0) = 0, clamp' = 1 on its bounds, maximum splits ties: PyTorch's conventions."""
    def steps(L):
        x = L.tensor([0.0, -1.0, 1.0, 2.0, 0.5], requires_grad=True)
        y = L.tensor([0.0, 1.0, 1.0, -2.0, 0.5], requires_grad=True)
        loss = (x.relu() * 1 + L.relu(x) * 2 + x.clamp(min=0) * 4 + x.clamp(-1, 1) * 8
                + x.clamp(max=1) * 16 + L.maximum(x, y) * 32 + x.abs() * 64).sum()
        loss.backward()
        return x.grad, y.grad
    _check_storage(torch, steps)


# ---- softmax on its edge cases; funcgrad.nn's derivatives at the kinks ------------------------

SOFTMAX_EDGES = [("0-d", ()), ("empty rows", (0, 3)), ("empty axis", (3, 0))]
SOFTMAX_FNS = [
    ("torch.softmax", lambda L, x, d: L.softmax(x, d)),
    ("torch.log_softmax", lambda L, x, d: L.log_softmax(x, d)),
    ("F.softmax", lambda L, x, d: L.nn.functional.softmax(x, d)),
    ("F.log_softmax", lambda L, x, d: L.nn.functional.log_softmax(x, d)),
    ("F.softmin", lambda L, x, d: L.nn.functional.softmin(x, d)),
]


@pytest.mark.parametrize("fname,fn", SOFTMAX_FNS, ids=[f[0] for f in SOFTMAX_FNS])
@pytest.mark.parametrize("edge,shape", SOFTMAX_EDGES, ids=[e[0] for e in SOFTMAX_EDGES])
def test_softmax_edge_cases_match_torch(torch, fname, fn, edge, shape):
    """torch.softmax and torch.nn.functional.softmax agree with PyTorch (and so with each other)
    on a 0-d tensor, empty tensors and integer tensors."""
    x = values(np.random.default_rng(len(shape)), shape, "float32")
    for d in (0, -1):
        check(torch, lambda L, t: fn(L, t, d), [x])
    check_error(torch, lambda L, t: fn(L, t, -1), both(torch, np.arange(3)))


def test_implicit_softmax_dim_matches_torch(torch):
    """F.softmax without dim: PyTorch's deprecated choice of axis, on a 0-d and an empty
    tensor too."""
    for shape in [(), (0, 3), (2, 3)]:
        x = values(np.random.default_rng(1), shape, "float64")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            check(torch, lambda L, t: L.nn.functional.softmax(t), [x])
            check(torch, lambda L, t: L.nn.functional.log_softmax(t), [x])


def test_elu_derivative_at_zero_is_alphas_side():
    """funcgrad.nn.elu'(0) is alpha's side of the kink (alpha * exp(0)), as in JAX and PyTorch,
    not the mean of the two sides."""
    assert float(fg.grad(fg.nn.elu)(0.0)) == 1.0
    assert float(fg.grad(lambda v: fg.nn.elu(v, 0.5))(0.0)) == 0.5


def test_selu_derivative_at_zero_matches_torch(torch):
    x = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    torch.nn.functional.selu(x).backward()
    assert math.isclose(float(fg.grad(fg.nn.selu)(0.0)), x.grad.item(), rel_tol=1e-15)
