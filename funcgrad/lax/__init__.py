"""funcgrad.lax: the primitives as functions (JAX's lax names), for code that wants exact control
over the operations a jaxpr contains."""
from .autodiff import stop_gradient
from .conv import (ConvDimensionNumbers, Precision, conv, conv_dimension_numbers,
                   conv_general_dilated, conv_transpose, conv_with_general_padding)
from .control import cond, fori_loop, map, scan, switch, while_loop
from .elementwise import (abs, acos, acosh, add, asinh, atanh, conj, imag, real, asin, atan, atan2, bitwise_and, bitwise_not, bitwise_or,
                          cbrt, logaddexp, logaddexp2,
                          bitwise_xor, ceil, convert_element_type, cos, cosh, div, eq, exp, expm1,
                          floor, floor_divide, ge, gt, integer_pow, is_finite, le, log, log1p,
                          logistic, lt, maximum, minimum, mul, ne, neg, pow, rem, round, rsqrt,
                          select, shift_left, shift_right, sign, signbit, sin, sinh, sqrt, sub, tan,
                          tanh)
from .indexing import (GatherScatterMode, dynamic_slice, dynamic_update_slice, gather, index,
                       index_update, scatter,
                       scatter_add, scatter_max, scatter_min, scatter_mul)
from .linalg import dot_general
from .random_bits import erf_inv, nextafter
from .parallel import (all_gather, all_to_all, axis_index, axis_size, pmax, pmean, pmin,
                       ppermute, pshuffle, psum, psum_scatter)
from . import fft, linalg_ops  # noqa: F401  (lax.fft.fft, lax.linalg_ops.cholesky, ...)
from . import linalg_general  # noqa: F401  (lax.linalg_general.eig, .expm)
from . import linalg_schur  # noqa: F401  (lax.linalg_schur.schur, .sqrtm, .logm)
from .reduce import (argmax, argmin, argsort, cumsum, reduce_max, reduce_min, reduce_prod,
                     reduce_sum)
from .reduce import cumlogsumexp, cummax, cummin, cumprod
from .elementwise import RoundingMethod
from .sorting import sort, sort_key_val, top_k
from .composed import (broadcast, broadcasted_iota, clamp, collapse, dot, exp2, iota, reciprocal,
                       square)
from .composed import (dynamic_index_in_dim, dynamic_slice_in_dim, dynamic_update_slice_in_dim,
                       full_like, index_in_dim, select_n, slice_in_dim)
from .composed import clz, population_count
from .composed import dot_general  # noqa: F811 (the primitive's, with JAX's options)
from .special import (bessel_i0e, bessel_i1e, digamma, erf, erfc, igamma, igamma_grad_a, igammac,
                      lgamma, zeta)
from .shape import (broadcast_in_dim, concatenate, expand_dims, full, pad, reshape, rev, slice,
                    squeeze, transpose)

from .same_dtypes import same_dtypes as _same_dtypes  # noqa: E402

# JAX's lax refuses operands of different dtypes (see same_dtypes.py)
for _name in ("add", "sub", "mul", "div", "rem", "maximum", "minimum", "atan2", "eq", "ne", "lt",
              "le", "gt", "ge", "bitwise_and", "bitwise_or", "bitwise_xor", "shift_left",
              "shift_right"):
    globals()[_name] = _same_dtypes(globals()[_name], _name)
del _name
max, min = maximum, minimum  # JAX's lax names them so (the same-dtype checked functions)

__all__ = [n for n in dir() if not n.startswith("_")]

# The operations the transform machinery (funcgrad.interpreters, below lax) applies to values
# itself: see funcgrad/_core/structural.py.
from .._core import structural as _structural  # noqa: E402
from ._batching import to_front as _to_front  # noqa: E402
from .shape import zeros_like_aval as _zeros_like_aval  # noqa: E402

_structural.install(broadcast_in_dim=broadcast_in_dim, convert_element_type=convert_element_type,
                    real=real, reduce_sum=reduce_sum, reshape=reshape, transpose=transpose,
                    pad=pad, zeros_like_aval=_zeros_like_aval, to_front=_to_front)
