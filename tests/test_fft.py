"""funcgrad.numpy.fft and its primitive (funcgrad/lax/fft.py).

- values, shapes and dtypes equal numpy.fft's for every function, over hypothesis-drawn shapes,
  n/s (cropping and zero-padding), axes (repeated ones included), norms and dtypes; numpy's
  errors where numpy raises;
- jvp and vjp equal central finite differences in float64 (complex inputs through their real and
  imaginary parts) and transpose each other; second derivatives of |fft|^2 losses;
- vmap equals a Python loop; jit equals eager;
- gradients of real-valued losses of the complex outputs equal torch.fft's.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.lax import fft as lax_fft

from _gradcheck import check_jvp, check_second_order, check_transpose, check_vjp

F = fnp.fft
NORMS = [None, "backward", "ortho", "forward"]
ONE_AXIS = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]
TWO_AXES = ["fft2", "ifft2", "rfft2", "irfft2"]
N_AXES = ["fftn", "ifftn", "rfftn", "irfftn"]
REAL_INPUT = {"rfft", "ihfft", "rfft2", "rfftn"}
F32, F64, C64, C128 = (np.dtype(t) for t in (np.float32, np.float64, np.complex64, np.complex128))


@st.composite
def fft_case(draw, name, max_dims=3):
    """(shape, kwargs) for F.<name>."""
    nd_min = 2 if name in TWO_AXES else 1
    shape = draw(hnp.array_shapes(min_dims=nd_min, max_dims=max_dims, min_side=1, max_side=5))
    nd = len(shape)
    kw = {"norm": draw(st.sampled_from(NORMS))}
    if name in ONE_AXIS:
        kw["axis"] = draw(st.integers(-nd, nd - 1))
        kw["n"] = draw(st.none() | st.integers(1, 7))
    elif name in TWO_AXES:
        if draw(st.booleans()):
            kw["axes"] = tuple(draw(st.permutations(range(nd)))[:2])
        if draw(st.booleans()):
            kw["s"] = tuple(draw(st.integers(1, 6)) for _ in range(2))
    else:
        if draw(st.booleans()):
            k = draw(st.integers(1, nd))
            axes = list(draw(st.permutations(range(nd)))[:k])
            if draw(st.integers(0, 4)) == 0:
                axes.append(axes[0])  # a repeated axis: numpy transforms it twice
            kw["axes"] = tuple(axes)
            if draw(st.booleans()):
                kw["s"] = tuple(draw(st.integers(1, 6)) for _ in axes)
    return shape, kw


def _sample(rng, shape, dtype):
    x = rng.uniform(-2, 2, shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.uniform(-2, 2, shape)
    return x.astype(dtype)


# ---- values --------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ONE_AXIS + TWO_AXES + N_AXES)
@settings(max_examples=30)
@given(data=st.data())
def test_values_match_numpy(name, data):
    shape, kw = data.draw(fft_case(name))
    dtypes = [F32, F64] if name in REAL_INPUT else [F32, F64, C64, C128]
    dtype = data.draw(st.sampled_from(dtypes))
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1)))
    x = _sample(rng, shape, dtype)
    try:
        want = getattr(np.fft, name)(x, **kw)
    except (ValueError, IndexError, TypeError) as e:
        with pytest.raises(type(e)):
            getattr(F, name)(fg.Array(x), **kw)
        return
    got = getattr(F, name)(fg.Array(x), **kw)
    assert isinstance(got, fg.Array)
    assert got.shape == want.shape and got.dtype == want.dtype, (got.shape, got.dtype,
                                                                  want.shape, want.dtype)
    tol = 1e-4 if want.dtype in (F32, C64) else 1e-10
    scale = max(1.0, float(np.max(np.abs(want), initial=0)))
    np.testing.assert_allclose(np.asarray(got), want, rtol=tol, atol=tol * scale)


def test_integer_and_boolean_input_become_float64():
    for x in (np.arange(6), np.arange(6) % 2 == 0):
        for name in ("fft", "rfft", "ifft"):
            got, want = getattr(F, name)(fg.Array(x)), getattr(np.fft, name)(x)
            assert got.dtype == want.dtype
            np.testing.assert_allclose(np.asarray(got), want, atol=1e-12)


def test_frequencies_and_shifts_match_numpy():
    np.testing.assert_array_equal(np.asarray(F.fftfreq(7, 0.5)), np.fft.fftfreq(7, 0.5))
    np.testing.assert_array_equal(np.asarray(F.rfftfreq(8, 2.0)), np.fft.rfftfreq(8, 2.0))
    x = np.arange(30.0).reshape(5, 6)
    for axes in (None, 0, (1,), (0, 1)):
        np.testing.assert_array_equal(np.asarray(F.fftshift(fg.Array(x), axes)),
                                      np.fft.fftshift(x, axes))
        np.testing.assert_array_equal(np.asarray(F.ifftshift(fg.Array(x), axes)),
                                      np.fft.ifftshift(x, axes))
    # round trips
    y = fg.Array(np.random.default_rng(0).standard_normal((4, 6)))
    np.testing.assert_allclose(np.asarray(F.irfftn(F.rfftn(y), s=(4, 6), axes=(0, 1))),
                               np.asarray(y), atol=1e-12)
    np.testing.assert_allclose(np.asarray(F.ifft(F.fft(y))).real, np.asarray(y), atol=1e-12)


# ---- derivatives ---------------------------------------------------------------------------------

def real_view(name, kw, complex_input):
    """f of real arrays with real outputs: complex inputs as (re, im), complex outputs as
    (real, imag)."""
    fn = getattr(F, name)

    def parts(y):
        return (fnp.real(y), fnp.imag(y)) if y.dtype.kind == "c" else y
    if complex_input:
        return lambda re, im: parts(fn(re + 1j * im, **kw))
    return lambda x: parts(fn(x, **kw))


@pytest.mark.parametrize("name", ONE_AXIS + TWO_AXES + N_AXES)
@settings(max_examples=12)
@given(data=st.data())
def test_derivatives_match_finite_differences(name, data):
    shape, kw = data.draw(fft_case(name, max_dims=2))
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1)))
    complex_input = name not in REAL_INPUT and data.draw(st.booleans())
    args = [rng.uniform(-2, 2, shape) for _ in range(2 if complex_input else 1)]
    try:
        getattr(np.fft, name)(args[0], **kw)
    except (ValueError, IndexError):
        return  # sizes numpy refuses (tested with the values)
    f = real_view(name, kw, complex_input)
    check_jvp(f, args, rng)
    check_vjp(f, args, rng)
    check_transpose(f, args, rng)


@pytest.mark.parametrize("name,kw", [("fft", {}), ("rfft2", {"norm": "ortho"}),
                                     ("irfft", {"n": 7}), ("ifftn", {"norm": "forward"})])
def test_second_derivatives(name, kw):
    rng = np.random.default_rng(1)
    w = rng.standard_normal((3, 4))
    fn = getattr(F, name)

    def f(re, im):
        y = fn(re + 1j * im if name != "rfft2" else re * im, **kw)
        return fnp.sum(fnp.abs(y) ** 2 * fnp.arange(1.0, y.shape[-1] + 1)) + fnp.sum(
            fnp.real(y) ** 3) * 0.1
    check_second_order(f, [rng.standard_normal((3, 4)), w], rng)


def test_parseval_gradient():
    """sum |fft(x)|^2 = n sum |x|^2, so its gradient is 2 n x (real input) or 2 n conj(z) in
    JAX's convention (complex input)."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal(6)
    g = fg.grad(lambda x: fnp.sum(fnp.abs(F.fft(x)) ** 2))(fg.Array(x))
    np.testing.assert_allclose(np.asarray(g), 12 * x, rtol=1e-12)
    z = x + 1j * rng.standard_normal(6)
    g = fg.grad(lambda z: fnp.sum(fnp.abs(F.fft(z)) ** 2))(fg.Array(z))
    np.testing.assert_allclose(np.asarray(g), 12 * np.conj(z), rtol=1e-12)


def test_primitive_vjp_is_the_linear_transpose():
    """<ct, T x> == Re(sum(T^T(ct) * x)) for every kind and norm, on complex and real inputs, with
    the pairing JAX's convention uses (no conjugation)."""
    rng = np.random.default_rng(3)
    for kind in lax_fft.FFT_TYPES:
        for norm in ("backward", "ortho", "forward"):
            for lengths, axes in (((5,), (1,)), ((4, 6), (0, 1)), ((3, 5), (1, 0))):
                shape = [4, 5]
                for a, n in zip(axes, lax_fft.input_sizes(kind, lengths)):
                    shape[a] = n
                x = _sample(rng, shape, F64 if kind == "rfft" else C128)
                out, vjp_fn = fg.vjp(lambda x: lax_fft.fft(x, kind, axes, lengths, norm),
                                     fg.Array(x))
                ct = _sample(rng, out.shape, out.dtype)
                (xt,) = vjp_fn(fg.Array(ct))
                lhs = np.sum(ct * np.asarray(out)).real
                rhs = np.sum(np.asarray(xt) * x).real
                assert abs(lhs - rhs) < 1e-9 * (1 + abs(lhs)), (kind, norm, lengths, axes)


# ---- transforms: vmap, jit -----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["fft", "irfft", "rfft2", "ifftn", "irfftn", "hfft"])
@settings(max_examples=10)
@given(data=st.data())
def test_vmap_equals_a_loop(name, data):
    shape, kw = data.draw(fft_case(name, max_dims=2))
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1)))
    dtype = F64 if name in REAL_INPUT else data.draw(st.sampled_from([F64, C128]))
    size = data.draw(st.integers(1, 3))
    ax = data.draw(st.integers(-len(shape) - 1, len(shape)))
    x = np.stack([_sample(rng, shape, dtype) for _ in range(size)], axis=ax)
    f = getattr(F, name)
    try:
        want = np.stack([np.asarray(f(fg.Array(np.take(x, i, axis=ax)), **kw))
                         for i in range(size)])
    except (ValueError, IndexError):
        return
    got = fg.vmap(lambda x: f(x, **kw), in_axes=ax)(fg.Array(x))
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ONE_AXIS + TWO_AXES + N_AXES)
def test_jit_equals_eager(name):
    rng = np.random.default_rng(4)
    x = _sample(rng, (3, 4), F64 if name in REAL_INPUT else C128)
    kw = {"norm": "ortho"}
    f = getattr(F, name)
    np.testing.assert_allclose(np.asarray(fg.jit(lambda x: f(x, **kw))(fg.Array(x))),
                               np.asarray(f(fg.Array(x), **kw)), rtol=1e-13, atol=1e-13)
    xr = x.real

    def loss(x):
        y = f(x + 0.5j * x if name not in REAL_INPUT else x, **kw)
        return fnp.sum(fnp.abs(y) ** 2 * fnp.arange(y.shape[-1]))
    np.testing.assert_allclose(np.asarray(fg.jit(fg.grad(loss))(fg.Array(xr))),
                               np.asarray(fg.grad(loss)(fg.Array(xr))), rtol=1e-12, atol=1e-12)


# ---- the PyTorch oracle --------------------------------------------------------------------------

TORCH = [("fft", {}), ("fft", {"n": 7, "norm": "ortho"}), ("ifft", {"axis": 0}),
         ("rfft", {"n": 5}), ("rfft", {"norm": "forward"}), ("irfft", {}), ("irfft", {"n": 7}),
         ("hfft", {"n": 6}), ("ihfft", {}), ("fft2", {}), ("ifft2", {"s": (4, 6)}),
         ("rfft2", {"norm": "ortho"}), ("irfft2", {"s": (3, 5)}), ("fftn", {"axes": (1, 0)}),
         ("ifftn", {"norm": "forward"}), ("rfftn", {"s": (2, 6), "axes": (0, 1)}),
         ("irfftn", {"axes": (0, 1)})]


def _torch_kw(name, kw):
    out = dict(kw)
    if "axis" in out:
        out["dim"] = out.pop("axis")
    if "axes" in out:
        out["dim"] = out.pop("axes")
    return out


@pytest.mark.parametrize("name,kw", TORCH, ids=[f"{n}-{k}" for n, k in TORCH])
def test_gradients_match_torch(name, kw, torch):
    """Gradients of real-valued losses of the (complex) outputs: sum(|y|^2 w) and
    sum(real(y) w1 + imag(y) w2), with respect to real inputs (complex ones through their real
    and imaginary parts)."""
    rng = np.random.default_rng(5)
    complex_input = name not in REAL_INPUT
    args = [rng.standard_normal((3, 4)) for _ in range(2 if complex_input else 1)]
    fn, tfn = getattr(F, name), getattr(torch.fft, name)
    out = fn(args[0] + 1j * args[1] if complex_input else args[0], **kw)
    w0, w1, w2 = (rng.standard_normal(out.shape) for _ in range(3))

    def loss(*xs):
        y = fn(xs[0] + 1j * xs[1] if complex_input else xs[0], **kw)
        if y.dtype.kind != "c":
            return fnp.sum(y * w0) + fnp.sum(y ** 2 * w1)
        return fnp.sum(fnp.abs(y) ** 2 * w0) + fnp.sum(fnp.real(y) * w1 + fnp.imag(y) * w2)
    grads = fg.grad(loss, argnums=tuple(range(len(args))))(*[fg.Array(a) for a in args])

    targs = [torch.tensor(a, requires_grad=True) for a in args]
    ty = tfn(torch.complex(*targs) if complex_input else targs[0], **_torch_kw(name, kw))
    np.testing.assert_allclose(np.asarray(out), ty.detach().resolve_conj().numpy(), rtol=1e-10,
                               atol=1e-10)
    W = [torch.tensor(w) for w in (w0, w1, w2)]
    if ty.is_complex():
        t_loss = (ty.abs() ** 2 * W[0]).sum() + (ty.real * W[1] + ty.imag * W[2]).sum()
    else:
        t_loss = (ty * W[0]).sum() + (ty ** 2 * W[1]).sum()
    t_loss.backward()
    for g, t in zip(grads, targs):
        np.testing.assert_allclose(np.asarray(g), t.grad.numpy(), rtol=1e-9, atol=1e-9)


# ---- errors --------------------------------------------------------------------------------------

def test_errors_match_numpy():
    x = fg.Array(np.ones((3, 4)))
    with pytest.raises(ValueError, match="Invalid norm value"):
        F.fft(x, norm="bad")
    with pytest.raises(ValueError, match=r"Invalid number of FFT data points \(0\)"):
        F.fft(x, n=0)
    with pytest.raises(ValueError, match=r"Invalid number of FFT data points \(0\)"):
        F.irfft(fg.Array(np.ones(1)))
    with pytest.raises(TypeError, match="real input"):
        F.rfft(fg.Array(np.ones(3) + 1j))
    with pytest.raises(np.exceptions.AxisError):
        F.fft(x, axis=2)
    with pytest.raises(ValueError, match="Shape and axes have different lengths"):
        F.fftn(x, s=(2, 3), axes=(0,))
    with pytest.raises(TypeError, match="immutable"):
        F.fft(x, out=np.empty((3, 4), complex))
    with pytest.warns(DeprecationWarning, match="`axes` should not be `None`"):
        F.fftn(x, s=(3, 4))
    # the primitive's own shape rule (abstract evaluation, under jit)
    with pytest.raises(fg.ShapeError, match="need"):
        fg.jit(lambda x: lax_fft.fft(x, "fft", (1,), (5,)))(x)
    with pytest.raises(TypeError, match="real array"):
        fg.jit(lambda x: lax_fft.fft(x, "rfft", (1,), (4,)))(fg.Array(np.ones((3, 4)) + 0j))
