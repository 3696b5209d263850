"""Argument-form classes: einsum in every form numpy accepts, pad in every mode and argument form,
and linspace/logspace/geomspace differentiable in start and stop.

- values equal numpy's (hypothesis: shapes with sizes 0 and 1, float32/float64/complex);
- derivatives equal finite differences to second order, in the arrays and in
  constant_values/end_values/start/stop/base;
- vmap equals a loop and jit equals eager for each form;
- bad forms raise numpy's class naming the argument.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp

from _gradcheck import check_jvp, check_second_order, check_transpose, check_vjp

DTYPES = [np.float32, np.float64, np.complex64, np.complex128]


def _arr(rng, shape, dtype=np.float64):
    x = rng.normal(size=shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.normal(size=shape)
    return x.astype(dtype)


def _close(got, want, dtype=np.float64):
    tol = 1e-4 if np.dtype(dtype) in (np.float32, np.complex64) else 1e-10
    got = np.asarray(got)
    assert got.shape == np.shape(want)
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def _transforms_agree(f, args):
    batched = [np.stack([x, x * 1.5 + 0.25]) for x in args]
    out = fg.vmap(f)(*batched)
    loop = np.stack([np.asarray(f(*[fg.Array(b[i]) for b in batched])) for i in range(2)])
    np.testing.assert_allclose(np.asarray(out), loop, atol=1e-12)
    np.testing.assert_allclose(np.asarray(fg.jit(f)(*args)), np.asarray(f(*args)), atol=1e-12)


# ---- einsum ---------------------------------------------------------------------------------------

EINSUM = [  # (subscripts, shapes, sublists)
    ("ij,jk->ik", [(2, 3), (3, 4)], [[0, 1], [1, 2], [0, 2]]),
    ("ij,jk", [(2, 3), (3, 4)], [[0, 1], [1, 2]]),
    ("ii->i", [(3, 3)], [[0, 0], [0]]),
    ("ii", [(3, 3)], [[0, 0]]),
    ("ij->", [(2, 3)], [[0, 1], []]),
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (5, 3, 4)], [[Ellipsis, 0, 1], [Ellipsis, 1, 2],
                                                      [Ellipsis, 0, 2]]),
    ("...i,...i", [(2, 3), (3,)], [[Ellipsis, 8], [Ellipsis, 8]]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)], [[0, 1], [1, 2], [2, 3], [0, 3]]),
    ("bij,bjk,bkl", [(2, 2, 3), (2, 3, 1), (2, 1, 4)], [[1, 8, 9], [1, 9, 10], [1, 10, 11]]),
    ("i,j,k->ijk", [(2,), (0,), (3,)], [[0], [1], [2], [0, 1, 2]]),
    ("ba,ab->", [(1, 1), (1, 1)], [[1, 0], [0, 1], []]),
    ("iij->ji", [(2, 2, 3)], [[0, 0, 1], [1, 0]]),
]
OPTIMIZE = [False, True, "greedy", "optimal", "path"]


@settings(max_examples=3)  # (heavily parametrized: bounded per case)
@given(seed=st.integers(0, 2**16))
@pytest.mark.parametrize("spec, shapes, sublists", EINSUM)
@pytest.mark.parametrize("optimize", OPTIMIZE)
@pytest.mark.parametrize("dtype", DTYPES)
def test_einsum_matches_numpy_in_both_forms(seed, spec, shapes, sublists, optimize, dtype):
    rng = np.random.default_rng(seed)
    ops = [_arr(rng, s, dtype) for s in shapes]
    opt = np.einsum_path(spec, *ops, optimize="greedy")[0] if optimize == "path" else optimize
    want = np.einsum(spec, *ops, optimize=opt)
    _close(fnp.einsum(spec, *ops, optimize=opt), want, dtype)
    interleaved = [x for pair in zip(ops, sublists) for x in pair] + sublists[len(ops):]
    _close(fnp.einsum(*interleaved, optimize=opt), np.einsum(*interleaved, optimize=opt), dtype)


@pytest.mark.parametrize("spec, shapes, sublists", EINSUM)
@pytest.mark.parametrize("optimize", [False, "optimal"])
def test_einsum_derivatives_and_transforms(spec, shapes, sublists, optimize):
    rng = np.random.default_rng(1)
    ops = [rng.normal(size=s) for s in shapes]

    def f(*xs):
        return fnp.einsum(spec, *xs, optimize=optimize)

    def g(*xs):
        inter = [x for pair in zip(xs, sublists) for x in pair] + sublists[len(xs):]
        return fnp.einsum(*inter, optimize=optimize)
    for fn in (f, g):
        check_jvp(fn, ops, rng)
        check_vjp(fn, ops, rng)
        check_transpose(fn, ops, rng)
        check_second_order(fn, ops, rng)
        _transforms_agree(fn, ops)


def test_einsum_dtype_and_path():
    a = np.arange(6).reshape(2, 3)
    _close(fnp.einsum("ij->j", a, dtype=np.float32, casting="unsafe"),
           np.einsum("ij->j", a, dtype=np.float32, casting="unsafe"))
    path, report = fnp.einsum_path("ij,jk,kl->il", np.ones((2, 3)), np.ones((3, 4)),
                                   np.ones((4, 5)))
    assert path == np.einsum_path("ij,jk,kl->il", np.ones((2, 3)), np.ones((3, 4)),
                                  np.ones((4, 5)))[0]
    assert "Complete contraction" in report


@pytest.mark.parametrize("call, exc, words", [
    (lambda: fnp.einsum("ij,jk", np.ones((2, 3)), np.ones((4, 5))), ValueError, "sizes"),
    (lambda: fnp.einsum("ij", np.ones((2, 3)), np.ones(3)), ValueError, "operand"),
    (lambda: fnp.einsum("ij->k", np.ones((2, 3))), ValueError, "output subscript"),
    (lambda: fnp.einsum(np.ones(3), [60]), ValueError, "0..51"),
    (lambda: fnp.einsum(np.ones(3), ["a"]), TypeError, "sublist"),
    (lambda: fnp.einsum("i,i", np.ones(3), np.ones(3), optimize="fast"), ValueError, "optimize"),
    (lambda: fnp.einsum("i,i,i", np.ones(3), np.ones(3), np.ones(3), optimize=[(0, 1)]),
     TypeError, "einsum_path"),
    (lambda: fnp.einsum("i", np.ones(3), out=np.ones(3)), TypeError, "out="),
])
def test_einsum_bad_forms(call, exc, words):
    with pytest.raises(exc, match=words):
        call()


# ---- pad -------------------------------------------------------------------------------------------

def _pad_forms(nd):
    per_axis = [(i % 2, (i + 2) % 3) for i in range(nd)]
    return [0, 2, (1,), (1, 3), [(2, 0)], per_axis, 7]


PAD_MODES = [
    ("constant", {}), ("constant", {"constant_values": 1.5}),
    ("constant", {"constant_values": (1.0, -2.0)}),
    ("constant", {"constant_values": "per-axis"}),
    ("edge", {}), ("linear_ramp", {}), ("linear_ramp", {"end_values": (2.0, -1.0)}),
    ("linear_ramp", {"end_values": "per-axis"}),
    ("maximum", {}), ("maximum", {"stat_length": 2}), ("minimum", {"stat_length": (1, 2)}),
    ("mean", {}), ("mean", {"stat_length": "per-axis"}), ("median", {}),
    ("median", {"stat_length": 2}),
    ("reflect", {}), ("reflect", {"reflect_type": "odd"}), ("symmetric", {}),
    ("symmetric", {"reflect_type": "odd"}), ("wrap", {}),
]


def _kwargs(kw, nd):
    out = {}
    for k, v in kw.items():
        if v == "per-axis":
            v = [(1 + i, 2 + i) for i in range(nd)] if k == "stat_length" else [
                (0.5 * i, -0.5 * i - 1) for i in range(nd)]
        out[k] = v
    return out


@settings(max_examples=6)  # (heavily parametrized: bounded per case)
@given(shape=st.sampled_from([(3,), (1,), (2, 3), (3, 1, 2), (0,), (2, 0)]),
       seed=st.integers(0, 2**16))
@pytest.mark.parametrize("mode, kw", PAD_MODES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pad_matches_numpy_for_every_form(shape, seed, mode, kw, dtype):
    x = _arr(np.random.default_rng(seed), shape, dtype)
    kwargs = _kwargs(kw, len(shape))
    for pw in _pad_forms(len(shape)):
        try:
            want = np.pad(x, pw, mode, **kwargs)
        except ValueError:
            with pytest.raises(ValueError):
                fnp.pad(x, pw, mode, **kwargs)
            continue
        _close(fnp.pad(x, pw, mode, **kwargs), want, dtype)


def test_pad_empty_and_callable():
    x = np.arange(6.0).reshape(2, 3)
    assert fnp.pad(x, 1, "empty").shape == np.pad(x, 1, "empty").shape

    def zero_ends(vector, width, iaxis, kwargs):
        vector[:width[0]] = kwargs.get("v", 0)
        if width[1]:
            vector[-width[1]:] = kwargs.get("v", 0)
    _close(fnp.pad(x, 2, zero_ends, v=5.0), np.pad(x, 2, zero_ends, v=5.0))
    with pytest.raises(TypeError, match="concrete"):
        fg.jit(lambda a: fnp.pad(a, 1, zero_ends))(x)


@pytest.mark.parametrize("mode, kw", PAD_MODES)
def test_pad_derivatives_and_transforms(mode, kw):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 4)) + np.arange(12).reshape(3, 4) * 0.37   # distinct values
    kwargs = _kwargs(kw, 2)
    pw = [(2, 5), (1, 0)]

    def f(a):
        return fnp.pad(a, pw, mode, **kwargs)
    check_jvp(f, [x], rng)
    check_vjp(f, [x], rng)
    check_transpose(f, [x], rng)
    check_second_order(f, [x], rng)
    _transforms_agree(f, [x])


def test_pad_differentiates_in_the_fill_values():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 3))
    for mode, key in (("constant", "constant_values"), ("linear_ramp", "end_values")):
        def f(a, v):
            return fnp.pad(a, ((1, 2), (2, 1)), mode, **{key: v})
        for v in (np.array(0.7), np.array([0.5, -1.0]), rng.normal(size=(2, 2))):
            check_jvp(f, [x, v], rng)
            check_vjp(f, [x, v], rng)
            _close(f(x, v), np.pad(x, ((1, 2), (2, 1)), mode, **{key: v}))


@pytest.mark.parametrize("call, exc, words", [
    (lambda: fnp.pad(np.ones(3), -1), ValueError, "negative"),
    (lambda: fnp.pad(np.ones(3), 1, "nope"), ValueError, "mode"),
    (lambda: fnp.pad(np.ones(3), 1, "edge", constant_values=2), ValueError, "unsupported"),
    (lambda: fnp.pad(np.ones(3), 1, "reflect", reflect_type="x"), ValueError, "reflect_type"),
    (lambda: fnp.pad(np.ones((2, 2)), [(1, 2, 3)]), ValueError, "pad_width"),
    (lambda: fnp.pad(np.ones(0), 1, "edge"), ValueError, "empty axis"),
    (lambda: fnp.pad(np.ones(3), 1.5), TypeError, "pad_width"),
])
def test_pad_bad_forms(call, exc, words):
    with pytest.raises(exc, match=words):
        call()


# ---- linspace, logspace, geomspace ----------------------------------------------------------------

ENDS = [(0.0, 1.0), (1, 5), (np.array([1.0, 2.0]), 3.0),
        (np.array([[1.0], [2.0]]), np.array([4.0, 5.0, 6.0])), (-2.0, -8.0)]


@settings(max_examples=10)  # (heavily parametrized: bounded per case)
@given(num=st.integers(0, 6), endpoint=st.booleans(), axis=st.sampled_from([0, -1]))
@pytest.mark.parametrize("name", ["linspace", "logspace", "geomspace"])
@pytest.mark.parametrize("ends", range(len(ENDS)))
def test_spaced_values_match_numpy(num, endpoint, axis, name, ends):
    start, stop = ENDS[ends]
    if name == "geomspace" and np.any(np.asarray(start) == 0):
        with pytest.raises(ValueError, match="zero"):
            fnp.geomspace(start, stop, num=num)
        return
    want = getattr(np, name)(start, stop, num=num, endpoint=endpoint, axis=axis)
    got = getattr(fnp, name)(start, stop, num=num, endpoint=endpoint, axis=axis)
    assert np.asarray(got).dtype == want.dtype
    _close(got, want)


def test_linspace_retstep_dtype_and_bad_num():
    got, step = fnp.linspace(0.0, 10.0, 5, retstep=True)
    want, wstep = np.linspace(0.0, 10.0, 5, retstep=True)
    _close(got, want)
    _close(step, wstep)
    _close(fnp.linspace(0.0, 10.0, 5, dtype=int), np.linspace(0.0, 10.0, 5, dtype=int))
    with pytest.raises(ValueError, match="non-negative"):
        fnp.linspace(0, 1, -1)
    with pytest.raises(ValueError, match="zero"):
        fnp.geomspace(0.0, 1.0)


@pytest.mark.parametrize("name", ["linspace", "logspace", "geomspace"])
@pytest.mark.parametrize("endpoint", [True, False])
@pytest.mark.parametrize("axis", [0, -1])
def test_spaced_derivatives_in_start_and_stop(name, endpoint, axis):
    rng = np.random.default_rng(4)
    start, stop = np.array([0.5, 1.5]), np.array([[2.0], [3.0]])

    def f(a, b):
        return getattr(fnp, name)(a, b, num=5, endpoint=endpoint, axis=axis)
    check_jvp(f, [start, stop], rng)
    check_vjp(f, [start, stop], rng)
    check_transpose(f, [start, stop], rng)
    check_second_order(f, [start, stop], rng)
    _transforms_agree(f, [start, stop])


def test_logspace_base_derivative():
    rng = np.random.default_rng(5)
    check_jvp(lambda b: fnp.logspace(0.0, 2.0, 4, base=b), [np.array([2.0, 3.0])], rng)
    check_vjp(lambda b: fnp.logspace(0.0, 2.0, 4, base=b), [np.array([2.0, 3.0])], rng)
    _close(fnp.logspace(0.0, 2.0, 4, base=np.array([2.0, 3.0])),
           np.logspace(0.0, 2.0, 4, base=np.array([2.0, 3.0])))
