"""numpy's elementwise functions over funcgrad's primitives (numpy broadcasting and promotion)."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .. import lax
from .._api import stop_gradient
from .._core import avals
from .._core.array import Array
from .._core.trace import Tracer, bind, eager_binary, eager_unary, get_aval, host_value
from .._core.typing import ArrayLike
from ..lax.elementwise import convert_element_type_p, maximum_p
from ._core import cast, dtype_of, float_dtype, operand, shape_of, ufunc_dtype
from ._manipulation import broadcast_to

def _unary(prim_fn: Callable[..., Any], name: str) -> Callable[[ArrayLike], Array]:
    """numpy's unary ufunc `name` as the primitive behind `prim_fn` (an Array operand takes the
    eager routine's fast path: trace.eager_unary)."""
    prim = prim_fn.primitive  # type: ignore[attr-defined]

    def f(x: ArrayLike) -> Array:
        return bind(prim, x if isinstance(x, Tracer) else operand(x))
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"numpy.{name}, differentiable."
    return eager_unary(prim, f)


def _binary(prim_fn: Callable[..., Any],
            name: str) -> Callable[[ArrayLike, ArrayLike], Array]:
    """numpy's binary ufunc `name` as the primitive behind `prim_fn` (Arrays and Python numbers
    take the eager routine's fast path: trace.eager_binary)."""
    prim = prim_fn.primitive  # type: ignore[attr-defined]

    def f(x: ArrayLike, y: ArrayLike) -> Array:
        if avals.JAX_LATTICE and (isinstance(x, Tracer) or isinstance(y, Tracer)):
            x, y = _jax_promoted(x, y)
        return bind(prim, x if isinstance(x, Tracer) else operand(x),
                    y if isinstance(y, Tracer) else operand(y))
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"numpy.{name}, differentiable, with numpy's broadcasting and type promotion."
    fast = eager_binary(prim, f)
    fast.primitive = prim  # (the operators' fast path uses it)
    return fast


def _jax_promoted(x, y):
    """JAX's mode: jax.numpy's promotion of a binary function's operands, as JAX stages it: a
    traced operand whose type is not the result's (a weakly typed one meeting a strong one of
    its dtype, or another dtype) is converted by an equation of its own; the primitive then
    sees one type (a Python scalar or a constant is converted where it is written)."""
    ax, ay = get_aval(x), get_aval(y)
    dtype, weak = avals.promote_jax((ax.dtype, ax.weak_type), (ay.dtype, ay.weak_type))
    if weak:
        return x, y
    return [convert_element_type_p.bind(v, new_dtype=dtype)
            if isinstance(v, Tracer) and (a.dtype, a.weak_type) != (dtype, False) else v
            for v, a in ((x, ax), (y, ay))]


add = _binary(lax.add, "add")
subtract = _binary(lax.sub, "subtract")
multiply = _binary(lax.mul, "multiply")
divide = true_divide = _binary(lax.div, "divide")
floor_divide = _binary(lax.floor_divide, "floor_divide")
arctan2 = _binary(lax.atan2, "arctan2")
maximum = _binary(lax.maximum, "maximum")
minimum = _binary(lax.minimum, "minimum")
equal = _binary(lax.eq, "equal")
not_equal = _binary(lax.ne, "not_equal")
less = _binary(lax.lt, "less")
less_equal = _binary(lax.le, "less_equal")
greater = _binary(lax.gt, "greater")
greater_equal = _binary(lax.ge, "greater_equal")
bitwise_and = _binary(lax.bitwise_and, "bitwise_and")
bitwise_or = _binary(lax.bitwise_or, "bitwise_or")
bitwise_xor = _binary(lax.bitwise_xor, "bitwise_xor")

negative = _unary(lax.neg, "negative")
exp = _unary(lax.exp, "exp")
log = _unary(lax.log, "log")
log1p = _unary(lax.log1p, "log1p")
expm1 = _unary(lax.expm1, "expm1")
sin = _unary(lax.sin, "sin")
cos = _unary(lax.cos, "cos")
tan = _unary(lax.tan, "tan")
arcsin = _unary(lax.asin, "arcsin")
arccos = _unary(lax.acos, "arccos")
arctan = _unary(lax.atan, "arctan")
sinh = _unary(lax.sinh, "sinh")
cosh = _unary(lax.cosh, "cosh")
tanh = _unary(lax.tanh, "tanh")
sqrt = _unary(lax.sqrt, "sqrt")
absolute = abs = _unary(lax.abs, "absolute")
sign = _unary(lax.sign, "sign")
floor = _unary(lax.floor, "floor")
ceil = _unary(lax.ceil, "ceil")
isfinite = _unary(lax.is_finite, "isfinite")
bitwise_not = invert = _unary(lax.bitwise_not, "invert")


def positive(x: ArrayLike) -> Array:
    """numpy.positive, differentiable."""
    return operand(x)


def power(x: ArrayLike, y: ArrayLike) -> Array:
    """x ** y; a Python integer exponent becomes `integer_pow` (exact, and defined at x = 0)."""
    x = operand(x)
    if type(y) is int:
        return lax.integer_pow(x, y)
    return lax.pow(x, operand(y))


def square(x: ArrayLike) -> Array:
    """numpy.square, differentiable."""
    return lax.integer_pow(operand(x), 2)


def reciprocal(x: ArrayLike) -> Array:
    """numpy.reciprocal, differentiable."""
    x = operand(x)
    return lax.div(1, x) if dtype_of(x).kind in "fc" else lax.floor_divide(1, x)


def rint(x: ArrayLike) -> Array:
    """numpy.rint, differentiable: halves to the even neighbour (lax.round's TO_NEAREST_EVEN)."""
    return lax.round(x if isinstance(x, Tracer) else operand(x),
                     lax.RoundingMethod.TO_NEAREST_EVEN)


def round(a: ArrayLike, decimals: int = 0) -> Array:
    """numpy.round: half to even, at `decimals` places."""
    a = operand(a)
    if decimals == 0:
        return rint(a)
    scale = 10.0 ** decimals
    return lax.div(rint(lax.mul(a, scale)), scale)


around = round


def _truth(x):
    return lax.ne(operand(x), 0)


def logical_and(x: ArrayLike, y: ArrayLike) -> Array:
    """numpy.logical_and: elementwise, of the operands' truth values."""
    return lax.bitwise_and(_truth(x), _truth(y))


def logical_or(x: ArrayLike, y: ArrayLike) -> Array:
    """numpy.logical_or: elementwise, of the operands' truth values."""
    return lax.bitwise_or(_truth(x), _truth(y))


def logical_xor(x: ArrayLike, y: ArrayLike) -> Array:
    """numpy.logical_xor: elementwise, of the operands' truth values."""
    return lax.bitwise_xor(_truth(x), _truth(y))


def logical_not(x: ArrayLike) -> Array:
    """numpy.logical_not."""
    return lax.eq(operand(x), 0)


def clip(a: ArrayLike, a_min: ArrayLike | None = None, a_max: ArrayLike | None = None) -> Array:
    """numpy.clip; at a bound the derivative is shared with the bound (as for maximum)."""
    a = operand(a)
    if a_min is None and a_max is None:
        raise ValueError("clip needs at least one of a_min and a_max")
    # One result dtype for all operands, as numpy's: a float32 `a` clipped to a Python-float
    # a_min and a float64 a_max compares in float64 (not with a_min rounded to float32 first).
    out = get_aval(a)
    for b in (a_min, a_max):
        if b is not None:
            out = maximum_p.abstract_eval(out, get_aval(operand(b)))
    if out.dtype != dtype_of(a):
        a = lax.convert_element_type(a, out.dtype)
    if a_min is not None:
        a = lax.maximum(a, operand(a_min))
    if a_max is not None:
        a = lax.minimum(a, operand(a_max))
    return a


def isnan(x: ArrayLike) -> Array:
    """numpy.isnan."""
    x = operand(x)
    return lax.ne(x, x)


def isinf(x: ArrayLike) -> Array:
    """numpy.isinf."""
    x = operand(x)
    return lax.bitwise_and(lax.bitwise_not(lax.is_finite(x)), lax.eq(x, x))


def exp2(x: ArrayLike) -> Array:
    """numpy.exp2, differentiable."""
    return lax.pow(2.0, operand(x))


def log2(x: ArrayLike) -> Array:
    """numpy.log2, differentiable."""
    return lax.div(lax.log(operand(x)), float(np.log(2)))


def log10(x: ArrayLike) -> Array:
    """numpy.log10, differentiable."""
    return lax.div(lax.log(operand(x)), float(np.log(10)))


arcsinh = _unary(lax.asinh, "arcsinh")
arccosh = _unary(lax.acosh, "arccosh")
arctanh = _unary(lax.atanh, "arctanh")
conjugate = conj = _unary(lax.conj, "conjugate")


def fabs(x: ArrayLike) -> Array:
    """numpy.fabs, differentiable: float results (integers promote, as numpy's); complex input
    is refused, as numpy's (use abs)."""
    x = operand(x)
    if dtype_of(x).kind == "c":
        raise TypeError("fabs: complex input is not supported (numpy's fabs is real-only); use "
                        "fnp.abs(x) for the modulus")
    return lax.abs(x if dtype_of(x).kind == "f" else lax.convert_element_type(
        x, float_dtype(dtype_of(x))))


def deg2rad(x: ArrayLike) -> Array:
    """numpy.deg2rad, differentiable."""
    return lax.mul(operand(x), float(np.pi / 180))


def rad2deg(x: ArrayLike) -> Array:
    """numpy.rad2deg, differentiable."""
    return lax.mul(operand(x), float(180 / np.pi))


radians, degrees = deg2rad, rad2deg


def hypot(x1: ArrayLike, x2: ArrayLike) -> Array:
    """sqrt(x1**2 + x2**2), scaled by a constant (the larger magnitude) so that large values do
    not overflow; the derivative is x / hypot exactly (also where x1**2 would overflow), and at
    (0, 0) the subgradient 0 (as the norm's).

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> fnp.hypot(fnp.array([3.0, 1e300]), fnp.array([4.0, 1e300]))
    Array([5.00000000e+000, 1.41421356e+300], dtype=float64)
    >>> fg.grad(fnp.hypot)(0.0, 0.0), fg.grad(fnp.hypot)(-3.0, 4.0)
    (Array(0., dtype=float64), Array(-0.6, dtype=float64))
    """
    x1, x2 = operand(x1), operand(x2)
    m = lax.maximum(lax.abs(x1), lax.abs(x2))
    zero = lax.eq(m, 0)
    scale = lax.select(zero, 1.0, stop_gradient(m))
    r1, r2 = lax.div(x1, scale), lax.div(x2, scale)
    inner = lax.select(zero, 1.0, lax.add(lax.mul(r1, r1), lax.mul(r2, r2)))  # sqrt'(0) unseen
    return lax.select(zero, m, lax.mul(scale, lax.sqrt(inner)))


logaddexp = _binary(lax.logaddexp, "logaddexp")
logaddexp.__doc__ = """log(exp(x1) + exp(x2)) without overflow, numpy's values at infinities
(-inf with -inf is -inf); its derivative is exp(x1 - out), 1/2 each at a tie.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> fnp.logaddexp(fnp.array([-fnp.inf, fnp.inf]), fnp.array([-fnp.inf, fnp.inf]))
    Array([-inf,  inf], dtype=float64)
    >>> fg.grad(fnp.logaddexp)(0.0, 0.0)
    Array(0.5, dtype=float64)
    """
logaddexp2 = _binary(lax.logaddexp2, "logaddexp2")

def sinc(x: ArrayLike) -> Array:
    """sin(pi x) / (pi x), 1 at 0; there the value comes from its Maclaurin series
    1 - (pi x)**2 / 6 + (pi x)**4 / 120, so that the derivatives at 0 are exact to the fourth
    (0, -pi**2 / 3, 0, pi**4 / 5), as JAX's.

    >>> import funcgrad as fg
    >>> print(f"{float(fg.grad(fg.grad(sinc))(0.0)):.6f}")
    -3.289868
    """
    x = operand(x)
    zero = lax.eq(x, 0)
    px = lax.mul(lax.select(zero, 1.0, x), float(np.pi))
    p2 = lax.integer_pow(lax.mul(x, float(np.pi)), 2)
    series = lax.add(1.0, lax.mul(p2, lax.add(-1 / 6, lax.div(p2, 120.0))))
    return lax.select(zero, series, lax.div(lax.sin(px), px))


def fmax(x1: ArrayLike, x2: ArrayLike) -> Array:
    """maximum that ignores NaNs (a NaN loses to a number)."""
    x1, x2 = operand(x1), operand(x2)
    return lax.select(isnan(x2), x1, lax.select(isnan(x1), x2, lax.maximum(x1, x2)))


def fmin(x1: ArrayLike, x2: ArrayLike) -> Array:
    """numpy.fmin, differentiable."""
    x1, x2 = operand(x1), operand(x2)
    return lax.select(isnan(x2), x1, lax.select(isnan(x1), x2, lax.minimum(x1, x2)))


def nan_to_num(x: ArrayLike, copy: bool = True, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Array:
    """numpy.nan_to_num, differentiable."""
    x = operand(x)
    dt = dtype_of(x)
    if dt.kind not in "fc":
        return x
    info = np.finfo(dt)
    hi = info.max if posinf is None else posinf
    lo = info.min if neginf is None else neginf
    x = lax.select(isnan(x), nan, x)
    x = lax.select(lax.bitwise_and(isinf(x), lax.gt(x, 0)), float(hi), x)
    return lax.select(lax.bitwise_and(isinf(x), lax.lt(x, 0)), float(lo), x)


def real(val: ArrayLike) -> Array:
    """numpy.real, differentiable."""
    return lax.real(operand(val))


def imag(val: ArrayLike) -> Array:
    """numpy.imag, differentiable."""
    return lax.imag(operand(val))


def angle(z: ArrayLike, deg: bool = False) -> Array:
    """numpy.angle, differentiable."""
    z = operand(z)
    if dtype_of(z).kind not in "fc":  # integers and booleans: numpy's float angle (pi for < 0)
        z = lax.convert_element_type(z, float_dtype(dtype_of(z)))
    # a real z's imaginary part is +0 (numpy's arctan2(0, z)): pi for negative z, not -pi
    a = lax.atan2(lax.imag(z), lax.real(z)) if dtype_of(z).kind == "c" else lax.atan2(
        lax.full(shape_of(z), 0, dtype_of(z)), z)
    return rad2deg(a) if deg else a


def real_if_close(a: ArrayLike, tol: float = 100) -> Array:
    """numpy.real_if_close, differentiable."""
    a = operand(a)
    if dtype_of(a).kind != "c":
        return a
    im = host_value(lax.imag(a))
    if np.all(np.abs(im) < tol * np.finfo(im.dtype).eps):
        return lax.real(a)
    return a


left_shift = _binary(lax.shift_left, "left_shift")
right_shift = _binary(lax.shift_right, "right_shift")


def signbit(x: ArrayLike) -> Array:
    """numpy.signbit: whether the sign bit is set (True for -0.0 and negative NaNs).

    >>> import funcgrad.numpy as fnp
    >>> fnp.signbit(fnp.array([-0.0, 0.0, -2.0]))
    Array([ True, False,  True], dtype=bool)
    """
    return lax.signbit(operand(x))


def copysign(x1: ArrayLike, x2: ArrayLike) -> Array:
    """numpy.copysign: |x1| with the sign of x2; differentiable in x1.

    >>> import funcgrad.numpy as fnp
    >>> fnp.copysign(2.0, fnp.array([-1.0, 0.0]))
    Array([-2.,  2.], dtype=float64)
    """
    x1, x2 = operand(x1), operand(x2)
    dt = ufunc_dtype(np.copysign, x1, x2)
    x1, x2 = cast(x1, dt), cast(x2, dt)
    m = lax.abs(x1)
    return lax.select(lax.signbit(x2), lax.neg(m), m)


def heaviside(x1: ArrayLike, x2: ArrayLike) -> Array:
    """numpy.heaviside: 0 for x1 < 0, x2 at x1 == 0, 1 for x1 > 0 (NaN stays NaN).

    >>> import funcgrad.numpy as fnp
    >>> fnp.heaviside(fnp.array([-1.0, 0.0, 2.0]), 0.5)
    Array([0. , 0.5, 1. ], dtype=float64)
    """
    x1, x2 = operand(x1), operand(x2)
    dt = ufunc_dtype(np.heaviside, x1, x2)
    x1, x2 = cast(x1, dt), cast(x2, dt)
    x2 = broadcast_to(x2, np.broadcast_shapes(shape_of(x1), shape_of(x2)))
    out = lax.select(lax.lt(x1, 0), 0.0, lax.select(lax.gt(x1, 0), 1.0, x2))
    return lax.select(isnan(x1), x1, out) if dt.kind in "fc" else out


def trunc(x: ArrayLike) -> Array:
    """numpy.trunc: round toward zero (derivative 0).

    >>> import funcgrad.numpy as fnp
    >>> fnp.trunc(fnp.array([-1.5, 1.5]))
    Array([-1.,  1.], dtype=float64)
    """
    x = operand(x)
    dt = ufunc_dtype(np.trunc, x)
    x = cast(x, dt)
    if dt.kind in "iub":
        return x
    return lax.select(lax.lt(x, 0), lax.ceil(x), lax.floor(x))


fix = trunc


class _NumpyFirst:
    """What trace.eager_binary reads of a primitive (impl, impl_checks_input), for a numpy
    function that funcgrad composes of several primitives: outside any trace, on host operands,
    numpy's own ufunc computes it in one call (the values the composition gives too, and
    numpy's warnings: an integer divided by zero)."""
    impl_checks_input = True

    def __init__(self, ufunc: Any):
        self.impl = ufunc


def _numpy_first(ufunc: Any, general: Callable[..., Any]) -> Callable[..., Any]:
    """`general` under the name of numpy's `ufunc`, with that ufunc as its eager fast path (see
    _NumpyFirst); the operators (x % y) take the same path (numpy/_methods.py reads
    `primitive`)."""
    general.__name__ = general.__qualname__ = ufunc.__name__
    first = _NumpyFirst(ufunc)
    fast = eager_binary(first, general)
    fast.primitive = first
    return fast


def _divisor(x2: Any) -> Any:
    """An integer divisor with its zeros made 1: numpy's integer remainder and fmod by zero
    are 0 (rem(x, 1)); lax.rem's, as XLA's, would leave x."""
    return lax.select(lax.eq(x2, 0), 1, x2)


def _fmod(x: ArrayLike, y: ArrayLike) -> Array:
    """numpy.fmod: C's remainder, with the sign of the dividend (numpy.remainder has the
    divisor's): lax.rem. Its derivative is 1 in x and -trunc(x / y) in y.

    >>> import funcgrad.numpy as fnp
    >>> fnp.fmod(fnp.array([-3.0, 3.0]), 2.0)
    Array([-1.,  1.], dtype=float64)
    """
    x, y = operand(x), operand(y)
    dt = ufunc_dtype(np.fmod, x, y)
    x, y = cast(x, dt), cast(y, dt)
    return lax.rem(x, _divisor(y) if dt.kind in "iu" else y)


def divisor_signed(r: ArrayLike, y: ArrayLike) -> Array:
    """r = lax.rem(x, y) (the dividend's sign) moved to the divisor's: r + y where r is
    nonzero and its sign is not y's (a zero stays as it is: numpy's remainder gives it the
    divisor's sign, PyTorch's keeps fmod's).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.numpy._ufuncs import divisor_signed
    >>> divisor_signed(fnp.array([-1.0, 1.0, -0.0]), fnp.array([3.0, 3.0, 3.0]))
    Array([ 2.,  1., -0.], dtype=float64)
    """
    return lax.select(lax.bitwise_and(lax.ne(r, 0), lax.ne(lax.lt(r, 0), lax.lt(y, 0))),
                      lax.add(r, y), r)


def _remainder(x: ArrayLike, y: ArrayLike) -> Array:
    """numpy.remainder (numpy.mod, Python's %): the remainder of floor division, with the sign
    of the divisor (fmod and lax.rem have the dividend's). A zero result is +0.0 or -0.0 with
    the divisor's sign; an integer divided by zero gives 0 (numpy warns). Its derivative is 1
    in x and -floor(x / y) in y.

    >>> import funcgrad.numpy as fnp
    >>> fnp.remainder(fnp.array([-7.0, 7.0]), fnp.array([3.0, -3.0]))
    Array([ 2., -2.], dtype=float64)
    >>> fnp.remainder(fnp.array([-7, 7]), 3)
    Array([2, 1], dtype=int64)
    """
    x, y = operand(x), operand(y)
    dt = ufunc_dtype(np.remainder, x, y)
    x, y = cast(x, dt), cast(y, dt)
    if dt.kind in "iu":
        y = _divisor(y)
    r = lax.rem(x, y)  # the dividend's sign
    if dt.kind == "u":
        return r
    out = divisor_signed(r, y)
    if dt.kind == "i":
        return out
    # numpy's zero has the divisor's sign: a signed zero, less 0 * r's tangent (stop_gradient(r)
    # - r is +0.0, and z - +0.0 keeps z's sign), so that the derivative there is r's, as JAX's
    signed_zero = lax.select(lax.signbit(y), dt.type(-0.0), dt.type(0.0))
    zero = lax.sub(signed_zero, lax.sub(stop_gradient(r), r))
    return lax.select(lax.ne(r, 0), out, zero)


fmod = _numpy_first(np.fmod, _fmod)
remainder = mod = _numpy_first(np.remainder, _remainder)


def modf(x: ArrayLike) -> tuple[Array, Array]:
    """numpy.modf: (fractional part, integral part), both with x's sign.

    >>> import funcgrad.numpy as fnp
    >>> fnp.modf(fnp.array([-1.5, 2.25]))
    (Array([-0.5 ,  0.25], dtype=float64), Array([-1.,  2.], dtype=float64))
    """
    x = operand(x)
    x = cast(x, ufunc_dtype(np.modf, x))
    whole = trunc(x)
    finite = lax.select(lax.bitwise_and(lax.bitwise_not(lax.is_finite(x)), lax.eq(x, x)), 0.0, x)
    frac = lax.sub(finite, trunc(finite))
    return copysign(frac, x), whole


def divmod(x1: ArrayLike, x2: ArrayLike) -> tuple[Array, Array]:
    """numpy.divmod: (floor_divide(x1, x2), remainder(x1, x2)).

    >>> import funcgrad.numpy as fnp
    >>> fnp.divmod(fnp.array([-7, 7]), 3)
    (Array([-3,  2], dtype=int64), Array([2, 1], dtype=int64))
    """
    x1, x2 = operand(x1), operand(x2)
    return floor_divide(x1, x2), remainder(x1, x2)


cbrt = _unary(lax.cbrt, "cbrt")
cbrt.__doc__ = """numpy.cbrt: the real cube root (negative for negative x); its derivative is
+inf at 0, as JAX's.

    >>> import funcgrad.numpy as fnp
    >>> fnp.cbrt(fnp.array([-8.0, 27.0]))
    Array([-2.,  3.], dtype=float64)
    """


def float_power(x1: ArrayLike, x2: ArrayLike) -> Array:
    """numpy.float_power: x1 ** x2 computed in float64 (or complex128).

    >>> import funcgrad.numpy as fnp
    >>> fnp.float_power(fnp.array([2, 3]), 2)
    Array([4., 9.], dtype=float64)
    """
    x1, x2 = operand(x1), operand(x2)
    dt = ufunc_dtype(np.float_power, x1, x2)
    return lax.pow(cast(x1, dt), cast(x2, dt))
