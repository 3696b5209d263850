"""Eager and jit agree on bad input, for every primitive.

Each case calls one primitive (through `prim.bind`, or through the public function for the
primitives whose parameters are functions or jaxprs) with arguments its shape rule
(`abstract_eval`) rejects. Under `fg.jit` the rule runs while tracing, so jit raises funcgrad's
teaching error; evaluated eagerly the same call must raise the same error (class and message,
less the `  at file:line` line naming the call site) - not numpy's, not a silent result, and not
a crash. A primitive whose rule accepts every input of its avals is listed in NOTHING_TO_REJECT
with the reason, and a test checks that the two tables cover every registered primitive, so a
new primitive has to be added to one of them.

A bad eager call could read out of bounds in C code and kill the interpreter, so every eager
case runs once in a subprocess first (test_eager_cases_do_not_crash); a case is run in-process
only if that subprocess survived it, and `crash_prone` cases only ever run eagerly there.
"""
from __future__ import annotations

import contextlib
import io
import json
import math
import os
import re
import subprocess
import sys
import warnings
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import lax
from funcgrad._core.avals import ShapedArray
from funcgrad._core.primitive import PRIMITIVES
from funcgrad.interpreters.subjaxpr import trace_closed
from funcgrad.scipy.integrate import odeint


# ---- arguments ------------------------------------------------------------------------------

def f32(*shape):
    return np.arange(1, math.prod(shape) + 1, dtype=np.float32).reshape(shape)


def i32(*shape):
    return np.arange(1, math.prod(shape) + 1, dtype=np.int32).reshape(shape)


def c64(*shape):
    return f32(*shape).astype(np.complex64) * (1 + 1j)


def bools(*shape):
    return (np.arange(math.prod(shape)) % 2 == 0).reshape(shape)


def int_matrix():
    return np.array([[2, 1], [1, 2]], dtype=np.int64)  # symmetric positive definite


def spd32():
    return np.array([[2, 1], [1, 2]], dtype=np.float32)


# ---- the table ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    prim: str  # the primitive's name in PRIMITIVES
    what: str  # what is wrong, for the test id
    args: tuple  # numpy arrays, handed over as funcgrad Arrays
    params: dict | None = None  # bind the primitive directly with these static parameters...
    via: Callable[..., Any] | None = None  # ...or call this public function of the arrays
    crash_prone: bool = False  # run eagerly only in a subprocess, never in pytest's interpreter

    @property
    def id(self):
        return f"{self.prim}-{self.what}"

    def fn(self, *arrays):
        if self.via is not None:
            return self.via(*arrays)
        return PRIMITIVES[self.prim].bind(*arrays, **self.params)


def B(prim, what, args, crash_prone=False, **params):
    """A case binding `prim` directly: `prim.bind(*args, **params)`."""
    return Case(prim, what, args, params=params, crash_prone=crash_prone)


def V(prim, what, via, args):
    """A case reaching `prim` through a public function (the primitives whose parameters are
    functions or jaxprs, built by that function)."""
    return Case(prim, what, args, via=via)


BINARY = ("add", "sub", "mul", "div", "floor_divide", "rem", "pow", "max", "min", "atan2",
          "logaddexp", "logaddexp2", "eq", "ne", "lt", "le", "gt", "ge")
BITWISE = ("and", "or", "xor", "shift_left", "shift_right")
REDUCE = ("reduce_sum", "reduce_prod", "reduce_max", "reduce_min")
SCATTER = ("scatter", "scatter_add", "scatter_mul", "scatter_min", "scatter_max")
SQUARE_ONLY = ("cholesky", "inv", "det", "slogdet")

_LINALG_PARAMS = {"cholesky": {}, "inv": {}, "det": {}, "slogdet": {}, "eigh": {"lower": True},
                  "svd": {"full_matrices": False, "compute_uv": True},
                  "qr": {"full_matrices": False}}
_CONV_1D = dict(window_strides=(1,), padding=((0, 0),), lhs_dilation=(1,), rhs_dilation=(1,),
                feature_group_count=1)


def _custom_jvp_add():
    @fg.custom_jvp
    def f(x, y):
        return x + y

    @f.defjvp
    def f_jvp(primals, tangents):
        return f(*primals), tangents[0] + tangents[1]
    return f


def _custom_vjp_add():
    @fg.custom_vjp
    def f(x, y):
        return x + y
    f.defvjp(lambda x, y: (x + y, None), lambda res, g: (g, g))
    return f


_P2 = dict(axis_name="p", axis_size=2, vmapped=False)  # a collective's parameters

CASES: list[Case] = [
    # elementwise
    *[B(n, "broadcast", (f32(2), f32(3))) for n in BINARY],
    *[B(n, "broadcast", (i32(2), i32(3))) for n in BITWISE],
    *[B(n, "float", (f32(2), f32(2))) for n in BITWISE],
    *[B(n, "complex", (c64(2), c64(2))) for n in ("floor_divide", "rem", "atan2", "logaddexp",
                                                  "logaddexp2")],
    B("cbrt", "complex", (c64(2),)),
    B("neg", "bool", (bools(2),)),
    B("sign", "bool", (bools(2),)),
    B("not", "float", (f32(2),)),
    *[B(n, "complex", (c64(2),)) for n in ("floor", "ceil", "signbit")],
    # special functions (funcgrad/lax/special.py): real kernels, a complex operand is rejected
    *[B(n, "complex", (c64(2),)) for n in ("digamma", "trigamma", "erfcx", "bessel_i0e",
                                           "bessel_i1e", "spence", "expi")],
    *[B(n, "broadcast", (f32(2), f32(3))) for n in ("igamma", "igammac", "igamma_grad_a",
                                                     "expn")],
    B("betainc", "broadcast", (f32(2), f32(2), f32(3))),
    V("odeint", "t-not-1d", lambda y, t: odeint(lambda y, t: -y, y, t), (f32(2), f32(2, 2))),
    B("select", "float-predicate", (f32(2), f32(2), f32(2))),
    B("select", "broadcast", (bools(2), f32(3), f32(2))),
    # structural
    B("reshape", "size", (f32(2, 3),), new_sizes=(4,)),
    B("reshape", "minus-one", (f32(2, 3),), new_sizes=(-1,)),
    B("transpose", "negative-axis", (f32(2, 3),), permutation=(-1, 0)),
    B("transpose", "repeated-axis", (f32(2, 3),), permutation=(0, 0)),
    B("broadcast_in_dim", "size", (f32(3),), shape=(2,), broadcast_dimensions=(0,)),
    B("broadcast_in_dim", "rank", (f32(2, 3),), shape=(2, 3), broadcast_dimensions=(0,)),
    B("squeeze", "negative-axis", (f32(2, 1),), dimensions=(-1,)),
    B("squeeze", "not-one", (f32(2, 1),), dimensions=(0,)),
    B("expand_dims", "negative-axis", (f32(2),), dimensions=(-1,)),
    B("expand_dims", "out-of-bounds", (f32(2),), dimensions=(5,)),
    B("concatenate", "negative-axis", (f32(2), f32(3)), dimension=-1),
    B("concatenate", "other-axes", (f32(2, 3), f32(2, 4)), dimension=0),
    B("concatenate", "scalars", (np.float32(1), np.float32(2)), dimension=0),
    B("pad", "crop-too-much", (f32(3), np.float32(0)), padding_config=((-5, 0, 0),)),
    B("pad", "config-length", (f32(3), np.float32(0)), padding_config=((1, 1, 0), (1, 1, 0))),
    B("pad", "vector-value", (f32(3), f32(2)), padding_config=((1, 1, 0),)),
    B("rev", "negative-axis", (f32(3),), dimensions=(-1,)),
    B("slice", "limit-out-of-bounds", (f32(2),), start_indices=(1,), limit_indices=(5,),
      strides=(1,)),
    B("slice", "negative-start", (f32(3),), start_indices=(-2,), limit_indices=(2,),
      strides=(1,)),
    B("slice", "zero-stride", (f32(3),), start_indices=(0,), limit_indices=(2,), strides=(0,)),
    B("dynamic_slice", "size-too-large", (f32(3), np.int32(0)), slice_sizes=(5,)),
    B("dynamic_slice", "float-start", (f32(3), np.float32(1)), slice_sizes=(2,)),
    B("dynamic_slice", "starts-count", (f32(3), np.int32(0), np.int32(0)), slice_sizes=(2,)),
    B("dynamic_update_slice", "update-rank", (f32(2, 2), f32(2), np.int32(0), np.int32(0))),
    B("dynamic_update_slice", "update-too-large", (f32(2), f32(3), np.int32(0))),
    # indexing
    B("gather", "float-index", (f32(3), f32(2)), indexer=(("a",),)),
    B("gather", "index-broadcast", (f32(3, 3), i32(2) - 1, i32(3) - 1),
      indexer=(("a",), ("a",))),
    B("gather", "too-many-indices", (f32(3),), indexer=(("i", 0), ("i", 0))),
    *[B(n, "updates-shape", (f32(3), f32(1)), indexer=(("s", 0, 2, None),)) for n in SCATTER],
    *[B(n, "float-index", (f32(3), f32(2), f32(2)), indexer=(("a",),)) for n in SCATTER],
    # reductions, cumulative sums, sorting
    *[B(n, "negative-axis", (f32(2, 3),), axes=(-1,)) for n in REDUCE],
    *[B(n, "out-of-bounds-axis", (f32(2, 3),), axes=(2,)) for n in REDUCE],
    *[B(n, "empty", (f32(0),), axes=(0,)) for n in ("reduce_max", "reduce_min")],
    B("cumsum", "negative-axis", (f32(2, 3),), axis=-1, reverse=False),
    B("cumsum", "out-of-bounds-axis", (f32(2, 3),), axis=2, reverse=False),
    B("argsort", "negative-axis", (f32(2, 3),), axis=-1, descending=False),
    *[B(n, "negative-axis", (f32(2, 3),), axis=-1, index_dtype=np.dtype(np.int64))
      for n in ("argmax", "argmin")],
    *[B(n, "empty", (f32(0),), axis=0, index_dtype=np.dtype(np.int64))
      for n in ("argmax", "argmin")],
    # contractions
    B("dot_general", "contracting-size", (f32(2, 3), f32(4, 2)),
      dimension_numbers=(((1,), (0,)), ((), ()))),
    B("dot_general", "negative-axis", (f32(2, 2), f32(2, 2)),
      dimension_numbers=(((-1,), (0,)), ((), ()))),
    B("dot_general", "batch-size", (f32(2, 3, 4), f32(3, 4, 5)),
      dimension_numbers=(((2,), (1,)), ((0,), (0,)))),
    # A channel mismatch makes the impl's strided view reach past the input: a few channels
    # too many read garbage, a million read unmapped memory (a segfault).
    B("conv_general_dilated", "channels", (f32(1, 3, 5), f32(2, 4, 3)), crash_prone=True,
      **_CONV_1D),
    B("conv_general_dilated", "channels-far", (f32(1, 1, 4), np.ones((1, 1 << 20, 1), np.float32)),
      crash_prone=True, **_CONV_1D),
    B("conv_general_dilated", "rank", (f32(1, 3, 5), f32(2, 3)), **_CONV_1D),
    # linear algebra
    *[B(n, "integer", (int_matrix(),), **_LINALG_PARAMS[n]) for n in _LINALG_PARAMS],
    *[B(n, "not-square", (f32(2, 3),), **_LINALG_PARAMS[n]) for n in SQUARE_ONLY + ("eigh",)],
    *[B(n, "vector", (f32(3),), **_LINALG_PARAMS[n]) for n in ("svd", "qr")],
    B("solve", "vector-rhs", (spd32(), f32(2))),
    B("solve", "integer", (int_matrix(), int_matrix())),
    B("solve", "rows", (spd32(), f32(3, 1))),
    B("triangular_solve", "vector-rhs", (spd32(), f32(2)), lower=True, transpose_a=False),
    B("triangular_solve", "integer", (int_matrix(), int_matrix()), lower=True,
      transpose_a=False),
    B("fft", "integer", (i32(4),), fft_type="fft", axes=(0,), lengths=(4,), norm="backward"),
    B("fft", "lengths", (f32(4),), fft_type="fft", axes=(0,), lengths=(6,), norm="backward"),
    B("fft", "fft-type", (f32(4),), fft_type="dct", axes=(0,), lengths=(4,), norm="backward"),
    B("fft", "norm", (f32(4),), fft_type="fft", axes=(0,), lengths=(4,), norm="bogus"),
    B("fft", "negative-axis", (f32(4),), fft_type="fft", axes=(-1,), lengths=(4,),
      norm="backward"),
    B("fft", "rfft-complex", (c64(4),), fft_type="rfft", axes=(0,), lengths=(4,),
      norm="backward"),
    # special functions merged this stop (funcgrad/lax/special*.py): real kernels, broadcasting
    *[B(n, "complex", (c64(2),)) for n in ("cosine_integral", "sine_integral", "dawsn",
                                           "erf_inv", "fresnel_c", "fresnel_s", "wofz_re",
                                           "wofz_im")],
    *[B(n, "broadcast", (f32(2), f32(3))) for n in ("nextafter", "owens_t")],
    *[B(n, "broadcast", (f32(2), f32(2), f32(3))) for n in ("fma", "hyp1f1", "hyp1f1_da",
                                                             "hyp1f1_db", "hyp1f1_daa",
                                                             "hyp1f1_dab", "hyp1f1_dbb")],
    *[B(n, "broadcast", (f32(2), f32(2), f32(2), f32(3)))
      for n in ("hyp2f1", "hyp2f1_da", "hyp2f1_db", "hyp2f1_dc", "hyp2f1_daa", "hyp2f1_dab",
                "hyp2f1_dac", "hyp2f1_dbb", "hyp2f1_dbc", "hyp2f1_dcc")],
    B("random_gamma_grad", "broadcast", (f32(2), f32(3))),
    # linear algebra merged this stop (funcgrad/lax/linalg_general.py, linalg_ops.py)
    *[B(n, "not-square", (f32(2, 3),)) for n in ("eig", "expm")],
    B("lu", "vector", (f32(3),)),
    B("qr_pivots", "vector", (f32(3),)),
    B("lu_solve", "float-permutation", (f32(2, 2), f32(2), f32(2)), transpose=False),
    B("lu_pivots_to_permutation", "float-pivots", (f32(3),), size=3),
    *[B(n, "not-square", (f32(2, 3),)) for n in ("sqrtm", "logm")],
    B("schur", "not-square", (f32(2, 3),), complex_output=False),
    B("parlett", "fdiag-shape", (f32(2, 2), f32(3))),
    # the threefry samplers: keys are uint32 (..., 2)
    B("random_split", "float-key", (f32(2),), shape=(3,)),
    B("random_fold_in", "float-data", (np.zeros(2, np.uint32), f32()), ),
    B("random_unit", "float-key", (f32(2),), shape=(3,), dtype=np.dtype("f4"), lo=0.0, hi=1.0),
    B("random_normal", "float-key", (f32(2),), shape=(3,), dtype=np.dtype("f4")),
    B("random_gamma", "float-key", (f32(2), f32()), log_space=False),
    *[B(n, "float-key", (f32(2), f32()), dtype=np.dtype("i4"))
      for n in ("random_poisson",)],
    B("random_binomial", "float-key", (f32(2), f32(), f32()), dtype=np.dtype("i4")),
    B("random_bits", "float-key", (f32(2),), shape=(3,)),
    B("random_bits", "key-shape", (np.zeros(3, np.uint32),), shape=(3,)),
    # Primitives whose parameters are functions or jaxprs, through their public functions: the
    # checks those make while building the parameters are these primitives' type rules.
    # A concrete predicate runs one branch, as Python's `if` does (DESIGN.md, principle 4), so
    # branches that disagree are the cond primitive's type error, met when it is bound.
    B("cond", "branches-disagree", (np.array(1, np.int32), f32(2)),
      branches=tuple(trace_closed(lambda x, br=br: [br(x)], [ShapedArray((2,), np.float32)])[0]
                     for br in (lambda x: x, lambda x: x[:1]))),
    # a jit equation's operands are of the types its jaxpr was traced for
    B("jit", "operand-type", (f32(3),), name="f",
      jaxpr=trace_closed(lambda x: [x * 2], [ShapedArray((2,), np.float32)])[0]),
    B("jit", "operand-count", (f32(2), f32(2)), name="f",
      jaxpr=trace_closed(lambda x: [x * 2], [ShapedArray((2,), np.float32)])[0]),
    V("cond", "vector-predicate", lambda p, x: lax.cond(p, lambda x: x, lambda x: -x, x),
      (bools(2), f32(2))),
    V("scan", "carry-type", lambda c, xs: lax.scan(lambda c, x: (c.astype(fnp.int32), x), c, xs),
      (f32(2), f32(3, 2))),
    V("scan", "carry-shape",
      lambda c, xs: lax.scan(lambda c, x: (fnp.concatenate([c, c])[:3], x), c, xs),
      (f32(2), f32(3, 2))),
    V("while", "carry-type",
      lambda v: lax.while_loop(lambda v: v[0] < 3, lambda v: v.astype(fnp.float32) + 1, v),
      (i32(2),)),
    V("while", "vector-condition", lambda v: lax.while_loop(lambda v: v < 3, lambda v: v + 1, v),
      (f32(2),)),
    V("custom_jvp_call", "body-broadcast", lambda x, y: _custom_jvp_add()(x, y),
      (f32(2), f32(3))),
    V("custom_vjp_call", "body-broadcast", lambda x, y: _custom_vjp_add()(x, y),
      (f32(2), f32(3))),
    V("checkpoint", "body-broadcast", lambda x, y: fg.checkpoint(lambda x, y: x + y)(x, y),
      (f32(2), f32(3))),
    # collectives (over a process axis "p" of 2 members: the shape rule runs before the impl
    # would look the axis up)
    B("all_gather", "axis-out-of-range", (f32(2),), axis=2, **_P2),
    B("psum_scatter", "size-not-the-axis-size", (f32(3),), scatter_dimension=0, **_P2),
    B("psum_scatter", "scatter-dimension-out-of-range", (f32(2),), scatter_dimension=1, **_P2),
    B("all_to_all", "split-size-not-the-axis-size", (f32(3, 2),), split_axis=0, concat_axis=0,
      **_P2),
    B("all_to_all", "concat-axis-out-of-range", (f32(2, 2),), split_axis=0, concat_axis=2,
      **_P2),
    B("ppermute", "duplicate-destination", (f32(2),), perm=((0, 1), (1, 1)), **_P2),
    B("ppermute", "out-of-range", (f32(2),), perm=((0, 2),), **_P2),
]

NOTHING_TO_REJECT = {
    **{n: "a unary ufunc that numpy defines on every dtype of an array (bool, integer, float, "
          "complex): its rule accepts any one operand"
       for n in ("abs", "acos", "acosh", "asin", "asinh", "atan", "atanh", "conj", "cos", "cosh",
                 "exp", "expm1", "is_finite", "log", "log1p", "logistic", "round", "rsqrt",
                 "sin", "sinh", "sqrt", "tan", "tanh")},
    **{n: "a special function (funcgrad.scipy.special) typed as numpy's sin: its rule accepts "
          "any one operand" for n in ("erf", "erfc", "lgamma")},
    "real": "any array has a real part (its own values for a real dtype)",
    "imag": "any array has an imaginary part (zeros for a real dtype)",
    "integer_pow": "numpy's power is defined on every dtype for any integer exponent (a "
                   "negative power of an integer array is a run-time error: RUN_TIME_CASES)",
    "convert_element_type": "any array converts to any dtype",
    "stop_gradient": "the identity on values",
    "device_put": "the identity on avals; the device is checked by fg.device_put, before binding",
    "check": "any predicate (a run-time assertion: a failing one is in RUN_TIME_CASES)",
    "debug_print": "any values; the format is applied at run time (RUN_TIME_CASES)",
    "debug_callback": "any values; the callback runs at run time, with whatever it is given",
    **{n: "a reduction over an axis's members takes operands of any shapes and dtypes (an "
          "unbound axis name is a run-time error: RUN_TIME_CASES)" for n in ("psum", "pmax",
                                                                              "pmin")},
    "axis_index": "no operand but the axis's token",
}

# Errors the shape rule cannot see (they depend on values, or the rule leaves them to numpy):
# eager and jit must still agree on them.
RUN_TIME_CASES: list[Case] = [
    B("gather", "static-index-out-of-bounds", (f32(3),), indexer=(("i", 5),)),
    B("integer_pow", "negative-power-of-integers", (i32(2),), y=-1),
    B("check", "fails", (np.array(True),), message="the check failed"),
    V("debug_print", "format-index", lambda x: fg.debug.print("{1}", x), (f32(2),)),
    B("cholesky", "not-positive-definite", (-spd32(),)),
    B("solve", "singular", (np.zeros((2, 2), np.float32), f32(2, 1))),
    B("psum", "unbound-axis-name", (f32(2),), axis_name="no-such-axis", axis_size=2,
      vmapped=False),
]

ALL_CASES = CASES + RUN_TIME_CASES


# ---- running a case ---------------------------------------------------------------------------

_SITE = re.compile(r"^  at .*$", re.MULTILINE)


def _message(e):
    """The error's message less the `  at file:line: source` line naming the call site, which
    is where eager and jit legitimately differ."""
    return _SITE.sub("  at <call site>", str(e))


def _class_name(cls):
    return f"{cls.__module__}.{cls.__qualname__}"


def _outcome(call):
    """(class name, message) of the error `call()` raises, or ('<no error>', what it returned)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # as pytest runs: a warning is an error too
            out = call()
    except Exception as e:  # noqa: BLE001 - comparing whatever each mode raises is the point
        return _class_name(type(e)), _message(e)
    return "<no error>", _describe(out)


def _describe(out):
    leaves = fg.tree.tree_leaves(out)
    return ", ".join(f"{np.asarray(x).dtype}{list(np.shape(x))}" for x in leaves) or "nothing"


def _arrays(case):
    return [fnp.asarray(a) for a in case.args]


def eager_outcome(case):
    return _outcome(lambda: case.fn(*_arrays(case)))


def jit_outcome(case):
    return _outcome(lambda: fg.jit(case.fn)(*_arrays(case)))


def abstract_outcome(case):
    """What the primitive's shape rule says of the case's avals (a directly bound case)."""
    avals = [ShapedArray(np.shape(a), np.asarray(a).dtype) for a in case.args]
    return _outcome(lambda: PRIMITIVES[case.prim].abstract_eval(*avals, **case.params))


def _subprocess_main(start):
    """Run the eager cases from index `start` on, one JSON line each, flushed before the next
    case starts: when a case kills the interpreter, the lines before it say which one it was."""
    report = sys.stdout
    print(json.dumps(["ready"]), file=report, flush=True)
    for i, case in enumerate(ALL_CASES[start:], start):
        with contextlib.redirect_stdout(io.StringIO()):  # a case's own printing is not a report
            outcome = eager_outcome(case)
        print(json.dumps([i, *outcome]), file=report, flush=True)


# ---- tests ------------------------------------------------------------------------------------

def test_every_primitive_has_cases_or_a_reason():
    with_cases = {c.prim for c in CASES}
    assert not with_cases & NOTHING_TO_REJECT.keys(), (
        "listed as having nothing to reject, yet with cases: "
        f"{sorted(with_cases & NOTHING_TO_REJECT.keys())}")
    missing = PRIMITIVES.keys() - with_cases - NOTHING_TO_REJECT.keys()
    assert not missing, (f"primitives with no bad-input case: {sorted(missing)}; add a case to "
                         "CASES in tests/test_eager_jit_errors.py, or say in NOTHING_TO_REJECT "
                         "why the shape rule accepts every input")
    unknown = (with_cases | NOTHING_TO_REJECT.keys() | {c.prim for c in RUN_TIME_CASES}) \
        - PRIMITIVES.keys()
    assert not unknown, f"not primitives (renamed or removed?): {sorted(unknown)}"
    assert len({c.id for c in ALL_CASES}) == len(ALL_CASES), "two cases share an id"


@pytest.mark.parametrize("case", [c for c in CASES if c.via is None], ids=lambda c: c.id)
def test_the_shape_rule_rejects_the_case(case):
    """Each directly bound case is bad input by the primitive's own shape rule, and that rule's
    error is the one jit reports."""
    rule = abstract_outcome(case)
    assert rule[0] != "<no error>", f"the shape rule of {case.prim} accepts {case.id}"
    assert jit_outcome(case) == rule


# Static parameters for probing the rules of NOTHING_TO_REJECT's primitives that take some.
_PROBE_PARAMS = {"integer_pow": {"y": 2}, "convert_element_type": {"new_dtype": np.dtype("f4")},
                 "device_put": {"device": None}, "check": {"message": "m"},
                 "debug_print": {"fmt": "{}", "treedef": None},
                 "debug_callback": {"callback": print, "treedef": None},
                 **{n: _P2 for n in ("psum", "pmax", "pmin", "axis_index")}}
_PROBE_PARAMS["round"] = {"rounding_method": 0}  # lax.round's method (JAX's RoundingMethod)
_DTYPES = ("bool", "int8", "int32", "uint8", "int64", "float16", "float32", "float64",
           "complex64", "complex128")


@pytest.mark.parametrize("name", sorted(NOTHING_TO_REJECT))
def test_nothing_to_reject_is_true(name):
    """The rules of NOTHING_TO_REJECT's primitives accept one operand of any dtype and rank: a
    rule that starts rejecting something needs a case in CASES instead."""
    for dtype in _DTYPES:
        for shape in ((), (3,), (2, 0, 3)):
            PRIMITIVES[name].abstract_eval(ShapedArray(shape, dtype),
                                           **_PROBE_PARAMS.get(name, {}))


@pytest.mark.parametrize("case", [c for c in RUN_TIME_CASES if c.via is None],
                         ids=lambda c: c.id)
def test_the_shape_rule_accepts_the_run_time_case(case):
    rule = abstract_outcome(case)
    assert rule[0] == "<no error>", f"{case.id} belongs in CASES: {rule}"


@pytest.fixture(scope="module")
def eager_in_subprocess():
    """{case index: (class name, message)} of every eager case, run in child interpreters; a
    case that kills its interpreter maps to ('<crash>', its exit status), and the next child
    goes on after it."""
    outcomes, start = {}, 0
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [root, here] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    while start < len(ALL_CASES):
        proc = subprocess.run(
            [sys.executable, "-c", "import sys, test_eager_jit_errors as t; "
             "t._subprocess_main(int(sys.argv[1]))", str(start)],
            capture_output=True, text=True, env=env, cwd=root, timeout=300)
        lines = [json.loads(line) for line in proc.stdout.splitlines()]
        if not lines or lines[0] != ["ready"]:
            pytest.fail(f"the eager subprocess did not start:\n{proc.stderr[-3000:]}")
        for i, cls, msg in lines[1:]:
            outcomes[i] = (cls, msg)
        if proc.returncode == 0:
            break
        crashed = max(outcomes, default=start - 1) + 1  # the case after the last one reported
        outcomes[crashed] = ("<crash>", f"exit status {proc.returncode}: "
                                        f"{proc.stderr.strip()[-500:]}")
        start = crashed + 1
    return outcomes


def test_eager_cases_do_not_crash(eager_in_subprocess):
    crashed = {ALL_CASES[i].id: msg for i, (cls, msg) in eager_in_subprocess.items()
               if cls == "<crash>"}
    assert not crashed, f"eager calls that killed the interpreter: {crashed}"


def _check_agree(case, eager):
    jit = jit_outcome(case)
    assert jit[0] != "<no error>", (
        f"under jit, {case.id} returned {jit[1]} instead of raising: the case is not bad input "
        "(fix the case, or the shape rule)")
    assert eager[0] not in ("<no error>", "<crash>"), (
        f"eagerly, {case.id} {'returned ' + eager[1] if eager[0] == '<no error>' else 'crashed'} "
        f"where jit raises {jit[0]}: {jit[1]}")
    assert eager == jit, (f"{case.id}: eager raises {eager[0]}: {eager[1]}\n"
                          f"but jit raises {jit[0]}: {jit[1]}")


@pytest.mark.parametrize("index", range(len(ALL_CASES)), ids=[c.id for c in ALL_CASES])
def test_eager_and_jit_raise_the_same_error(index, eager_in_subprocess):
    case = ALL_CASES[index]
    child = eager_in_subprocess[index]
    # A case that crashed the subprocess, or may, is not run again in this interpreter.
    eager = child if case.crash_prone or child[0] == "<crash>" else eager_outcome(case)
    _check_agree(case, eager)
