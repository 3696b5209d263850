"""torch.linalg: each function is one recorded operation computed by funcgrad.numpy.linalg (whose
primitives carry the derivatives), named as PyTorch names its grad_fn."""
from __future__ import annotations

import numpy as np

from .. import numpy as fnp
from ..numpy import linalg as _la
from ._dispatch import apply_op
from ._factories import _t
from ._reductions import _return_type, norm as _norm
from ._storage import wrap_dim
from ._tensor import _host_result, concrete

__all__ = ["inv", "solve", "det", "slogdet", "eigh", "eigvalsh", "svd", "svdvals", "qr",
           "cholesky", "lstsq", "pinv", "matrix_rank", "norm", "vector_norm", "matrix_norm",
           "matrix_power", "multi_dot", "cond", "cross", "LinAlgError"]


class LinAlgError(RuntimeError):
    """torch.linalg.LinAlgError: a matrix the factorization needs invertible (or positive
    definite) is not; a RuntimeError, as PyTorch's.

    >>> import funcgrad.torch as torch
    >>> try:
    ...     torch.linalg.inv(torch.zeros(2, 2))
    ... except torch.linalg.LinAlgError as e:
    ...     print(str(e).split(",")[0])
    linalg.inv: The diagonal element of U is zero
    """


# PyTorch's message when numpy's LAPACK call finds the matrix singular (or not positive definite)
_LINALG_FAILURES = {
    "inv": "linalg.inv: The diagonal element of U is zero, so the inversion could not be completed "
           "because the input matrix is singular.",
    "solve": "torch.linalg.solve: The solver failed because the input matrix is singular.",
    "cholesky": "linalg.cholesky: The factorization could not be completed because the input is "
                "not positive-definite (numpy's LAPACK does not say which leading minor).",
}


def _lapack(name, fn):
    """fn (a funcgrad.numpy.linalg function) raising torch.linalg.LinAlgError where numpy's
    LinAlgError says the matrix is singular or not positive definite."""
    def call(*args):
        try:
            return fn(*args)
        except np.linalg.LinAlgError:
            raise LinAlgError(_LINALG_FAILURES[name]) from None
    return call

_Slogdet = _return_type("linalg_slogdet", ("sign", "logabsdet"))
_Eigh = _return_type("linalg_eigh", ("eigenvalues", "eigenvectors"))
_Svd = _return_type("linalg_svd", ("U", "S", "Vh"))
_Qr = _return_type("linalg_qr", ("Q", "R"))
_Lstsq = _return_type("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))


def _check_square(name, a):
    if a.ndim < 2:
        raise RuntimeError(f"linalg.{name}: The input tensor A must have at least 2 dimensions.")
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"linalg.{name}: A must be batches of square matrices, but they are "
                           f"{a.shape[-2]} by {a.shape[-1]} matrices")


def _check_float(name, a):
    if not (a.dtype.is_floating_point or a.dtype.is_complex):
        raise RuntimeError(f"linalg.{name}: Expected a floating point or complex tensor as input."
                           f" Got {repr(a.dtype).split('.')[-1].capitalize()}")


def inv(A):
    _check_float("inv", A)
    _check_square("inv", A)
    return apply_op("LinalgInvExBackward0", _lapack("inv", _la.inv), [A], saves_out=True)


def solve(A, B, *, left=True):
    _check_square("solve", A)
    n = A.shape[-1]
    vector = B.ndim == 1 or tuple(B.shape) == tuple(A.shape[:-1])
    rows, cols = (B.shape[-1], 1) if vector else (B.shape[-2], B.shape[-1])
    if rows != n:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                           f"({n}x{n} and {rows}x{cols})")
    solve_ = _lapack("solve", _la.solve)
    if vector and B.ndim > 1:  # a batch of vectors (numpy would read B as one matrix)
        return apply_op("LinalgSolveExBackward0",
                        lambda a, b: solve_(a, fnp.expand_dims(b, -1))[..., 0], [A, B])
    return apply_op("LinalgSolveExBackward0", solve_, [A, B])


def det(A):
    _check_square("det", A)
    return apply_op("LinalgDetBackward0", _la.det, [A])


def slogdet(A):
    _check_square("slogdet", A)
    sign, logabs = apply_op("LinalgSlogdetBackward0", lambda a: tuple(_la.slogdet(a)), [A])
    return _Slogdet(sign, logabs)


def eigh(A, UPLO="L"):
    _check_square("eigh", A)
    w, v = apply_op("LinalgEighBackward0", lambda a: tuple(_la.eigh(a, UPLO)), [A])
    return _Eigh(w, v)


def eigvalsh(A, UPLO="L"):
    _check_square("eigvalsh", A)
    return apply_op("LinalgEighBackward0", lambda a: _la.eigvalsh(a, UPLO), [A])


def svd(A, full_matrices=True):
    u, s, vh = apply_op("LinalgSvdBackward0",
                        lambda a: tuple(_la.svd(a, full_matrices=full_matrices)), [A])
    return _Svd(u, s, vh)


def svdvals(A):
    return apply_op("LinalgSvdBackward0", _la.svdvals, [A])


def qr(A, mode="reduced"):
    q, r = apply_op("LinalgQrBackward0", lambda a: tuple(_la.qr(a, mode)), [A])
    return _Qr(q, r)


def cholesky(A, *, upper=False):
    _check_square("cholesky", A)
    factor = _lapack("cholesky", lambda a: _la.cholesky(a, upper=upper))
    return apply_op("LinalgCholeskyExBackward0", factor, [A])


def lstsq(A, B, rcond=None, *, driver=None):
    x = apply_op("LinalgLstsqBackward0", lambda a, b: _la.lstsq(a, b, rcond)[0], [A, B])
    empty = _host_result(np.zeros((0,), A.dtype.np), A)
    return _Lstsq(x, empty, _host_result(np.zeros((), np.int64), A), empty)


def pinv(A, *, atol=None, rtol=None, hermitian=False):
    return apply_op("LinalgPinvBackward0", lambda a: _la.pinv(a, hermitian=hermitian), [A])


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False):
    return _host_result(np.asarray(np.linalg.matrix_rank(concrete(A), hermitian=hermitian),
                                   np.int64), A)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    return _norm(x if dtype is None else x.to(dtype), p=ord, dim=dim, keepdim=keepdim)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    if ord == "fro":
        return vector_norm(A, 2, dim, keepdim, dtype=dtype)
    return apply_op("LinalgMatrixNormBackward0", lambda a: _la.matrix_norm(
        a, keepdims=keepdim, ord=ord), [A])


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    if ord is None or (ord == "fro" and dim is None):
        return vector_norm(A, 2, dim, keepdim, dtype=dtype)
    if isinstance(dim, (tuple, list)) and len(dim) == 2 or (dim is None and A.ndim == 2):
        return matrix_norm(A, ord, (-2, -1) if dim is None else dim, keepdim, dtype=dtype)
    return vector_norm(A, ord, dim, keepdim, dtype=dtype)


def matrix_power(A, n):
    return apply_op("LinalgMatrixPowerBackward0", lambda a: _la.matrix_power(a, n), [A])


def multi_dot(tensors):
    return apply_op("ViewBackward0", lambda *xs: _la.multi_dot(list(xs)), list(tensors))


def cond(A, p=None):
    return apply_op("LinalgCondBackward0", lambda a: _la.cond(a, p), [A])


def cross(input, other, *, dim=-1):
    d = wrap_dim(dim, input.ndim)
    if input.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{input.shape[d]} and {other.shape[d] if other.ndim > d else '?'}")

    def fn(a, b):
        a, b = fnp.moveaxis(a, d, -1), fnp.moveaxis(b, d, -1)
        c = fnp.stack([a[..., 1] * b[..., 2] - a[..., 2] * b[..., 1],
                       a[..., 2] * b[..., 0] - a[..., 0] * b[..., 2],
                       a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]], axis=-1)
        return fnp.moveaxis(c, -1, d)
    return apply_op("LinalgCrossBackward0", fn, [_t(input), _t(other)])
