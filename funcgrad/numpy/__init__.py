"""funcgrad.numpy: numpy's API over funcgrad's primitives, differentiable and traceable.

>>> import funcgrad as fg, funcgrad.numpy as fnp
>>> fg.grad(lambda x: fnp.sum(fnp.sin(x)))(fnp.zeros(2))
Array([1., 1.], dtype=float64)

The modules are grouped as numpy's reference groups its routines, and each imports only the ones
listed before it: _core (operands, asarray), _manipulation, _ufuncs (elementwise), _reductions,
_indexing, _creation, _products, _sorting_searching, _functional, _sets, _math, _polynomial, _statistics, _logic,
_dtypes, then _methods (operators and methods of arrays), linalg and fft.
"""
from numpy import (complexfloating, dtype, e, floating, generic, inexact, inf, integer, nan,
                   newaxis, number, pi, signedinteger, unsignedinteger)

from .._core.array import Array as ndarray
from . import _methods  # noqa: F401  (attaches operators and methods to arrays and tracers)
from . import fft, linalg  # noqa: E402  (fnp.fft.fft, fnp.linalg.inv, ...)
from . import _scalar_types
from ._core import array, asarray
from ._creation import (arange, diag, empty, empty_like, eye, full, full_like, identity, linspace,
                        logspace, make_diagonal, meshgrid, ones, ones_like, tri, tril, triu, zeros,
                        zeros_like)
from ._dtypes import astype, can_cast, finfo, iinfo, issubdtype, promote_types, result_type
from ._indexing import c_, diagonal, indices, r_, select, take, take_along_axis
from ._logic import (allclose, array_equal, array_equiv, iscomplex, iscomplexobj, isclose,
                     isreal, isrealobj)
from ._manipulation import (append, array_split, atleast_1d, atleast_2d, atleast_3d,
                            broadcast_arrays, broadcast_to, column_stack, concatenate, dsplit,
                            dstack, expand_dims, flip, fliplr, flipud, hsplit, hstack, moveaxis,
                            ndim, pad, ravel, repeat, reshape, roll, rollaxis, rot90, row_stack,
                            shape, size, split, squeeze, stack, swapaxes, tile, transpose, vsplit,
                            vstack)
from ._math import convolve, correlate, cumprod, cumsum, diff, gradient, interp, trapezoid
from ._polynomial import polyadd, polymul, polyval
from ._products import cross, dot, einsum, inner, kron, matmul, outer, tensordot, trace, vdot
from ._products import einsum_path  # noqa: F401
from ._creation import geomspace  # noqa: F401
from ._reductions import (all, amax, amin, any, argmax, argmin, max, mean, min, nanargmax,
                          nanargmin, nanmax, nanmean, nanmin, nanprod, nanstd, nansum, nanvar,
                          prod, std, sum, var)
from ._functional import piecewise
from ._scalar_types import (bool_, cdouble, complex64, complex128, complex_, csingle, double,
                            float16, float32, float64, float_, int8, int16, int32, int64, int_,
                            single, uint, uint8, uint16, uint32, uint64)
from ._sets import unique
from ._sorting_searching import (argsort, argwhere, count_nonzero, flatnonzero, msort, nonzero,
                                 partition, searchsorted, sort, where)
from ._statistics import (average, corrcoef, cov, median, nanmedian, nanpercentile,
                          nanquantile, percentile, ptp, quantile)
from ._ufuncs import (abs, absolute, add, angle, arccos, arccosh, arcsin, arcsinh, arctan,
                      arctan2, arctanh, around, bitwise_and, bitwise_not, bitwise_or, bitwise_xor,
                      cbrt, ceil, clip, conj, conjugate, copysign, cos, cosh, deg2rad, degrees,
                      divide, divmod, equal, exp, exp2, expm1, fabs, fix, float_power, floor,
                      floor_divide, fmax, fmin, fmod, greater, greater_equal, heaviside, hypot,
                      imag, invert, isfinite, isinf, isnan, left_shift, less, less_equal, log,
                      log1p, log2, log10, logaddexp, logaddexp2, logical_and, logical_not,
                      logical_or, logical_xor, maximum, minimum, mod, modf, multiply, nan_to_num,
                      negative, not_equal, positive, power, rad2deg, radians, real, real_if_close,
                      reciprocal, remainder, right_shift, rint, round, sign, signbit, sin, sinc,
                      sinh, sqrt, square, subtract, tan, tanh, true_divide, trunc)

bool = bool_
if _scalar_types.HAS_BFLOAT16:  # where ml_dtypes is installed
    bfloat16 = _scalar_types.bfloat16
