"""Products: mm, mv, dot, bmm, matmul, addmm, outer, einsum, with PyTorch's checks and errors.
Each is one funcgrad dot_general (or funcgrad.numpy's einsum/matmul over it)."""
from __future__ import annotations

import numpy as np

from .. import lax
from .. import numpy as fnp
from . import _dtypes as D
from ..lax.linalg import dot_general_p as _DOT_GENERAL
from ._dispatch import apply_op, needs_record, record_primitive
from ._dispatch import size_mismatch
from ._ops import _eager, _storage, _wrap, mul

_MM = (((1,), (0,)), ((), ()))


def _dtname(d):
    """The C type name PyTorch's product errors use (float, double, long int, ...)."""
    return D.c_name(d)


def _same_dtype(a, b):
    if a._dtype is not b._dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_dtname(a._dtype)} != {_dtname(b._dtype)}")


def _mm(x, y):
    return lax.dot_general(x, y, _MM)


def mm(input, mat2):
    if input.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if input.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({input.shape[0]}x"
                           f"{input.shape[1]} and {mat2.shape[0]}x{mat2.shape[1]})")
    _same_dtype(input, mat2)
    x, y = _storage(input), _storage(mat2)
    if x is not None and y is not None:
        r = np.dot(x, y)
        if not needs_record((input, mat2)):
            return _wrap(r)
        return record_primitive("MmBackward0", _DOT_GENERAL, {"dimension_numbers": _MM},
                                [input, mat2], r, saves="cross")
    return apply_op("MmBackward0", _mm, [input, mat2], saves="cross")


def mv(input, vec):
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input.ndim}, {vec.ndim}")
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({input.shape[0]}), mat "
                           f"({input.shape[0]}x{input.shape[1]}), vec ({vec.shape[0]})")
    _same_dtype(input, vec)
    return apply_op("MvBackward0", _mm, [input, vec], saves="cross")


def dot(input, other):
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D "
                           "tensors")
    if input._dtype is not other._dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{D.type_name(input._dtype)} and {D.type_name(other._dtype)}")
    if input.shape[0] != other.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
                           f"[{other.shape[0]}] to have the same number of elements, but got "
                           f"{input.shape[0]} and {other.shape[0]} elements respectively")
    return apply_op("DotBackward0", lambda x, y: lax.dot_general(x, y, (((0,), (0,)), ((), ()))),
                    [input, other], saves="cross")


def vdot(input, other):
    if input._dtype.is_complex:
        return apply_op("VdotBackward0", fnp.vdot, [input, other], saves="cross")
    return dot(input, other)


def inner(input, other):
    if input.ndim == 0 or other.ndim == 0:
        return mul(input, other)
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got "
                           f"shapes {list(input.shape)} and {list(other.shape)}")
    return apply_op("InnerBackward0", lambda x, y: fnp.inner(x, y), [input, other], saves="cross")


def bmm(input, mat2):
    if input.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    b, n, m = input.shape
    if tuple(mat2.shape[:2]) != (b, m):
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{b}, {m}] but got: [{mat2.shape[0]}, {mat2.shape[1]}].")
    _same_dtype(input, mat2)
    return apply_op("BmmBackward0", lambda x, y: lax.dot_general(x, y, (((2,), (1,)), ((0,), (0,)))),
                    [input, mat2], saves="cross")


def _matmul_name(a, b):
    """The grad_fn PyTorch's matmul ends with (it composes mm, mv, bmm and views)."""
    if a == b == 1:
        return "DotBackward0"
    if a == 2 and b == 1:
        return "MvBackward0"
    if a == 2 and b == 2:
        return "MmBackward0"
    if a == 1 and b == 2:
        return "SqueezeBackward4"
    if a == 2:
        return "CloneBackward0"
    return "UnsafeViewBackward0"


def _mat_str(shape):
    if len(shape) == 1:
        return f"1x{shape[0]}"
    rows = 1
    for d in shape[:-1]:
        rows *= d
    return f"{rows}x{shape[-1]}"


def matmul(input, other, *, out=None):
    a, b = input.ndim, other.ndim
    if a == 0 or b == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{a}D and {b}D")
    if a == b == 1:
        return dot(input, other)
    if a <= 2 and b <= 2:
        if input.shape[-1] != other.shape[0]:
            if a == 2 and b == 1:
                raise RuntimeError(f"size mismatch, got input ({input.shape[0]}), mat "
                                   f"({input.shape[0]}x{input.shape[1]}), vec ({other.shape[0]})")
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                               f"({_mat_str(input.shape)} and {_mat_str(other.shape)})")
        if a == 2 and b == 2:
            return mm(input, other)
    inner_b = other.shape[0] if b == 1 else other.shape[-2]
    if input.shape[-1] != inner_b:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_mat_str(input.shape)} "
                           f"and {_mat_str(other.shape)})")
    if a > 2 and b > 2:
        try:
            np.broadcast_shapes(tuple(input.shape[:-2]), tuple(other.shape[:-2]))
        except ValueError:
            raise RuntimeError(size_mismatch(tuple(input.shape[:-2]),
                                              tuple(other.shape[:-2]))) from None
    _same_dtype(input, other)
    x, y = _eager(input), _eager(other)
    if x is not None and y is not None:
        return _wrap(np.matmul(x, y))
    return apply_op(_matmul_name(a, b), fnp.matmul, [input, other], saves="cross")


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    if mat1.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError("mat1 must be a matrix, got " + f"{mat1.ndim}-D tensor" if
                           mat1.ndim != 2 else f"mat2 must be a matrix, got {mat2.ndim}-D tensor")
    if mat1.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({mat1.shape[0]}x"
                           f"{mat1.shape[1]} and {mat2.shape[0]}x{mat2.shape[1]})")
    _same_dtype(mat1, mat2)
    shape = (mat1.shape[0], mat2.shape[1])
    try:
        np.broadcast_to(np.empty(tuple(input.shape), np.int8), shape)
    except ValueError:
        raise RuntimeError(f"The expanded size of the tensor ({shape[-1]}) must match the existing "
                           f"size ({input.shape[-1]}) at non-singleton dimension "
                           f"{input.ndim - 1}.  Target sizes: {list(shape)}.  Tensor sizes: "
                           f"{list(input.shape)}") from None

    def fn(c, x, y):
        p = _mm(x, y)
        if alpha != 1:
            p = p * alpha
        return fnp.broadcast_to(c if beta == 1 else c * beta, shape) + p
    return apply_op("AddmmBackward0", fn, [input, mat1, mat2], saves=(1, 2))


def addmv(input, mat, vec, *, beta=1, alpha=1):
    return apply_op("AddmvBackward0", lambda c, x, y: c * beta + _mm(x, y) * alpha,
                    [input, mat, vec], saves=(1, 2))


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    return apply_op("BaddbmmBackward0", lambda c, x, y: c * beta + alpha * lax.dot_general(
        x, y, (((2,), (1,)), ((0,), (0,)))), [input, batch1, batch2], saves=(1, 2))


def outer(input, vec2):
    for name, v in (("self", input), ("vec2", vec2)):
        if v.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {v.ndim}-D")
    return mul(input.reshape(-1, 1), vec2)


ger = outer


def einsum(equation, *operands):
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    try:
        np.einsum(equation, *[np.empty(tuple(o.shape), np.int8) for o in operands])
    except ValueError as e:
        raise RuntimeError(f"einsum(): {e}") from None
    return apply_op("EinsumBackward0", lambda *xs: fnp.einsum(equation, *xs), list(operands),
                    saves=True)


def _tensordot_dims(a, b, dims):
    """The contracted dimensions of a and b, with PyTorch's checks and errors."""
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > a.ndim or dims > b.ndim:
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
        shown_a = [d - a.ndim for d in da]
    else:
        da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
        if len(da) != len(db):
            raise RuntimeError("both dimension lists should have same length")
        shown_a = da
    for i, (x, y) in enumerate(zip(da, db)):
        if a.shape[x] != b.shape[y]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size "
                               f"{a.shape[x]} in dim {shown_a[i]} and second has size "
                               f"{b.shape[y]} in dim {y}")


def tensordot(a, b, dims=2):
    _tensordot_dims(a, b, dims)
    return apply_op("TensordotBackward0", lambda x, y: fnp.tensordot(x, y, dims), [a, b])


def kron(input, other):
    return apply_op("KronBackward0", lambda x, y: fnp.kron(x, y), [input, other])
