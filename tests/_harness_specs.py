"""The spec table of the every-function harness (tests/test_harness.py): which family each public
function belongs to, the functions' own specs where no family rule fits, and the explicit lists of
what the harness does not check (functions, keywords, known differences), each with its reason.

`spec_for(qualname, func)` resolves a function's spec: its own entry in SPECS, else its family
(FAMILIES), else the signature rule (every required argument an array in (0.05, 0.95): valid for
most special functions and distributions, so a new funcgrad.scipy function is checked the day it
lands; where it is not valid, the harness fails and names the function, so it gets a spec)."""
from __future__ import annotations

import fnmatch
import inspect

import numpy as np

from _harness_inputs import (AT_LEAST_2D, ELEMENTWISE, INTS, MATRICES, NONEMPTY,
                             NONEMPTY_VECTORS, REAL, SQUARE, VECTORS, WITH_COMPLEX, Ctx, Spec,
                             arg, int_axis, lit)

NP, LA, FFT, LAX, NN, RND = ("funcgrad.numpy.", "funcgrad.numpy.linalg.", "funcgrad.numpy.fft.",
                             "funcgrad.lax.", "funcgrad.nn.", "funcgrad.random.")
SP = "funcgrad.scipy."


def _names(prefix, text):
    return [prefix + n for n in text.split()]


# ---- families: (qualnames, spec) ------------------------------------------------------------
WEIGHTS = {"weights": "numpy takes weights= only with method='inverted_cdf', which JAX does not "
                      "have: no oracle for it"}
FFT2_AXES = {"axes": ((-2, -1), (-1, -2))}
FFTN_AXES = {"axes": lambda c: (None, (-1,)), "s": lambda c: (None, c.shape[-1:])}
SIGNALS = ((16,), (2, 16), (0,), (1,))
SPECTRAL_KW = {"fs": (1.0, 4.0), "window": ("hann", "hamming", "boxcar"), "nperseg": (None, 8),
               "noverlap": (None, 2), "nfft": (None, 16), "detrend": ("constant", "linear", False),
               "return_onesided": (True, False), "scaling": ("density", "spectrum"),
               "average": ("mean", "median")}
SPECTRAL_SKIP = {"axis": "the signal's axis: every axis form is tests/test_scipy_signal2.py's "
                         "(its frequencies move to that axis)"}
HYP_WHY = "JAX has no parameter derivatives of 1F1/2F1: finite differences are the oracle"
LOGSUMEXP = Spec(kw={"b": (None, 0.5), "return_sign": (False, True)})
UNARY = Spec()
# lax's matrix products: the result dtype by default, or float64 asked for (JAX accumulates in it).
DOT_OUT_TYPE = {"preferred_element_type": (None, np.float64)}
BINARY = Spec(args=(arg("x"), arg("y")))
FAMILIES: list[tuple[list[str], Spec]] = [
    (_names(NP, "abs absolute negative positive square exp sin cos sinh cosh tanh conj conjugate "
                "real imag isfinite isinf isnan"), UNARY.replace(dtypes=WITH_COMPLEX)),
    (_names(NP, "sign exp2 expm1 arcsinh arctan cbrt ceil floor rint trunc fix deg2rad degrees "
                "rad2deg radians sinc signbit iscomplex isreal fabs logical_not msort "
                "nan_to_num around round"), UNARY),
    (_names(NP, "angle"), UNARY.replace(dtypes=WITH_COMPLEX)),
    (_names(NP, "tan"), Spec(args=(arg("x", "small"),))),
    (_names(NP, "log log10 log2 sqrt log1p"), Spec(args=(arg("x", "pos"),), dtypes=WITH_COMPLEX)),
    (_names(NP, "reciprocal"), Spec(args=(arg("x", "nonzero"),))),
    (_names(NP, "arcsin arccos arctanh"), Spec(args=(arg("x", "sym"),))),
    (_names(NP, "arccosh"), Spec(args=(arg("x", "ge1"),))),
    (_names(NP, "add subtract multiply maximum minimum fmax fmin hypot arctan2 copysign logaddexp "
                "logaddexp2 heaviside equal not_equal greater greater_equal less less_equal "
                "logical_and logical_or logical_xor isclose allclose array_equal array_equiv"),
     BINARY),
    (_names(NP, "divide true_divide mod remainder fmod floor_divide divmod"),
     Spec(args=(arg("x"), arg("y", "nonzero")))),
    (_names(NP, "power float_power"), Spec(args=(arg("x", "pos"), arg("y")))),
    (_names(NP, "bitwise_and bitwise_or bitwise_xor left_shift right_shift"),
     BINARY.replace(dtypes=INTS)),
    (_names(NP, "bitwise_not invert"), UNARY.replace(dtypes=INTS)),
    (_names(NP, "sum prod mean max min amax amin ptp all any nansum nanprod nanmean nanmax nanmin "
                "median nanmedian count_nonzero average std var nanstd nanvar"),
     UNARY.replace(dtypes=WITH_COMPLEX)),
    (_names(NP, "argmax argmin nanargmax nanargmin"), UNARY),
    (_names(NP, "cumsum cumprod"), UNARY),
    (_names(NP, "percentile nanpercentile"), Spec(args=(arg("x"), lit(30.0)), skip_kw=WEIGHTS)),
    (_names(NP, "quantile nanquantile"), Spec(args=(arg("x"), lit(0.3)), skip_kw=WEIGHTS)),
    (_names(NP, "ravel atleast_1d atleast_2d atleast_3d ndim shape size iscomplexobj "
                "isrealobj real_if_close modf flatnonzero argwhere nonzero sort argsort"),
     UNARY.replace(dtypes=WITH_COMPLEX)),
    (_names(NP, "zeros_like ones_like empty_like asarray array"), UNARY),
    (_names(NP, "fliplr flipud tril triu"), UNARY.replace(shapes=AT_LEAST_2D)),
    (_names(NP, "diagonal trace"), UNARY.replace(shapes=AT_LEAST_2D)),
    (_names(NP, "hstack vstack dstack row_stack column_stack"),
     Spec(args=(lambda c: [c.arr(), c.arr()],), shapes=NONEMPTY)),
    (_names(NP, "inner outer kron dot vdot"), Spec(args=(arg("x"), arg("x")),
                                                   shapes=((3,), (1,), (0,)))),
    # numpy.linalg
    (_names(LA, "det inv slogdet cond"), Spec(args=(arg("wc"),), shapes=SQUARE)),
    (_names(LA, "cholesky eigh eigvalsh"), Spec(args=(arg("spd"),), shapes=SQUARE)),
    (_names(LA, "svd svdvals qr pinv matrix_rank matrix_transpose"),
     Spec(args=(arg("x"),), shapes=MATRICES)),
    (_names(LA, "matrix_norm"), Spec(args=(arg("x"),), shapes=MATRICES,
                                     kw={"ord": ("fro", "nuc", 1, -1, 2, np.inf)})),
    # numpy.fft
    (_names(FFT, "fft ifft ihfft"), Spec(shapes=NONEMPTY, dtypes=WITH_COMPLEX)),
    (_names(FFT, "fftn ifftn"), Spec(shapes=NONEMPTY, dtypes=WITH_COMPLEX, kw=FFTN_AXES)),
    (_names(FFT, "rfft"), Spec(shapes=NONEMPTY)),
    (_names(FFT, "rfftn"), Spec(shapes=NONEMPTY, kw=FFTN_AXES)),
    (_names(FFT, "irfft hfft"), Spec(shapes=((3,), (2, 3), (4,)), dtypes=(np.complex128,))),
    (_names(FFT, "irfftn"), Spec(shapes=((3,), (2, 3), (4,)), dtypes=(np.complex128,),
                                 kw=FFTN_AXES)),
    (_names(FFT, "fft2 ifft2"), Spec(shapes=((2, 3), (1, 4), (2, 2, 3)), dtypes=WITH_COMPLEX,
                                     kw=FFT2_AXES)),
    (_names(FFT, "rfft2"), Spec(shapes=((2, 3), (1, 4), (2, 2, 3)), kw=FFT2_AXES)),
    (_names(FFT, "irfft2"), Spec(shapes=((2, 3), (3, 4)), dtypes=(np.complex128,),
                                 kw=FFT2_AXES)),
    (_names(FFT, "fftshift ifftshift"), Spec(kw={"axes": lambda c: (None,) + int_axis(c)[:1]})),
    (_names(FFT, "fftfreq rfftfreq"), Spec(args=(lit(5),), kw={"d": (1.0, 0.5)}, shapes=((),),
                                           diff=False)),
    # funcgrad.lax: elementwise (same shapes and dtypes, as lax requires)
    (_names(LAX, "abs asinh atan cbrt ceil cos cosh exp expm1 floor is_finite logistic neg round "
                 "sign sin sinh tanh"), UNARY),
    (_names(LAX, "conj real imag"), UNARY.replace(dtypes=(np.complex128, np.complex64))),
    (_names(LAX, "tan"), Spec(args=(arg("x", "small"),))),
    (_names(LAX, "log log1p sqrt rsqrt"), Spec(args=(arg("x", "pos"),))),
    (_names(LAX, "acos asin atanh"), Spec(args=(arg("x", "sym"),))),
    (_names(LAX, "acosh"), Spec(args=(arg("x", "ge1"),))),
    (_names(LAX, "add sub mul atan2 eq ne lt le gt ge"),
     Spec(args=(arg("x"), arg("x")))),
    (_names(LAX, "div rem"), Spec(args=(arg("x"), arg("x", "nonzero")))),
    (_names(LAX, "pow"), Spec(args=(arg("x", "pos"), arg("x")))),
    (_names(LAX, "bitwise_and bitwise_or bitwise_xor shift_left"),
     Spec(args=(arg("x"), arg("x")), dtypes=INTS)),
    (_names(LAX, "bitwise_not"), UNARY.replace(dtypes=INTS)),
    (_names(LAX, "population_count clz"), UNARY.replace(dtypes=INTS)),
    (_names(LAX, "reduce_sum reduce_prod reduce_max reduce_min"),
     Spec(args=(arg("x"), lambda c: tuple(range(c.ndim))[:1]), shapes=NONEMPTY)),
    # funcgrad.nn
    (_names(NN, "relu relu6 leaky_relu elu selu gelu sigmoid silu swish softplus log_sigmoid "
                "softmax log_softmax standardize hard_tanh"), UNARY),
    # funcgrad.random: samplers of a shape and dtype
    (_names(RND, "uniform normal gumbel exponential bits cauchy laplace logistic maxwell"),
     Spec(args=(arg("key"), lambda c: c.shape), shapes=((), (0,), (3,), (2, 3)),
          dtypes=(np.float64,))),
    (_names(RND, "rademacher"), Spec(args=(arg("key"), lambda c: c.shape),
                                     shapes=((), (0,), (3,), (2, 3)), dtypes=(np.float64,),
                                     kw={"dtype": (None, np.int32, np.float32)})),
    # funcgrad.random: samplers of parameter arrays (first-order derivatives: reparameterized)
    # (dtype= the parameters' dtype: JAX refuses float32 samples of float64 parameters)
    (_names(RND, "chisquare loggamma pareto rayleigh t wald lognormal"),
     Spec(args=(arg("key"), arg("x", "pos")), shapes=((), (3,)), order=1,
          kw={"shape": lambda c: (None, (2,) + c.shape), "dtype": lambda c: (None, c.dtype)})),
    (_names(RND, "poisson"), Spec(args=(arg("key"), arg("x", "pos")), shapes=((), (3,)),
                                  kw={"shape": lambda c: (None, (2,) + c.shape),
                                      "dtype": (None, np.int32, np.int64)})),
    (_names(RND, "geometric"), Spec(args=(arg("key"), arg("x", "unit")), shapes=((), (3,)),
                                    kw={"shape": lambda c: (None, (2,) + c.shape)})),
    (_names(RND, "binomial"), Spec(args=(arg("key"), lit(5.0), arg("x", "unit")),
                                   shapes=((), (3,)),
                                   kw={"shape": lambda c: (None, (2,) + c.shape)})),
    (_names(RND, "f"), Spec(args=(arg("key"), arg("x", "pos"), arg("x", "pos")),
                            shapes=((), (3,)), order=1,
                            kw={"shape": lambda c: (None, (2,) + c.shape), "dtype": lambda c: (None, c.dtype)})),
    (_names(RND, "double_sided_maxwell weibull_min"),
     Spec(args=(arg("key"), arg("x", "pos"), arg("x", "pos")), shapes=((),), order=1,
          kw={"shape": ((), (2,))})),
    (_names(RND, "triangular"), Spec(args=(arg("key"), lambda c: -c.arr("pos"),
                                           lambda c: c.arr("sym") * 0.1,
                                           lambda c: c.arr("pos") + 1.0),
                                     shapes=((), (3,)), order=1,
                                     kw={"shape": lambda c: (None, (2,) + c.shape), "dtype": lambda c: (None, c.dtype)})),
    # funcgrad.scipy.special (more land with the scipy helpers' branches; the signature rule
    # covers a function until it has a family here)
    (_names(SP + "special.", "erf erfc gammaln digamma ndtr log_ndtr expit i0 i0e i1 i1e "
                             "erfcx spence entr"), Spec(args=(arg("x", "pos"),))),
    (_names(SP + "special.", "erfinv"), Spec(args=(arg("x", "sym"),))),
    (_names(SP + "special.", "ndtri logit"), Spec(args=(arg("x", "unit"),))),
    (_names(SP + "special.", "xlogy xlog1py rel_entr kl_div betaln gammainc gammaincc zeta"),
     Spec(args=(arg("x", "pos"), arg("y", "pos")))),
    (_names(SP + "special.", "softmax log_softmax"), UNARY),
    (_names(SP + "special.", "polygamma"), Spec(args=(lit(1), arg("x", "pos")))),
    (_names(SP + "special.", "multigammaln"), Spec(args=(arg("x", "big"), lit(2)))),
    (_names(SP + "special.", "betainc"), Spec(args=(arg("x", "pos"), arg("x", "pos"),
                                                    arg("x", "unit")))),
    # values against scipy, derivatives (second order in every argument) against finite
    # differences: JAX's reverse mode refuses 1F1/2F1 in their parameters (a while loop), and
    # its forward mode of 2F1 takes longer than the harness's call limit to compile
    (_names(SP + "special.", "hyp1f1"), Spec(args=(arg("x", "pos"), arg("x", "pos"), arg("x")),
                                             jax=None, why=HYP_WHY)),
    (_names(SP + "special.", "hyp2f1"), Spec(args=(arg("x", "pos"), arg("x", "pos"),
                                                   arg("x", "big"), arg("x", "sym")),
                                             jax=None, why=HYP_WHY)),
    # funcgrad.scipy.linalg (ahead of the branch that adds it)
    (_names(SP + "linalg.", "det inv expm hessenberg lu lu_factor"),
     Spec(args=(arg("wc"),), shapes=SQUARE)),
    (_names(SP + "linalg.", "cholesky cho_factor"), Spec(args=(arg("spd"),), shapes=SQUARE)),
    (_names(SP + "linalg.", "eigh"), Spec(
        args=(arg("spd"),), shapes=SQUARE,
        kw={"type": (1,), "subset_by_index": (None,), "driver": (None,)},
        skip_kw={n: "scipy 1.14 removed it; JAX keeps the name, taking only its default"
                 for n in ("turbo", "eigvals")})),
    (_names(SP + "linalg.", "qr svd pinv"), Spec(args=(arg("x"),), shapes=MATRICES)),
    (_names(SP + "linalg.", "solve solve_triangular"),
     Spec(args=(arg("wc"), lambda c: c.arr(shape=c.shape[:-1] + (2,))), shapes=SQUARE)),
    (_names(SP + "linalg.", "block_diag"), Spec(args=(arg("x"), arg("x")), shapes=MATRICES)),
    # funcgrad.scipy.stats: the discrete distributions at integer points
    (_names(SP + "stats.", "poisson.logpmf poisson.pmf poisson.cdf geom.logpmf geom.pmf "
                           "bernoulli.logpmf bernoulli.pmf"),
     Spec(args=(lambda c: c.rng.integers(0, 4, c.shape).astype(c.dtype), arg("x", "unit")))),
    (_names(SP + "stats.", "betabinom.logpmf betabinom.pmf"),  # (integer k: no derivative in k)
     Spec(args=(lambda c: c.rng.integers(0, 4, c.shape), lit(5.0),
                arg("x", "pos"), arg("x", "pos")))),
    # truncnorm inside its valid range: a < x < b
    (_names(SP + "stats.", "truncnorm.pdf truncnorm.logpdf truncnorm.cdf truncnorm.logcdf "
                           "truncnorm.sf truncnorm.logsf"),
     Spec(args=(arg("x", "sym"), lambda c: -1.0 - c.arr("pos"), lambda c: 1.0 + c.arr("pos")))),
    # signal's spectral estimates: signals of 16 samples along the last axis (and the edges:
    # none, one), each keyword with values valid for them
    (_names(SP + "signal.", "welch"), Spec(shapes=SIGNALS, kw=SPECTRAL_KW, skip_kw=SPECTRAL_SKIP)),
    (_names(SP + "signal.", "csd"), Spec(args=(arg("x"), arg("y")), shapes=SIGNALS,
                                         kw=SPECTRAL_KW, skip_kw=SPECTRAL_SKIP)),
    (_names(SP + "signal.", "stft"), Spec(
        shapes=SIGNALS, kw={**{k: v for k, v in SPECTRAL_KW.items() if k != "average"},
                            "padded": (True, False), "scaling": ("spectrum", "psd")},
        skip_kw=SPECTRAL_SKIP)),
    (_names(SP + "signal.", "detrend"), Spec(
        shapes=SIGNALS[:2], kw={"type": ("linear", "constant"), "bp": (0, 5)},
        skip_kw={"overwrite_data": "scipy's in-place switch: funcgrad arrays are immutable "
                                   "(only None is accepted; tests/test_scipy_signal2.py)"})),
    # the descriptive statistics with each nan_policy JAX takes (the inputs hold no NaN, so
    # 'omit' must agree with 'propagate'; the NaN cases are tests/test_scipy_stats2.py's)
    (_names(SP + "stats.", "sem"), Spec(kw={"nan_policy": ("propagate", "omit")})),
    (_names(SP + "stats.", "mode rankdata descriptive.mode descriptive.rankdata"),
     Spec(args=(arg("x", "unit"),), kw={"nan_policy": ("propagate",)})),
    (_names(SP + "stats.", "binom.logpmf binom.pmf nbinom.logpmf nbinom.pmf"),
     Spec(args=(lambda c: c.rng.integers(0, 4, c.shape).astype(c.dtype), lit(5.0),
                arg("x", "unit")))),
]


def _square_ops(n):
    return lambda c: [c.arr(shape=(n, n)) for _ in range(3)]


def _jnp(name):
    """jax.numpy's `name`, as a stand-in for a funcgrad.lax function jax.lax does not have."""
    def call(*args, **kwargs):
        import jax.numpy as jnp  # reason: JAX is an optional oracle
        return getattr(jnp, name)(*args, **kwargs)
    return call


def _np_argsort(x, axis, descending=False):
    """lax.argsort's meaning in numpy: a stable sort, ties in their order either way."""
    return np.argsort(-x if descending else x, axis=axis, kind="stable")


def _jax_key_bits(bits):
    import jax  # reason: JAX is an optional oracle
    return jax.random.key_data(jax.random.wrap_key_data(bits))


def _decay(y, t):
    """odeint's right-hand side, written in operators both funcgrad and numpy arrays take."""
    return -0.5 * y


def _decay_solution(func, y0, t, **kwargs):
    """odeint(_decay, y0, t)'s exact value, y0 exp(-t/2), one row per time."""
    return y0[None, :] * np.exp(-0.5 * t)[:, None]


def _jax_odeint(func, y0, t, *args, **kwargs):
    """JAX's odeint (jax.experimental.ode): the model of funcgrad's, reverse-mode only."""
    from jax.experimental.ode import odeint  # reason: JAX is an optional oracle
    return odeint(func, y0, t, *args, **kwargs)


def _scipy_complex(name):
    """scipy.linalg's `name` as a complex result: scipy returns a real matrix where the result
    is real; JAX (funcgrad's model) always a complex one. The values are compared."""
    def call(a, **kwargs):
        import scipy.linalg  # reason: scipy is an optional oracle
        return np.asarray(getattr(scipy.linalg, name)(a, **kwargs)).astype(
            np.result_type(a.dtype, np.complex64))
    return call


def _real_schur(c):
    """scipy's real Schur form (t, z) of a matrix fixed by the call's shape (both builders of
    rsf2csf's arguments see the same one), in the call's dtype."""
    import scipy.linalg  # reason: scipy is an optional oracle
    n = c.shape[-1]
    a = np.random.default_rng(n).standard_normal((n, n))
    return tuple(m.astype(c.dtype) for m in scipy.linalg.schur(a))


KEY_DTYPE = {"dtype": "the typed key's dtype: the oracle here (PRNGKey, raw key bits) has none"}


def _tensor_a(c):
    """A (2, 3, 6) tensor whose (6, 6) matrix is well conditioned: tensorsolve's/tensorinv's a."""
    return c.well_conditioned((6, 6)).reshape(2, 3, 6)


# ---- functions with a spec of their own -------------------------------------------------------
SPECS: dict[str, Spec] = {
    NP + "append": Spec(args=(arg("x"), arg("x")), kw={"axis": lambda c: (None,) + int_axis(c)},
                        shapes=NONEMPTY),
    NP + "broadcast_arrays": BINARY,
    NP + "broadcast_to": Spec(args=(arg("x"), lambda c: (2,) + c.shape)),
    NP + "concatenate": Spec(args=(lambda c: [c.arr(), c.arr()],), shapes=NONEMPTY,
                             kw={"axis": lambda c: int_axis(c) + (None,)}),
    NP + "stack": Spec(args=(lambda c: [c.arr(), c.arr()],),
                       kw={"axis": lambda c: tuple(range(-c.ndim - 1, c.ndim + 1))}),
    NP + "split": Spec(args=(arg("x"), lit(1)), shapes=NONEMPTY, kw={"axis": int_axis}),
    NP + "array_split": Spec(args=(arg("x"), lit(2)), shapes=NONEMPTY, kw={"axis": int_axis}),
    NP + "hsplit": Spec(args=(arg("x"), lit(1)), shapes=NONEMPTY),
    NP + "vsplit": Spec(args=(arg("x"), lit(1)), shapes=AT_LEAST_2D),
    NP + "dsplit": Spec(args=(arg("x"), lit(1)), shapes=((2, 1, 3), (1, 2, 2))),
    NP + "diag": Spec(shapes=((3,), (1,), (3, 3), (2, 3), (0,))),
    NP + "make_diagonal": Spec(shapes=((3,), (1,), (2, 3)), numpy=None,
                               why="numpy has no make_diagonal"),
    NP + "expand_dims": Spec(args=(arg("x"), lambda c: 0)),
    NP + "squeeze": Spec(shapes=((1,), (1, 3), (2, 1, 3), ()), kw={"axis": (None,)}),
    NP + "moveaxis": Spec(args=(arg("x"), lit(0), lit(-1)), shapes=NONEMPTY),
    NP + "swapaxes": Spec(args=(arg("x"), lit(0), lit(-1)), shapes=NONEMPTY),
    NP + "rollaxis": Spec(args=(arg("x"), lit(-1)), shapes=NONEMPTY, kw={"start": (0, 1)}),
    NP + "reshape": Spec(args=(arg("x"), lambda c: (-1,))),
    NP + "transpose": Spec(kw={"axes": lambda c: (None, tuple(reversed(range(c.ndim))))}),
    NP + "rot90": Spec(shapes=AT_LEAST_2D, kw={"k": (1, 2, -1), "axes": ((0, 1), (1, 0))}),
    NP + "roll": Spec(args=(arg("x"), lit(1)), kw={"axis": lambda c: (None,) + int_axis(c)}),
    NP + "tile": Spec(args=(arg("x"), lit((2, 1)))),
    NP + "repeat": Spec(args=(arg("x"), lit(2)), kw={"axis": lambda c: (None,) + int_axis(c)}),
    NP + "pad": Spec(args=(arg("x"), lit(1)), shapes=NONEMPTY,
                     kw={"mode": ("constant", "edge", "reflect", "symmetric", "wrap", "maximum",
                                  "minimum", "mean", "linear_ramp", "median", "empty"),
                         "constant_values": (0, 1.5)}),
    NP + "take": Spec(args=(arg("x"), lit(np.array([0, 0]))), shapes=NONEMPTY,
                      kw={"axis": lambda c: (None, 0), "mode": (None, "clip", "wrap")}),
    NP + "take_along_axis": Spec(args=(arg("x"), lambda c: np.zeros(c.shape, np.int64), lit(-1)),
                                 shapes=NONEMPTY),
    NP + "searchsorted": Spec(args=(lambda c: np.sort(c.arr(shape=(5,))), arg("x")),
                              kw={"sorter": (None,)}),
    NP + "where": Spec(args=(arg("bool"), arg("x"), arg("y"))),
    NP + "select": Spec(args=(lambda c: [c.arr(dtype=bool), c.arr(dtype=bool)],
                              lambda c: [c.arr(), c.arr()]), kw={"default": (0, 1.5)}),
    NP + "clip": Spec(args=(arg("x"), lit(-0.5)), kw={"a_max": (None, 0.5)}),
    NP + "diff": Spec(shapes=NONEMPTY, kw={"n": (1, 2), "axis": int_axis,
                                           "prepend": (None, 0.5), "append": (None, 1.0)}),
    NP + "gradient": Spec(shapes=((3,), (4, 3)), kw={"axis": (None, 0), "edge_order": (1, 2)}),
    NP + "interp": Spec(args=(arg("x"), lit(np.array([-1.0, 0.0, 1.5])),
                              lit(np.array([2.0, -1.0, 0.5]))),
                        kw={"left": (None, -3.0), "right": (None, 3.0), "period": (None, 2.0)}),
    NP + "convolve": Spec(args=(arg("x"), lambda c: c.arr(shape=(2,))), shapes=NONEMPTY_VECTORS),
    NP + "correlate": Spec(args=(arg("x"), lambda c: c.arr(shape=(2,))), shapes=NONEMPTY_VECTORS),
    NP + "cross": Spec(args=(arg("x"), arg("x")), shapes=((3,), (2, 3), (4, 3))),
    NP + "cov": Spec(shapes=((2, 4), (3, 5)), kw={"y": (None,), "ddof": (None, 0, 1),
                                                  "fweights": (None,), "aweights": (None,)}),
    NP + "corrcoef": Spec(shapes=((2, 4), (3, 5)), kw={"y": (None,)}),
    NP + "einsum": Spec(args=(lit("ij,jk->ik"), lambda c: c.arr(shape=(2, 3)),
                              lambda c: c.arr(shape=(3, 2))), shapes=((),),
                        # numpy's casting='safe' refuses dtype=float32 of float64 operands
                        kw={"dtype": (None, np.float64), "casting": ("safe", "same_kind"),
                            "optimize": (False, True, "greedy", "optimal")}),
    NP + "geomspace": Spec(args=(lit(0.5), lit(4.0)), shapes=((),), kw={"num": (0, 1, 5)}),
    NP + "polyadd": Spec(args=(arg("x"), arg("x")), shapes=NONEMPTY_VECTORS),
    NP + "polymul": Spec(args=(arg("x"), arg("x")), shapes=NONEMPTY_VECTORS),
    NP + "polyval": Spec(args=(lambda c: c.arr(shape=(3,)), arg("x"))),
    NP + "trapezoid": Spec(shapes=NONEMPTY, kw={"x": (None,), "dx": (1.0, 0.5),
                                               "axis": int_axis}),
    NP + "unique": Spec(args=(lambda c: np.round(c.arr(), 0),), jit=False,
                        kw={"return_index": (False, True), "return_inverse": (False, True),
                            "return_counts": (False, True), "axis": (None,)},
                        why="the result's size is data-dependent (JAX refuses it under jit too)"),
    NP + "partition": Spec(args=(arg("x"), lit(0)), shapes=NONEMPTY, compare="shapes",
                           why="only the kth element's place is specified"),
    NP + "meshgrid": Spec(args=(arg("x"), arg("x")), shapes=VECTORS),
    NP + "indices": Spec(args=(lit((2, 3)),), shapes=((),), kw={"dtype": (int,)}),
    NP + "arange": Spec(args=(lit(0.5), lit(4.0), lit(0.75)), shapes=((),), diff=False),
    NP + "linspace": Spec(args=(lit(0.5), lit(4.0)), shapes=((),), kw={"num": (0, 1, 5)}),
    NP + "logspace": Spec(args=(lit(0.5), lit(2.0)), shapes=((),),
                          kw={"num": (0, 1, 5), "base": (10.0, 2.0), "axis": (0,)}),
    NP + "eye": Spec(args=(lit(3),), shapes=((),), kw={"M": (None, 2), "k": (0, 1)}),
    NP + "identity": Spec(args=(lit(3),), shapes=((),)),
    NP + "tri": Spec(args=(lit(3),), shapes=((),), kw={"M": (None, 2), "k": (0, 1)}),
    NP + "zeros": Spec(args=(lambda c: c.shape,)),
    NP + "ones": Spec(args=(lambda c: c.shape,)),
    NP + "empty": Spec(args=(lambda c: c.shape,), compare="shapes", why="values unspecified"),
    NP + "empty_like": Spec(compare="shapes", why="values unspecified",
                            kw={"shape": (None, (2,))}),
    NP + "zeros_like": Spec(kw={"shape": (None, (2,))}),
    NP + "ones_like": Spec(kw={"shape": (None, (2,))}),
    NP + "full": Spec(args=(lambda c: c.shape, lit(1.5))),
    NP + "full_like": Spec(args=(arg("x"), lit(1.5)), kw={"shape": (None, (2,))}),
    NP + "astype": Spec(args=(arg("x"), lit(np.float32))),
    NP + "array": Spec(kw={"ndmin": (0, 2)}),
    NP + "tensordot": Spec(args=(arg("x"), arg("x")), shapes=((2, 3), (1, 2)),
                           kw={"axes": (2, 1, 0)}),
    NP + "matmul": Spec(args=(arg("x"), lambda c: c.arr(shape=c.shape[::-1])),
                        shapes=((2, 3), (1, 1), (3, 1), (3,))),
    NP + "finfo": Spec(args=(lit(np.float32),), shapes=((),), diff=False),
    NP + "iinfo": Spec(args=(lit(np.int16),), shapes=((),), diff=False),
    NP + "can_cast": Spec(args=(lit(np.float32), lit(np.float64)), shapes=((),),
                          kw={"casting": ("safe", "same_kind", "unsafe")}),
    NP + "promote_types": Spec(args=(lit(np.float32), lit(np.int16)), shapes=((),)),
    NP + "result_type": Spec(args=(arg("x"), lit(np.int16))),
    NP + "issubdtype": Spec(args=(lit(np.float32), lit(np.floating)), shapes=((),)),
    # numpy.linalg
    LA + "solve": Spec(args=(arg("wc"), lambda c: c.arr(shape=c.shape[:-1] + (2,))),
                       shapes=SQUARE),
    LA + "lstsq": Spec(args=(arg("wc"), lambda c: c.arr(shape=(c.shape[0],))),
                       shapes=((3, 3), (1, 1)), kw={"rcond": (None, 1e-10)}),
    LA + "matrix_power": Spec(args=(arg("x"), lit(3)), shapes=SQUARE),
    LA + "matmul": Spec(args=(arg("x"), arg("x")), shapes=SQUARE),
    LA + "multi_dot": Spec(args=(_square_ops(3),), shapes=((),)),
    LA + "norm": Spec(shapes=((3,), (2, 3), (1,)), kw={"ord": (None, 2)}),
    LA + "vector_norm": Spec(kw={"ord": (2, 1, np.inf, 0.5)}),
    LA + "diagonal": Spec(shapes=MATRICES),
    LA + "trace": Spec(shapes=MATRICES),
    LA + "cross": Spec(args=(arg("x"), arg("x")), shapes=((3,), (2, 3), (4, 3))),
    LA + "vecdot": Spec(args=(arg("x"), arg("x")), shapes=VECTORS + ((2, 3),)),
    LA + "tensordot": Spec(args=(arg("x"), arg("x")), shapes=((2, 3), (1, 2)),
                           kw={"axes": (2, 1, 0)}),
    LA + "tensorsolve": Spec(args=(_tensor_a, lambda c: c.arr(shape=(2, 3))), shapes=((),),
                             kw={"axes": (None,)}),
    LA + "tensorinv": Spec(args=(_tensor_a,), shapes=((),), kw={"ind": (2,)}),
    # funcgrad.scipy
    SP + "integrate.odeint": Spec(args=(lit(_decay), arg("x", "pos"),
                                        lit(np.array([0.0, 0.5, 1.0]))),
                                  shapes=((1,), (3,)), dtypes=(np.float64,), order=1,
                                  numpy=_decay_solution, jax=_jax_odeint, rtol=1e-5, why="the exact solution y0 exp(-t/2): "
                                  "scipy's LSODA is 1e-5 off it at the default tolerances; funcgrad's "
                                  "Dormand-Prince 2e-6 (an adaptive solver's global error)",
                                  kw={"mxstep": (500,), "hmax": (0.5,), "rtol": (1e-8, 1e-10),
                                      "atol": (1e-8, 1e-10)}),
    SP + "integrate.trapezoid": Spec(shapes=NONEMPTY, kw={"x": (None,), "dx": (1.0, 0.5),
                                                          "axis": int_axis}),
    SP + "signal.fftconvolve": Spec(args=(arg("x", "unit"), arg("x", "unit")),
                                    kw={"axes": (None,)}, why="signature rule"),
    SP + "linalg.cho_solve": Spec(args=(lambda c: (np.linalg.cholesky(c.spd()), True),
                                        lambda c: c.arr(shape=c.shape[:-1] + (2,))),
                                  shapes=((1, 1), (3, 3))),
    SP + "linalg.eigh_tridiagonal": Spec(args=(arg("x"), lambda c: c.arr(shape=(c.shape[0] - 1,))),
                                         shapes=NONEMPTY_VECTORS,
                                         kw={"select": ("a",), "select_range": (None,)}),
    SP + "linalg.hankel": Spec(shapes=NONEMPTY_VECTORS, kw={"r": lambda c: (None, c.arr())}),
    SP + "linalg.toeplitz": Spec(shapes=NONEMPTY_VECTORS, kw={"r": lambda c: (None, c.arr())}),
    SP + "linalg.sqrtm": Spec(args=(arg("wc"),), shapes=SQUARE, numpy=_scipy_complex("sqrtm"),
                              numpy_dtype="kind", kw={"blocksize": (64, 2)}),
    SP + "linalg.logm": Spec(args=(arg("wc"),), shapes=SQUARE, numpy=_scipy_complex("logm"),
                             numpy_dtype="kind", kw={"disp": (True,)}, diff=False,
                             why="JAX has no logm, and the finite-difference check takes real "
                                 "results only (logm's is complex): its derivative is not "
                                 "checked here"),
    SP + "linalg.leslie": Spec(args=(arg("x"), lambda c: c.arr(shape=c.shape[:-1] + (
        c.shape[-1] - 1,))), shapes=((2,), (4,), (2, 3))),
    SP + "linalg.convolution_matrix": Spec(args=(arg("x"), lit(3)), shapes=NONEMPTY_VECTORS,
                                           kw={"mode": ("full", "same", "valid")}),
    SP + "linalg.qr_multiply": Spec(args=(arg("x"), lambda c: c.arr(shape=(2, c.shape[0]))),
                                    shapes=((1, 1), (3, 2), (2, 3), (3, 3)),
                                    kw={"mode": ("right",), "pivoting": (False, True),
                                        "conjugate": (False, True), "overwrite_c": (False,)}),
    **{SP + "linalg." + name: Spec(args=(lit(4),), shapes=((),), diff=False, kw=kw, jax=None,
                                   why="JAX has no " + name + ": scipy's")
       for name, kw in (("helmert", {"full": (False, True)}),
                        ("invhilbert", {"exact": (False, True)}),
                        ("pascal", {"kind": ("symmetric", "lower", "upper"),
                                    "exact": (True, False)}),
                        ("invpascal", {"kind": ("symmetric", "lower", "upper"),
                                       "exact": (True, False)}))},
    SP + "linalg.rsf2csf": Spec(args=(lambda c: _real_schur(c)[0], lambda c: _real_schur(c)[1]),
                                shapes=((1, 1), (3, 3), (4, 4))),
    SP + "linalg.polar": Spec(args=(arg("wc"),), shapes=SQUARE,
                              skip_kw={n: "JAX's iteration controls: scipy's polar (an SVD) has "
                                          "none, so no common oracle"
                                       for n in ("eps", "max_iterations")}),
    SP + "linalg.schur": Spec(args=(arg("wc"),), shapes=SQUARE, kw={"output": ("real",)}),
    SP + "linalg.expm_frechet": Spec(args=(arg("wc"), arg("x")), shapes=SQUARE,
                                     numpy_dtype="kind", kw={"compute_expm": (True, False)}),
    SP + "special.expn": Spec(args=(lambda c: c.rng.integers(1, 4, c.shape), arg("x", "pos"))),
    SP + "special.factorial": Spec(args=(arg("x", "pos"),), numpy_dtype="kind",
                                   kw={"exact": (False,)}),
    SP + "stats.multinomial.logpmf": Spec(args=(
        lambda c: c.rng.multinomial(5, [0.2, 0.3, 0.5]), lit(5),
        lambda c: np.array([0.2, 0.3, 0.5], c.dtype)), shapes=((3,),)),
    SP + "stats.multinomial.pmf": Spec(args=(
        lambda c: c.rng.multinomial(5, [0.2, 0.3, 0.5]), lit(5),
        lambda c: np.array([0.2, 0.3, 0.5], c.dtype)), shapes=((3,),)),
    # funcgrad.lax: structural
    LAX + "argmax": Spec(args=(arg("x"), lit(0), lit(np.int32)), shapes=NONEMPTY),
    LAX + "argmin": Spec(args=(arg("x"), lit(0), lit(np.int64)), shapes=NONEMPTY),
    LAX + "argsort": Spec(args=(arg("x"), lit(0)), shapes=NONEMPTY, jax=None,
                          numpy=_np_argsort, why="jax.lax has no argsort: numpy's (stable)"),
    LAX + "maximum": Spec(args=(arg("x"), arg("x")), jax="max"),
    LAX + "minimum": Spec(args=(arg("x"), arg("x")), jax="min"),
    LAX + "shift_right": Spec(args=(arg("x"), arg("x")), dtypes=INTS,
                              jax="shift_right_arithmetic"),
    LAX + "logaddexp": Spec(args=(arg("x"), arg("x")), jax=_jnp("logaddexp")),
    LAX + "logaddexp2": Spec(args=(arg("x"), arg("x")), jax=_jnp("logaddexp2")),
    LAX + "floor_divide": Spec(args=(arg("x"), arg("x", "nonzero")), jax=_jnp("floor_divide")),
    LAX + "signbit": Spec(jax=_jnp("signbit")),
    LAX + "cumsum": Spec(args=(arg("x"), lit(0)), shapes=NONEMPTY),
    LAX + "broadcast": Spec(args=(arg("x"), lit((2,)))),
    LAX + "collapse": Spec(args=(arg("x"), lit(0)),
                           kw={"stop_dimension": lambda c: (None, c.ndim)}),
    LAX + "iota": Spec(args=(lit(np.float64), lambda c: int(np.prod(c.shape)))),
    LAX + "broadcasted_iota": Spec(args=(lit(np.float32), lambda c: c.shape, lit(0)),
                                   shapes=NONEMPTY),
    LAX + "top_k": Spec(args=(arg("x"), lit(1)), shapes=NONEMPTY),
    LAX + "slice_in_dim": Spec(args=(arg("x"), lit(0), lit(1)), shapes=NONEMPTY,
                               kw={"stride": (1, 2)}),
    LAX + "dynamic_slice_in_dim": Spec(args=(arg("x"), lit(-1), lit(1)), shapes=NONEMPTY,
                                       kw={"allow_negative_indices": (True, False)}),
    LAX + "dynamic_index_in_dim": Spec(args=(arg("x"), lit(0)), shapes=NONEMPTY),
    LAX + "index_in_dim": Spec(args=(arg("x"), lit(-1)), shapes=NONEMPTY),
    LAX + "dynamic_update_slice_in_dim": Spec(
        args=(arg("x"), lambda c: c.arr(shape=(1,) + c.shape[1:]), lit(0), lit(0)),
        shapes=NONEMPTY),
    LAX + "broadcast_in_dim": Spec(args=(arg("x"), lambda c: (2,) + c.shape,
                                         lambda c: tuple(range(1, c.ndim + 1)))),
    LAX + "concatenate": Spec(args=(lambda c: [c.arr(), c.arr()], lit(0)), shapes=NONEMPTY),
    LAX + "convert_element_type": Spec(args=(arg("x"), lit(np.float32))),
    LAX + "expand_dims": Spec(args=(arg("x"), lit((0,)))),
    LAX + "full": Spec(args=(lambda c: c.shape, lit(1.5), lit(np.float64))),
    LAX + "integer_pow": Spec(args=(arg("x"), lit(3))),
    LAX + "reshape": Spec(args=(arg("x"), lambda c: (int(np.prod(c.shape)),))),
    LAX + "rev": Spec(args=(arg("x"), lit((0,))), shapes=NONEMPTY),
    LAX + "squeeze": Spec(args=(arg("x"), lit((0,))), shapes=((1,), (1, 3))),
    LAX + "transpose": Spec(args=(arg("x"), lambda c: tuple(reversed(range(c.ndim))))),
    LAX + "select": Spec(args=(arg("bool"), arg("x"), arg("x"))),
    LAX + "slice": Spec(args=(arg("x"), lit((0,)), lit((1,))), shapes=((3,), (2,)),
                        kw={"strides": (None, (2,))}),
    LAX + "dynamic_slice": Spec(args=(arg("x"), lit((1,)), lit((2,))), shapes=((3,), (4,))),
    LAX + "dynamic_update_slice": Spec(args=(arg("x"), lambda c: c.arr(shape=(2,)), lit((1,))),
                                       shapes=((3,), (4,))),
    LAX + "pad": Spec(args=(arg("x"), lit(0.5), lit(((1, 2, 1),))), shapes=((3,), (1,), (0,))),
    LAX + "dot_general": Spec(args=(arg("x"), arg("x"), lit((((1,), (1,)), ((), ())))),
                              shapes=((2, 3), (1, 2)), kw=DOT_OUT_TYPE),
    LAX + "dot": Spec(args=(arg("x"), arg("x")), shapes=((3,), (1,)),
                      kw={"dimension_numbers": (None,), **DOT_OUT_TYPE}),
    LAX + "full_like": Spec(args=(arg("x"), lit(1.5)), kw={"shape": (None, (2,))}),
    LAX + "round": UNARY.replace(kw={"rounding_method": (0, 1)}),
    LAX + "sort": Spec(shapes=NONEMPTY, kw={"dimension": (-1, 0), "is_stable": (True, False),
                                            "num_keys": (1,)}),
    LAX + "sort_key_val": Spec(args=(arg("x"), arg("x")), shapes=NONEMPTY,
                               kw={"dimension": (-1, 0), "is_stable": (True, False)}),
    LAX + "map": Spec(args=(lit(np.sin), arg("x")), shapes=NONEMPTY, jax=None,
                      numpy=lambda f, xs: np.stack([f(x) for x in xs]),
                      why="the function argument is a numpy ufunc here; JAX needs its own"),
    NN + "logsumexp": LOGSUMEXP, SP + "special.logsumexp": LOGSUMEXP,
    NP + "piecewise": Spec(args=(arg("x"), lambda c: [c.arr(dtype=np.bool_)],
                                 lit([lambda v: v * 2.0, lambda v: v - 1.0]))),
    NP + "average": Spec(kw={"weights": lambda c: (None, c.arr("pos"))}),
    NN + "one_hot": Spec(args=(arg("int"), lit(4)), kw={"dtype": (np.float64, np.float32),
                                                        "axis": (-1, 0)}),
    NN + "leaky_relu": UNARY.replace(kw={"negative_slope": (0.01, 0.3)}),
    NN + "standardize": UNARY.replace(shapes=NONEMPTY, kw={"mean": (None,), "variance": (None,)}),
    RND + "key_dtype": Spec(args=(), shapes=((),)),
    RND + "key": Spec(args=(lit(3),), shapes=((),), jax="PRNGKey", skip_kw=KEY_DTYPE,
                      why="funcgrad's keys are raw uint32[2] (JAX's key() is typed)"),
    NP + "msort": Spec(shapes=NONEMPTY, numpy=lambda a: np.sort(a, axis=0), jax=None,
                       why="numpy 2 and JAX dropped msort: numpy's sort along axis 0"),
    RND + "PRNGKey": Spec(args=(lit(3),), shapes=((),)),
    RND + "split": Spec(args=(arg("key"),), shapes=((),), kw={"num": (2, 3)}),
    RND + "fold_in": Spec(args=(arg("key"), lit(7)), shapes=((),)),
    RND + "randint": Spec(args=(arg("key"), lambda c: c.shape, lit(0), lit(5)),
                          shapes=((), (3,)), kw={"dtype": (np.int64, np.int32)}),
    RND + "bernoulli": Spec(args=(arg("key"),), shapes=((), (3,)),
                            kw={"p": (0.5, 0.2), "shape": (None, (3,))}),
    RND + "categorical": Spec(args=(arg("key"), arg("x")), shapes=((3,), (2, 3)),
                              kw={"shape": lambda c: (None, (2,) + c.shape[:-1]),
                                  "replace": (True, False), "axis": int_axis}),
    RND + "permutation": Spec(args=(arg("key"), arg("x")), shapes=((4,), (2, 3)),
                              kw={"independent": (False, True)}),
    RND + "choice": Spec(args=(arg("key"), arg("x")), shapes=((4,),),
                         kw={"shape": ((), (2,)), "replace": (True, False), "p": (None,)}),
    RND + "truncated_normal": Spec(args=(arg("key"), lit(-1.0), lit(2.0)), shapes=((),),
                                   kw={"shape": ((), (3,))}),
    RND + "gamma": Spec(args=(arg("key"), arg("x", "pos")), shapes=((), (3,)), order=1,
                        kw={"shape": lambda c: (None, (2,) + c.shape)}),
    RND + "beta": Spec(args=(arg("key"), arg("x", "pos"), arg("x", "pos")), shapes=((), (3,)),
                       order=1,
                       kw={"shape": lambda c: (None, (2,) + c.shape), "dtype": lambda c: (None, c.dtype)}),
    RND + "dirichlet": Spec(args=(arg("key"), arg("x", "pos")), shapes=((3,), (2, 3)), order=1,
                            kw={"shape": lambda c: (None, (2,) + c.shape[:-1])}),
    RND + "clone": Spec(args=(arg("key"),), shapes=((),)),
    RND + "ball": Spec(args=(arg("key"), lit(3)), shapes=((),),
                       kw={"p": (2.0, 1.0), "shape": ((), (2,))}),
    RND + "generalized_normal": Spec(args=(arg("key"), lit(1.5)), shapes=((),),
                                     kw={"shape": ((), (3,))}),
    RND + "orthogonal": Spec(args=(arg("key"), lit(3)), shapes=((),),
                             kw={"shape": ((), (2,)), "m": (None, 2)}),
    RND + "multinomial": Spec(args=(arg("key"), lit(5.0),
                                    lambda c: np.array([0.2, 0.3, 0.5], c.dtype)),
                              shapes=((),), kw={"shape": (None, (2, 3)), "unroll": (1, 2)}),
    RND + "multivariate_normal": Spec(args=(arg("key"), arg("x"), lambda c: c.spd(shape=(3, 3))),
                                      shapes=((3,),), order=1,
                                      kw={"shape": (None, (2,)),
                                          "method": ("cholesky", "eigh", "svd")}),
    RND + "key_data": Spec(args=(arg("key"),), shapes=((),)),
    RND + "wrap_key_data": Spec(args=(lit(np.array([0, 7], np.uint32)),), shapes=((),),
                                skip_kw=KEY_DTYPE,
                                jax=_jax_key_bits, why="JAX's typed key, as its bits"),
}

# Functions the harness does not call, each with the reason.
EXCLUDED: dict[str, str] = {
    **{LAX + n: "a collective over a named axis (vmap/distributed): tests/test_collectives.py"
       for n in "axis_index axis_size psum pmean pmax pmin all_gather all_to_all ppermute "
                "pshuffle psum_scatter".split()},
    **{LAX + n: "control flow taking functions: tests/test_control_flow.py holds each against "
                "JAX and its derivatives" for n in "cond switch fori_loop while_loop scan".split()},
    **{LAX + n: "funcgrad's own indexing primitives (no JAX function of this signature): "
                "tests/test_ops.py and the .at[] tests" for n in
       "gather index index_update scatter scatter_add scatter_max scatter_min scatter_mul"
       .split()},
    **{n: "convolutions: tests/test_ops.py holds them against JAX (pending: jaxrules extends "
          "conv_general_dilated with dimension_numbers and dilations this round)"
       for n in (LAX + "conv", LAX + "conv_general_dilated", NN + "conv",
                 NN + "conv_general_dilated")},
    NN + "max_pool": "pooling windows: tests/test_ops.py (jax.nn has no pooling to compare to)",
    NN + "avg_pool": "pooling windows: tests/test_ops.py (jax.nn has no pooling to compare to)",
    NN + "dropout": "random masks: tests/test_random.py (jax.nn has no dropout)",
    NP + "einsum_path": "returns a contraction plan, not values",
    # merged at the end of the stop that built the harness's scipy specs: each is held against
    # scipy/JAX in its own tests (tests/test_scipy_*2.py, tests/test_conv_jax.py); the harness's
    # spec is owed, and what the first generic run found is named
    SP + "signal.istft": "spec owed: its input is an stft (frequencies x segments, complex, "
                         "from a matching window and overlap); tests/test_scipy_signal2.py "
                         "round-trips it against scipy",
    SP + "special.wofz": "spec owed (tests/test_scipy_special2.py covers it): complex64 for "
                         "float32 input as JAX, where scipy upcasts to complex128",
    SP + "special.bessel_jn": "spec owed for its keyword-only v/n_iter "
                              "(tests/test_scipy_special2.py covers it)",
    SP + "stats.descriptive.sem": "the same function as funcgrad.scipy.stats.sem (its defining "
                                  "module's name, which scipy does not have): checked as that",
    **{LAX + n: "spec owed for the new convolution keywords (tests/test_conv_jax.py holds them "
                "against JAX)" for n in ("conv_transpose", "conv_with_general_padding")},
    SP + "optimize.minimize": "takes a function and returns an OptimizeResults record (JAX's, not "
                              "scipy's OptimizeResult): tests/test_scipy_optimize.py holds it "
                              "against scipy and JAX",
}

# Checks that differ for a known reason: (qualname or fnmatch pattern, check) -> reason. A check
# in this list that fails is reported, not failed; one that passes is reported as fixed.
KNOWN: dict[tuple[str, str], str] = {
    **{(q + "(shapes=(0,)*", c): "pending: scimisc (logsumexp of an empty array raises; scipy "
                                 "and JAX give -inf: FINDINGS-scimisc.md)"
       for q in (NN + "logsumexp", SP + "special.logsumexp") for c in ("numpy", "jax")},
    **{(NP + q + "(shapes=(0,)*", "numpy-error"): "numpy fails with an internal IndexError on an "
                                                  "empty input, JAX returns NaN; funcgrad raises "
                                                  "a ValueError naming the argument"
       for q in ("quantile", "percentile")},
    (LAX + "pad", "jax-error"): "pending: jaxapi (JAX refuses a Python-float padding_value "
                                "beside a float32 operand under x64: FINDINGS-jaxapi.md)",
    **{(NN + n, "*-error"): "deliberate: a 0-d input is its own (log-)softmax (the docstring "
                              "example); JAX refuses axis -1 of a 0-d array"
       for n in ("softmax", "log_softmax")},
    (LA + "det", "*-error"): "JAX's own derivative of det fails on a 0x0 matrix (IndexError "
                             "inside JAX); funcgrad's is the empty product's, 0",
    **{(LA + "lstsq", c): "JAX's lstsq returns residuals of shape (1,) where numpy returns an "
                          "empty array (square or underdetermined a); funcgrad follows numpy"
       for c in ("jax", "jvp*", "vjp*")},
    **{(LA + "lstsq", c): "pending: scilinalg (lstsq needs concrete values for the rank; JAX's "
                          "traces: FINDINGS-scilinalg.md)" for c in ("jit", "vmap")},
    (NP + "tri", "jax"): "JAX's tri defaults to float32 even under x64 (numpy's and funcgrad's "
                         "default: float64)",
    (NP + "searchsorted", "jax"): "JAX's searchsorted returns int32 even under x64 (numpy's "
                                  "and funcgrad's index dtype: int64)",
    (NP + "full", "weak_type"): "pending: jaxdtype (in JAX's mode full(shape, 1.5) is strongly "
                                "typed; JAX's is weak: FINDINGS-jaxdtype.md)",
    (NP + "interp(*period=2.0*)", "numpy"): "not implemented: interp(period=) raises "
                                           "NotImplementedError naming the workaround",
    **{(NP + f"{q}(*method='{m}'*)", "numpy"): "not implemented: only method='linear' (raises "
                                              "NotImplementedError)"
       for q in ("quantile", "percentile", "nanquantile", "nanpercentile")
       for m in ("lower", "higher", "nearest", "midpoint")},
    **{(NP + f"pad(*mode='{m}'*)", "numpy"): "pending: scilinalg (pad in every mode, issue #19)"
       for m in ("maximum", "minimum", "mean", "linear_ramp", "median", "empty")},
    **{(LAX + "zeta", c): "deliberate improvement: funcgrad differentiates zeta(s, q) in q "
                          "(-s * zeta(s + 1, q)), JAX has no rule and raises "
                          "NotImplementedError; the value is checked"
       for c in ("jvp*-error", "vjp*-error")},
    **{(SP + "linalg.schur", c): "JAX has no derivative of schur (NotImplementedError); "
                                 "funcgrad's is not checked against an oracle here"
       for c in ("jvp*-error", "vjp*-error")},
    (SP + "linalg.polar", "*vjp*-error"): "JAX's polar (a Newton iteration in a while_loop) has "
                                         "no reverse-mode derivative; funcgrad's has one",
    **{(SP + "special." + n, "*-of-vjp-error"): "JAX's second derivative fails inside JAX "
                                                "(TypeError: no constant handler for a tracer); "
                                                "funcgrad's exists" for n in ("exp1", "expn")},
    **{(SP + "special.spence", c): "JAX's derivative of spence is NaN on part of (1, 3) (e.g. "
                                   "at 1.5); funcgrad's is log(x) / (1 - x) there"
       for c in ("jvp*", "vjp*")},
    **{(SP + "linalg.qr_multiply", c): "JAX's qr_multiply (geqrf) has no derivative rule; "
                                       "funcgrad's (through qr) is checked against finite "
                                       "differences in tests/test_scipy_linalg_schur.py"
       for c in ("jvp*-error", "vjp*-error")},
    **{(SP + "linalg.fiedler_companion(*shapes=()*", c): "JAX returns a (0, 0) matrix for a "
                                                       "constant (one coefficient); funcgrad "
                                                       "returns scipy's empty (0,) array"
       for c in ("jax", "jvp*", "vjp*")},
    (SP + "linalg.det", "*-error"): "JAX's own derivative of det fails on a 0x0 matrix "
                                    "(IndexError inside JAX); funcgrad's is the empty product's, 0",
    (SP + "linalg.logm(shapes=(0, 0)*", "numpy"): "scipy's logm fails on a 0x0 matrix (argmax of "
                                                  "an empty sequence); funcgrad returns it",
    **{(SP + "linalg.sqrtm(shapes=(0, 0)*", c): "JAX's sqrtm fails on a 0x0 matrix (IndexError "
                                                "inside JAX); funcgrad returns it"
       for c in ("jax", "jvp*", "vjp*")},
    (RND + "f(*shape=(2, 3)*", "jax"): "JAX's f fails when shape= adds a leading axis to (3,) "
                                       "parameters (TypeError inside JAX: div of arrays of "
                                       "different ndim); funcgrad samples",
    (RND + "multinomial", "jax"): "pending: prng (with float32 p under x64 funcgrad's counts "
                                  "differ from JAX's; float64 p matches: FINDINGS-prng.md)",
    **{(RND + "multivariate_normal", c): "JAX symmetrizes cov ((c + c^T) / 2, lax.linalg."
                                         "cholesky's default), funcgrad reads its lower "
                                         "triangle: derivatives agree on symmetric tangents, "
                                         "differ on the harness's non-symmetric ones"
       for c in ("jvp", "vjp")},
    **{(SP + f"stats.uniform.{m}", "weak_type"): "pending: scimisc (uniform's density does not "
                                                   "take x's weak type, JAX's promotes x, loc "
                                                   "and scale together: FINDINGS-scimisc.md)"
       for m in ("pdf", "logpdf")},
    **{(SP + f"stats.{d}.ppf", "*-error"): "JAX's jvp of gumbel ppf fails inside JAX "
                                                "(multiply with a float0 array); funcgrad's "
                                                "exists" for d in ("gumbel_l", "gumbel_r")},
    **{(LAX + "nextafter", c): "funcgrad gives nextafter a derivative; JAX has no rule and "
                               "raises NotImplementedError; the value is checked"
       for c in ("jvp*-error", "vjp*-error")},
    (SP + "linalg.lu(*p_indices=True*)", "numpy"): "funcgrad's permutation indices are int32 "
                                                   "(lax.linalg's pivot dtype); scipy's int64",
    (SP + "special.comb(*repetition=True*)", "numpy"): "pending: scimisc (comb(N, k, "
                                                       "repetition=True) for N < 1 gives 0 where "
                                                       "scipy gives a nonzero value: "
                                                       "FINDINGS-scimisc.md)",
    **{(SP + q + s, "numpy"): "deliberate, as JAX: the standard error of one observation is "
                              "std / 1 = 0 (ddof=0) here and in JAX; scipy gives NaN for a lone "
                              "sample reduced to a scalar, but 0 for the same sample inside a "
                              "batch (its too-small check sees only whole-array calls)"
       for q in ("stats.sem",) for s in ("(shapes=(1,)*", "(shapes=()*")},
    (SP + "stats.poisson.entropy", "jvp*"): "JAX's derivative of poisson.entropy is NaN (its "
                                            "sum's mask is differentiated through "
                                            "xlogy at p = 0); funcgrad's is checked against "
                                            "finite differences in tests/test_scipy_stats2.py",
    (SP + "stats.poisson.entropy", "vjp*"): "JAX's derivative of poisson.entropy is NaN; "
                                            "funcgrad's is checked against finite differences "
                                            "in tests/test_scipy_stats2.py",
}


# scipy functions that compute float32 inputs in float64 (every scipy.stats method does), where
# JAX (funcgrad's model) keeps float32: their scipy check compares the dtype's kind; the JAX
# check compares the exact dtype.
SCIPY_UPCASTS = [SP + "stats.*"] + _names(SP, "linalg.det special.multigammaln special.factorial "
                                              "linalg.expm_frechet signal.csd signal.welch "
                                              "signal.stft")


def spec_for(qualname: str, func) -> Spec:
    spec = _own_spec(qualname, func)
    if any(fnmatch.fnmatchcase(qualname, p) for p in SCIPY_UPCASTS):
        spec = spec.replace(numpy_dtype="kind")
    return spec


def _own_spec(qualname: str, func) -> Spec:
    if qualname in SPECS:
        return SPECS[qualname]
    for names, spec in FAMILIES:
        if qualname in names:
            return spec
    return signature_rule(func)


def signature_rule(func) -> Spec:
    """Every required positional argument an array in (0.05, 0.95) of the call's shape."""
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return Spec(args=(arg("x", "unit"),))
    n = sum(p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            for p in params)
    return Spec(args=tuple(arg("x", "unit") for _ in range(max(n, 1))), why="signature rule")


def family_names() -> set:
    return set(SPECS) | {n for names, _ in FAMILIES for n in names}
