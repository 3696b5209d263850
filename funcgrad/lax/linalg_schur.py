"""The Schur decomposition and the matrix functions computed from it: schur, sqrtm, logm and
Parlett's recurrence (funm). The numpy kernels are in _schur_kernels.py (LAPACK gees's steps
and Higham's algorithms; no LAPACK Schur routine is called: numpy.linalg has none). Each
primitive works on (..., n, n) stacks, one matrix at a time on the host, in float64/complex128
and cast back.

Derivatives:
- sqrtm, logm: the Frechet derivative L_f(A, E) is the upper-right block of f([[A, E], [0, A]])
  (linalg_general.block_frechet), so the rules are the primitives themselves and higher
  derivatives come free; the vjp is L_f(A^T, G) (the real part for a real A: the results are
  complex, and a vjp is the transpose for the pairing Re(sum(a * b)), JAX's convention).
- schur and parlett have no rule here (as JAX's lax.linalg.schur): funcgrad.scipy.linalg's
  schur and funm carry theirs (custom_jvp rules written with funcgrad.numpy operations).
"""
from __future__ import annotations

import numpy as np

from .._core.array import Array
from .._core.avals import ShapedArray
from .._core.backend import asarray, on_host
from .._core.primitive import NO_ALGEBRA, PURE, RULE_FIRST, Primitive, defvjp
from .._core.trace import get_aval
from .._core.typing import ArrayLike
from . import _schur_kernels as K
from ._batching import batch_size, to_front
from .elementwise import real
from .linalg_general import _complex_dtype, block_frechet
from .linalg_ops import _check_matrix, _linalg_error, _matrix_prim, mT


def _per_matrix(x, one, out_dtypes):
    """[stack of one(m)[k] for each matrix m of x (..., n, n)], each cast to out_dtypes[k]."""
    lead, shape = x.shape[:-2], x.shape[-2:]
    flat = x.reshape((int(np.prod(lead, dtype=np.int64)),) + shape)
    outs = [one(m) for m in flat]
    return [np.stack([o[k] for o in outs]).reshape(x.shape).astype(dt) if outs
            else np.zeros(x.shape, dt) for k, dt in enumerate(out_dtypes)]


def _work(x):
    return x.astype(np.complex128)


# ---- schur --------------------------------------------------------------------------------------

def _schur_out_dtype(dtype, complex_output):
    return _complex_dtype(dtype) if complex_output else dtype


@on_host
def _schur_impl(x, *, complex_output):
    x = asarray(x)
    dt = _schur_out_dtype(x.dtype, complex_output)
    return _per_matrix(x, lambda m: K.schur_one(m, complex_output), (dt, dt))


schur_p = _matrix_prim(
    "schur", _schur_impl,
    lambda x, *, complex_output: [ShapedArray(x.shape, _schur_out_dtype(x.dtype, complex_output))
                                  ] * 2,
    fresh=True, multiple_results=True)


def _not_here(what, where):
    def rule(*args, **params):
        raise NotImplementedError(
            f"the lax primitive {what} has no derivative rule (as JAX's); differentiate "
            f"{where}, which carries one.")
    return rule


schur_p.jvp = _not_here("schur", "funcgrad.scipy.linalg.schur")
defvjp(schur_p, _not_here("schur", "funcgrad.scipy.linalg.schur"))


def schur(x: ArrayLike, *, complex_output: bool = False) -> tuple[Array, Array]:
    """(t, z) with x = z t z^H: t upper triangular (complex_output, or a complex x) or
    quasi-triangular with standardized 2x2 blocks for complex-conjugate pairs (real x), as
    LAPACK's gees; no derivative rule (see the module note)."""
    t, z = schur_p.bind(x, complex_output=bool(complex_output))
    return t, z


# ---- sqrtm and logm -----------------------------------------------------------------------------

def _triangular_function(kernel):
    def one(m):
        t, z = K.schur_one(m, True)
        # a matrix without a square root (logarithm) gets nan (inf) entries, quietly, as the
        # value that says so
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return (z @ kernel(t) @ z.conj().T,)

    @on_host
    def impl(x):
        x = asarray(x)
        return _per_matrix(_work(x), one, (_complex_dtype(x.dtype),))[0]
    return impl


def _function_prim(name, kernel):
    p = _matrix_prim(name, _triangular_function(kernel),
                     lambda x: ShapedArray(x.shape, _complex_dtype(x.dtype)), fresh=True)
    f = p.bind

    def jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        if t is None:
            return f(x), None
        return block_frechet(f, x, t)

    def vjp(ct, ans, x):
        g = block_frechet(f, mT(x), ct)[1]
        return g if get_aval(x).dtype.kind == "c" else real(g)
    p.jvp = jvp
    defvjp(p, vjp)
    return p


sqrtm_p = _function_prim("sqrtm", K.sqrt_triangular)
logm_p = _function_prim("logm", K.log_triangular)


def sqrtm(x: ArrayLike) -> Array:
    """The principal square root of x (..., n, n), complex, by the Bjorck-Hammarling
    recurrence on the complex Schur form (any x whose square root exists, defective or not)."""
    return sqrtm_p.bind(x)


def logm(x: ArrayLike) -> Array:
    """The principal logarithm of x (..., n, n), complex, by inverse scaling and squaring on
    the complex Schur form."""
    return logm_p.bind(x)


# ---- Parlett's recurrence -----------------------------------------------------------------------

parlett_p = Primitive("parlett")


@on_host
def _parlett_impl(t, fdiag):
    t, fdiag = asarray(t), asarray(fdiag)
    dt = np.result_type(t.dtype, fdiag.dtype)
    lead = t.shape[:-2]
    n = t.shape[-1]
    tf = t.reshape((-1, n, n)) if t.size else t.reshape((0, n, n))
    ff = np.broadcast_to(fdiag, lead + (n,)).reshape((tf.shape[0], n))
    work = np.complex128 if dt.kind == "c" else np.float64
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):   # (as sqrtm's)
        out = [K.parlett(a.astype(work), d.astype(work)) for a, d in zip(tf, ff)]
    return (np.stack(out).reshape(t.shape) if out else np.zeros(t.shape)).astype(dt)


def _parlett_abstract_eval(t, fdiag):
    _check_matrix("parlett", t)
    if fdiag.shape != t.shape[:-1]:
        raise _linalg_error(f"parlett: fdiag {fdiag.shape} must be the diagonal's shape "
                            f"{t.shape[:-1]} of t {t.shape}.")
    return ShapedArray(t.shape, np.result_type(t.dtype, fdiag.dtype))


def _parlett_batch(args, dims):
    size = batch_size(args, dims)
    return parlett_p.bind(*[to_front(a, d, size) for a, d in zip(args, dims)]), 0


parlett_p.impl = _parlett_impl
parlett_p.abstract_eval = _parlett_abstract_eval
parlett_p.batch = _parlett_batch
parlett_p.jvp = _not_here("parlett", "funcgrad.scipy.linalg.funm")
defvjp(parlett_p, _not_here("parlett", "funcgrad.scipy.linalg.funm"),
       _not_here("parlett", "funcgrad.scipy.linalg.funm"))
parlett_p.declare(fresh=True, jit=None, structured_batch=None, **PURE, **RULE_FIRST, **NO_ALGEBRA)


def parlett(t: ArrayLike, fdiag: ArrayLike) -> Array:
    """f(t) for upper triangular t (..., n, n) given fdiag = f(diag(t)) (..., n), by Parlett's
    recurrence (scipy's funm: a vanishing eigenvalue difference is not divided by)."""
    return parlett_p.bind(t, fdiag)
