"""funcgrad.numpy: numpy's API over funcgrad's primitives, differentiable and traceable.

>>> import funcgrad as fg, funcgrad.numpy as fnp
>>> fg.grad(lambda x: fnp.sum(fnp.sin(x)))(fnp.zeros(2))
Array([1., 1.], dtype=float64)
"""
from numpy import (bool_, complex64, complex128, dtype, e, float16, float32, float64, inf, int8,
                   int16, int32, int64, nan, newaxis, pi, uint8, uint16, uint32, uint64)

from .._core.array import Array as ndarray
from . import _methods  # noqa: F401  (attaches operators and methods to arrays and tracers)
from ._core import array, asarray
from ._creation import (arange, empty, empty_like, eye, full, full_like, identity, linspace, ones,
                        ones_like, zeros, zeros_like)
from ._manipulation import (broadcast_to, concatenate, expand_dims, moveaxis, ndim, nonzero,
                            ravel, reshape, shape, size, split, squeeze, stack, swapaxes,
                            transpose)
from ._matrix import (argsort, c_, cross, cumprod, cumsum, diag, diagonal, diff, gradient, kron,
                      make_diagonal, msort, partition, r_, sort, take_along_axis, trace, tri,
                      tril, triu)
from ._more_shape import (append, array_split, astype, atleast_1d, atleast_2d, atleast_3d,
                          column_stack, dsplit, dstack, flip, fliplr, flipud, hsplit, hstack, pad,
                          repeat, roll, rollaxis, rot90, row_stack, tile, vsplit, vstack)
from ._products import dot, einsum, inner, matmul, outer, tensordot, vdot
from ._reductions import (all, amax, amin, any, argmax, argmin, max, mean, min, prod, std, sum,
                          var)
from ._ufuncs import (angle, arccosh, arcsinh, arctanh, conj, conjugate, deg2rad, degrees, fabs,
                      fmax, fmin, hypot, imag, left_shift, logaddexp, logaddexp2, nan_to_num,
                      rad2deg, right_shift,
                      radians, real, real_if_close, select, sinc)
from ._ufuncs import (abs, absolute, add, arccos, arcsin, arctan, arctan2, around, bitwise_and,
                      bitwise_not, bitwise_or, bitwise_xor, ceil, clip, cos, cosh, divide, equal,
                      exp, exp2, expm1, floor, floor_divide, greater, greater_equal, invert,
                      isfinite, isinf, isnan, less, less_equal, log, log1p, log2, log10,
                      logical_and, logical_not, logical_or, logical_xor, maximum, minimum, mod,
                      multiply, negative, not_equal, positive, power, reciprocal, remainder, rint,
                      round, sign, sin, sinh, sqrt, square, subtract, tan, tanh, true_divide,
                      where)
from ._breadth import (allclose, argwhere, array_equal, array_equiv, average, broadcast_arrays,
                       can_cast, cbrt, convolve, copysign, corrcoef, correlate, count_nonzero, cov,
                       divmod, finfo, fix, flatnonzero, float_power, fmod, heaviside, iinfo,
                       indices, interp, isclose, iscomplex, iscomplexobj, isreal, isrealobj,
                       issubdtype, logspace, median, meshgrid, modf, nanargmax, nanargmin, nanmax,
                       nanmean, nanmedian, nanmin, nanpercentile, nanprod,
                       nanquantile, nanstd, nansum, nanvar, percentile, polyadd,
                       polymul, polyval, promote_types, ptp, quantile, result_type, searchsorted,
                       signbit, take, trapezoid, trunc, unique)
from . import fft, linalg  # noqa: E402  (fnp.fft.fft, fnp.linalg.inv, ...)

bool = bool_
