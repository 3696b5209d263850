"""Products: dot, matmul, tensordot, einsum, outer, inner, vdot; all over dot_general."""
from __future__ import annotations

import operator
from typing import Any, Sequence, cast

import numpy as np

from .. import lax
from .._core.array import Array
from .._core.errors import ShapeError, doc_link, user_frame
from .._core.trace import get_aval
from .._core.typing import ArrayLike, DTypeLike
from ..lax._checks import normalize_axis
from ..lax.linalg import dot_general_p
from ._core import operand
from ._indexing import diagonal
from ._manipulation import broadcast_to, moveaxis, ravel, reshape, stack, transpose
from ._reductions import sum as _sum


def _mismatch(name, a, b, detail):
    return ShapeError(f"{name}: shapes {a} and {b} are not aligned: {detail}.\n  at "
                      f"{user_frame()}\nFor (m, k) @ (k, n) the inner sizes must agree; transpose "
                      "an operand (b.T) or reshape it. " + doc_link("shapeerror"))


# a product of matrices or vectors, by the first operand's rank: its last axis with the second's
# first, in dot_general's normal form (tuples of Python ints)
_MATRIX_DN = {1: (((0,), (0,)), ((), ())), 2: (((1,), (0,)), ((), ()))}


def matmul(a: ArrayLike, b: ArrayLike) -> Array:
    """numpy.matmul (`a @ b`): 1-D operands are promoted to matrices, leading axes broadcast.

    >>> import funcgrad.numpy as fnp
    >>> fnp.matmul(fnp.ones((2, 3)), fnp.ones(3))
    Array([3., 3.], dtype=float64)
    """
    a, b = operand(a), operand(b)
    # (an Array's or a tracer's own shape: no aval built on every product; a Python scalar has
    # none)
    sa, sb = getattr(a, "shape", ()), getattr(b, "shape", ())
    if not sa or not sb:
        raise ValueError(f"matmul: an operand is a scalar (shapes {sa} and {sb}); use * to scale")
    if len(sa) <= 2 and len(sb) <= 2:
        if sa[-1] != sb[0]:
            raise _mismatch("matmul", sa, sb, f"size {sa[-1]} (last axis of the first) != size "
                            f"{sb[0]} (first axis of the second)")
        # dimension_numbers already normal: bound directly, not normalized on every call
        return dot_general_p.bind(a, b, dimension_numbers=_MATRIX_DN[len(sa)])
    a2 = a if len(sa) > 1 else reshape(a, (1,) + sa)
    b2 = b if len(sb) > 1 else reshape(b, sb + (1,))
    sa2, sb2 = get_aval(a2).shape, get_aval(b2).shape
    if sa2[-1] != sb2[-2]:
        raise _mismatch("matmul", sa, sb, f"size {sa2[-1]} (last axis of the first) != size "
                        f"{sb2[-2]} (second-to-last of the second)")
    try:
        batch = tuple(np.broadcast_shapes(sa2[:-2], sb2[:-2]))
    except ValueError:
        raise _mismatch("matmul", sa, sb, f"batch axes {sa2[:-2]} and {sb2[:-2]} do not "
                        "broadcast") from None
    a3 = broadcast_to(a2, batch + sa2[-2:])
    b3 = broadcast_to(b2, batch + sb2[-2:])
    nb = len(batch)
    out = lax.dot_general(a3, b3, (((nb + 1,), (nb,)), (tuple(range(nb)), tuple(range(nb)))))
    shape = get_aval(out).shape
    if len(sa) == 1:
        shape = shape[:-2] + shape[-1:]
    if len(sb) == 1:
        shape = shape[:-1]
    return reshape(out, shape)


def dot(a: ArrayLike, b: ArrayLike) -> Array:
    """numpy.dot: scalars multiply, 1-D·1-D is the inner product, otherwise the last axis of `a`
    contracts with the second-to-last of `b` (the last, if `b` is 1-D)."""
    a, b = operand(a), operand(b)
    sa, sb = get_aval(a).shape, get_aval(b).shape
    if not sa or not sb:
        return lax.mul(a, b)
    bk = 0 if len(sb) == 1 else len(sb) - 2
    if sa[-1] != sb[bk]:
        raise _mismatch("dot", sa, sb, f"size {sa[-1]} (last axis of the first) != size "
                        f"{sb[bk]} (axis {bk} of the second)")
    return lax.dot_general(a, b, (((len(sa) - 1,), (bk,)), ((), ())))


def vdot(a: ArrayLike, b: ArrayLike) -> Array:
    """numpy.vdot, differentiable."""
    return dot(ravel(a), ravel(b))


def inner(a: ArrayLike, b: ArrayLike) -> Array:
    """numpy.inner, differentiable."""
    a, b = operand(a), operand(b)
    sa, sb = get_aval(a).shape, get_aval(b).shape
    if not sa or not sb:
        return lax.mul(a, b)
    if sa[-1] != sb[-1]:
        raise _mismatch("inner", sa, sb, "the last axes differ")
    return lax.dot_general(a, b, (((len(sa) - 1,), (len(sb) - 1,)), ((), ())))


def outer(a: ArrayLike, b: ArrayLike) -> Array:
    """numpy.outer, differentiable."""
    a, b = ravel(a), ravel(b)
    return lax.mul(reshape(a, (-1, 1)), reshape(b, (1, -1)))


def tensordot(a: ArrayLike, b: ArrayLike,
              axes: int | Sequence[int | Sequence[int]] = 2) -> Array:
    """numpy.tensordot: contract the last `axes` axes of a with the first of b, or the given
    pairs of axes."""
    a, b = operand(a), operand(b)
    na, nb = get_aval(a).ndim, get_aval(b).ndim
    if np.ndim(axes) == 0:
        k = int(cast(int, axes))
        if not 0 <= k <= min(na, nb):
            raise ShapeError(f"tensordot: axes={k} contracts {k} trailing axes of a (ndim {na}) "
                             f"with {k} leading axes of b (ndim {nb}): pass 0..{min(na, nb)}. "
                             f"{doc_link('shapeerror')}")
        ax_a, ax_b = tuple(range(na - k, na)), tuple(range(k))
    else:
        ax_a, ax_b = (tuple(np.atleast_1d(x).tolist()) for x in cast(Sequence[Any], axes))
    ax_a = tuple(normalize_axis("tensordot", x, na) for x in ax_a)
    ax_b = tuple(normalize_axis("tensordot", x, nb) for x in ax_b)
    sa, sb = get_aval(a).shape, get_aval(b).shape
    if len(ax_a) != len(ax_b) or any(sa[i] != sb[j] for i, j in zip(ax_a, ax_b)):
        raise _mismatch("tensordot", sa, sb, f"axes {ax_a} and {ax_b} differ in size")
    return lax.dot_general(a, b, ((ax_a, ax_b), ((), ())))


# ---- einsum ---------------------------------------------------------------------------------

def _parse_einsum(subscripts, shapes):
    spec = subscripts.replace(" ", "")
    if "->" in spec:
        ins, out = spec.split("->")
    else:
        ins, out = spec, None
    terms = ins.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: {len(terms)} operand subscripts for {len(shapes)} operands")
    used = set(c for c in spec if c.isalpha())
    spare = [c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in used]
    ell_nd = max((len(s) - (len(t) - 3) for t, s in zip(terms, shapes) if "..." in t), default=0)
    ell = "".join(spare[:ell_nd])
    new_terms = []
    for t, s in zip(terms, shapes):
        if "..." in t:
            k = len(s) - (len(t) - 3)
            t = t.replace("...", ell[ell_nd - k:] if k else "")
        if len(t) != len(s):
            raise ValueError(f"einsum: subscripts {t!r} for an operand of shape {s}")
        new_terms.append(t)
    if out is None:
        counts = {}
        for t in new_terms:
            for c in t:
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    else:
        out = out.replace("...", ell)
    for c in out:
        if not any(c in t for t in new_terms):
            raise ValueError(f"einsum: output subscript {c!r} appears in no operand")
    return new_terms, out


def _take_diagonals(x, term):
    """Collapse repeated subscripts within one operand ('ii->i') onto their diagonal."""
    while len(set(term)) < len(term):
        c = next(c for c in term if term.count(c) > 1)
        i = term.index(c)
        j = term.index(c, i + 1)
        n = get_aval(x).shape[i]
        rest = [k for k in range(len(term)) if k not in (i, j)]
        x = transpose(x, [i, j] + rest)
        idx = np.arange(n)
        x = lax.index(x, (idx, idx))
        term = c + "".join(term[k] for k in rest)
    return x, term


def _sum_out(x, term, keep):
    axes = tuple(i for i, c in enumerate(term) if c not in keep)
    if not axes:
        return x, term
    return lax.reduce_sum(x, axes), "".join(c for c in term if c in keep)


def _sublist_letter(k):
    """numpy's letter for sublist index k: 0-25 are 'A'-'Z', 26-51 'a'-'z'."""
    if k is Ellipsis:
        return "..."
    try:
        k = operator.index(k)
    except TypeError:
        raise TypeError(f"einsum: a sublist holds integers or Ellipsis, got {k!r}") from None
    if not 0 <= k < 52:
        raise ValueError(f"einsum: sublist index {k} is out of range: use 0..51")
    return chr(ord("A") + k) if k < 26 else chr(ord("a") + k - 26)


def _from_sublists(args):
    """einsum(op0, sublist0, op1, sublist1, ..., [sublist_out]) as (subscripts, operands)."""
    ops, terms = list(args[0::2]), []
    out = None
    if len(args) % 2:   # an odd count: the last one is the output sublist
        out = "".join(_sublist_letter(k) for k in args[-1])
        ops = ops[:-1]
    for sub in args[1::2]:
        terms.append("".join(_sublist_letter(k) for k in sub))
    spec = ",".join(terms) + ("" if out is None else "->" + out)
    return spec, ops


def _contract(spec, ops):
    """One einsum without a contraction plan: diagonals, then operands contracted left to right,
    each axis summed away as soon as no later operand (nor the output) has it."""
    terms, out = _parse_einsum(spec, [get_aval(x).shape for x in ops])
    sizes: dict[str, int] = {}
    for t, x in zip(terms, ops):
        for c, d in zip(t, get_aval(x).shape):
            old = sizes.setdefault(c, d)
            if old != d and 1 not in (old, d):
                raise ShapeError(f"einsum: subscript {c!r} has sizes {sizes[c]} and {d}.\n  at "
                                 f"{user_frame()}\n" + doc_link("shapeerror"))
            sizes[c] = d if old == 1 else old  # a size-1 axis broadcasts, as in numpy
    ops = [broadcast_to(x, tuple(sizes[c] for c in t)) for x, t in zip(ops, terms)]
    pairs = [_take_diagonals(x, t) for x, t in zip(ops, terms)]
    res, rterm = None, ""
    for k, (x, t) in enumerate(pairs):
        later = set(out).union(*[set(tt) for _, tt in pairs[k + 1:]])
        x, t = _sum_out(x, t, later | set(rterm))
        if res is None:
            res, rterm = x, t
            continue
        res, rterm = _sum_out(res, rterm, later | set(t))
        batch = [c for c in rterm if c in t and c in later]
        contract = [c for c in rterm if c in t and c not in later]
        dn = ((tuple(rterm.index(c) for c in contract), tuple(t.index(c) for c in contract)),
              (tuple(rterm.index(c) for c in batch), tuple(t.index(c) for c in batch)))
        res = lax.dot_general(res, x, dn)
        rterm = ("".join(batch) + "".join(c for c in rterm if c not in batch and c not in contract)
                 + "".join(c for c in t if c not in batch and c not in contract))
    res, rterm = _sum_out(res, rterm, set(out))
    return transpose(res, [rterm.index(c) for c in out])


def _shape_stand_ins(ops):
    """Zero-strided numpy arrays with the operands' shapes: what numpy.einsum_path reads."""
    return [np.broadcast_to(np.zeros((), get_aval(x).dtype), get_aval(x).shape) for x in ops]


def _planned(spec, ops, optimize):
    """The einsum in numpy.einsum_path's pairwise order (optimize True/'greedy'/'optimal' or
    an explicit ['einsum_path', (i, j), ...] list): each step contracts the listed operands into
    one whose subscripts are those still needed, appended at the end, as numpy does."""
    terms, out = _parse_einsum(spec, [get_aval(x).shape for x in ops])
    if isinstance(optimize, (list, tuple)):
        if not optimize or optimize[0] != "einsum_path":
            raise TypeError("einsum: an explicit `optimize` path is a list starting with "
                            "'einsum_path', then tuples of operand positions (as "
                            "numpy.einsum_path returns).")
        path = list(optimize[1:])
    else:
        full = ",".join(terms) + "->" + out
        mode = "greedy" if optimize is True else optimize
        path = list(np.einsum_path(full, *_shape_stand_ins(ops), optimize=mode)[0][1:])
    ops, terms = list(ops), list(terms)
    for step in path:
        idx = sorted((int(i) for i in step), reverse=True)
        if any(not 0 <= i < len(ops) for i in idx):
            raise ValueError(f"einsum: path step {step} names an operand that does not exist "
                             f"({len(ops)} remain)")
        group_ops = [ops.pop(i) for i in idx]
        group_terms = [terms.pop(i) for i in idx]
        needed = set(out).union(*map(set, terms))
        new = "".join(c for c in dict.fromkeys("".join(group_terms)) if c in needed)
        ops.append(_contract(",".join(group_terms) + "->" + new, group_ops))
        terms.append(new)
    if len(ops) != 1:
        raise ValueError("einsum: the `optimize` path leaves "
                         f"{len(ops)} operands; it must contract them all to one")
    return _contract(terms[0] + "->" + out, ops)


def einsum(subscripts: Any, *operands: Any, out: None = None, dtype: DTypeLike = None,
           order: str = "K", casting: str = "safe",
           optimize: bool | str | Sequence[Any] = False) -> Array:
    """numpy.einsum over dot_general: the subscripts string ('ij,jk->ik', implicit output,
    '...' broadcasting, repeated letters for diagonals) or numpy's interleaved form
    einsum(op0, [0, 1], op1, [1, 2], [0, 2]) (integers 0..51 and Ellipsis). optimize=False
    contracts left to right; True/'greedy'/'optimal' or an explicit path from
    numpy.einsum_path orders the pairwise contractions as numpy would. `dtype` casts the
    operands first; out= is not supported (funcgrad arrays are immutable).

    >>> import funcgrad.numpy as fnp
    >>> fnp.einsum("ij,j->i", fnp.ones((2, 3)), fnp.arange(3.0))
    Array([3., 3.], dtype=float64)
    >>> fnp.einsum(fnp.ones((2, 3)), [0, 1], fnp.arange(3.0), [1], [0], optimize=True)
    Array([3., 3.], dtype=float64)
    """
    if out is not None:
        raise TypeError("einsum: out= is not supported (funcgrad arrays are immutable); use the "
                        "returned array.")
    if isinstance(subscripts, str):
        spec, ops = subscripts, [operand(x) for x in operands]
    else:
        spec, raw = _from_sublists((subscripts,) + operands)
        ops = [operand(x) for x in raw]
    if dtype is not None:
        ops = [lax.convert_element_type(x, np.dtype(dtype)) for x in ops]
    is_path = isinstance(optimize, (list, tuple))
    if not is_path and optimize not in (False, None, True, "greedy", "optimal"):
        raise ValueError(f"einsum: `optimize` = {optimize!r} must be False, True, 'greedy', "
                         "'optimal' or a path from numpy.einsum_path.")
    if optimize in (False, None) or (len(ops) <= 2 and not is_path):
        return _contract(spec, ops)
    return _planned(spec, ops, optimize)


def einsum_path(subscripts: Any, *operands: Any,
                optimize: bool | str | Sequence[Any] = "greedy") -> tuple[list[Any], str]:
    """numpy.einsum_path on the operands' shapes: (path, report), for einsum(optimize=path).

    >>> import funcgrad.numpy as fnp
    >>> fnp.einsum_path("ij,jk,kl->il", fnp.ones((2, 3)), fnp.ones((3, 4)), fnp.ones((4, 5)))[0]
    ['einsum_path', (1, 2), (0, 1)]
    """
    if isinstance(subscripts, str):
        spec, ops = subscripts, [operand(x) for x in operands]
    else:
        spec, raw = _from_sublists((subscripts,) + operands)
        ops = [operand(x) for x in raw]
    path, report = np.einsum_path(spec, *_shape_stand_ins(ops), optimize=optimize)
    return list(path), report


def cross(a: ArrayLike, b: ArrayLike, axisa: int = -1, axisb: int = -1, axisc: int = -1,
          axis: int | None = None) -> Array:
    """numpy.cross, differentiable."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = moveaxis(operand(a), axisa, -1), moveaxis(operand(b), axisb, -1)
    if get_aval(a).shape[-1] != 3 or get_aval(b).shape[-1] != 3:
        raise ValueError("incompatible dimensions for cross product (dimension must be 3)")
    a0, a1, a2 = (lax.index(a, (Ellipsis, i)) for i in range(3))
    b0, b1, b2 = (lax.index(b, (Ellipsis, i)) for i in range(3))
    c = stack([lax.sub(lax.mul(a1, b2), lax.mul(a2, b1)),
               lax.sub(lax.mul(a2, b0), lax.mul(a0, b2)),
               lax.sub(lax.mul(a0, b1), lax.mul(a1, b0))], axis=-1)
    return moveaxis(c, -1, axisc)


def kron(a: ArrayLike, b: ArrayLike) -> Array:
    """numpy.kron, differentiable."""
    a, b = operand(a), operand(b)
    sa, sb = get_aval(a).shape, get_aval(b).shape
    nd = max(len(sa), len(sb))
    sa, sb = (1,) * (nd - len(sa)) + sa, (1,) * (nd - len(sb)) + sb
    a, b = reshape(a, sa), reshape(b, sb)
    # a[i, None, j, None] * b[None, k, None, l] -> (i*k, j*l)
    ea = reshape(a, tuple(x for d in sa for x in (d, 1)))
    eb = reshape(b, tuple(x for d in sb for x in (1, d)))
    return reshape(lax.mul(ea, eb), tuple(x * y for x, y in zip(sa, sb)))


def trace(a: ArrayLike, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Array:
    """numpy.trace, differentiable."""
    return _sum(diagonal(a, offset, axis1, axis2), axis=-1)
