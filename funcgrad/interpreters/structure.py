"""Pass `fold_structure`: constants with structure, kept symbolic through the arithmetic that
forward-over-reverse (`hessian`, `jacfwd(jacrev(f))`) and broadcasting seeds produce.

Tracing a Hessian leaves constants that are identity bases (`eye(n)`, `2 * eye(n)` reshaped to
(n, 1, n)) and broadcast scalars (`ones(n)`, the cotangent seed broadcast to (1, n)); the jaxpr
multiplies by them, reshapes and adds: n^2 work for n numbers. This pass reads each floating
constant's values once, at compile time, and recognises two forms:

- a *fill*: every element the same value c. It becomes the literal c, broadcast (x * ones -> x);
- a *diagonal*: zero except where the index along an axis p (of size n) equals the index
  along an axis q of the same size, or the flat index along a run of consecutive axes qs whose
  sizes multiply to n (the one-hot basis (n, a, b) of an a x b matrix input, n = a b). Its
  values there, a *compact* array without the axes qs, become a smaller constant, or a literal
  when they are all equal (eye(n) is the literal 1 on a diagonal).

A symbolic value (`_Sym`) is an atom (a variable or literal) that broadcasts, numpy-style from
the right, to the full shape, or to the full shape without the axes qs for a diagonal. The value's
form goes through the operations that keep it, each computed on the compact atoms only:
elementwise multiply (diagonal * anything, when the other operand has size 1 along p or qs),
add / subtract (of two diagonals over the same axes, or two broadcasts), negate, reshapes that
insert or remove axes of size 1 (or split and merge the axes qs), transposes and
broadcast_in_dim that keep the axes qs together and in order. Any other use, and every
output, makes the value dense once: a diagonal is written into zeros in one `pad` (interior
padding of n zeros lays n values on the diagonal of an n x n block), a broadcast by its own
equation again.

Which operation an equation performs is read from the primitive's declarations, never its name:
an elementwise primitive's jit template names its numpy ufunc (np.multiply, np.add, ...); the
shape primitives are the ones `_core.structural`'s operations bind (found by tracing them once).

What changes: the diagonal's values are computed by the same operations in the same order, so
they are bitwise those of the dense program; off the diagonal the result is an exact +0.0,
where the dense program computed 0 * x (-0.0 for negative x, NaN for infinite x).

>>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
>>> h = fg.jit(fg.hessian(lambda x: fnp.sum(fnp.sin(x) * x ** 2)))
>>> lo = h.lower(fnp.ones(3))
>>> lo.fired()
['dce', 'fold_structure', 'sink_reshapes', 'simplify', 'cse', 'dce']
>>> [c.shape for c in lo.consts]    # no 3 x 3 identity bases left
[]
>>> np.allclose(h(fnp.ones(3)), fg.hessian(lambda x: fnp.sum(fnp.sin(x) * x ** 2))(fnp.ones(3)))
True
"""
from __future__ import annotations

import functools
import math

import numpy as np

from .._core import backend
from .._core import structural as S
from .._core.array import Array
from .._core.avals import ShapedArray
from .._core.ir import Eqn, Jaxpr, Literal, Var
from .._core.trace import bind, new_trace
from .partial_eval import JaxprTrace

MAX_ANALYSED = 1 << 22  # constants with more elements are not analysed (compile-time bound)


# ---- which operation an equation performs ------------------------------------------------------

def _ufunc(prim):
    return getattr(prim.jit, "ufunc", None)


@functools.cache
def _structural_prim(op):
    """The primitive that `_core.structural.<op>` binds (None if it binds none)."""
    probe = {"reshape": ((2, 3), lambda t: S.reshape(t, (3, 2))),
             "transpose": ((2, 3), lambda t: S.transpose(t, (1, 0))),
             "broadcast_in_dim": ((3,), lambda t: S.broadcast_in_dim(t, (2, 3), (1,)))}[op]
    shape, fn = probe
    with new_trace(JaxprTrace, "structure") as jt:
        out = fn(jt.new_arg(ShapedArray(shape, np.float64)))
        closed = jt.build([out])
    eqns = closed.jaxpr.eqns
    return eqns[0].prim if len(eqns) == 1 else None


@functools.lru_cache(maxsize=1024)
def _structural_eqn(op, aval_key, args):
    """(primitive, operands after the first, parameters, output aval) of the one equation that
    `_core.structural.<op>(x, *args)` records for x of that (shape, dtype, weak type), or None
    when it records none (x itself). Traced once per signature."""
    shape, dtype, weak = aval_key
    with new_trace(JaxprTrace, "structure") as jt:
        t = jt.new_arg(ShapedArray(shape, dtype, weak))
        closed = jt.build([getattr(S, op)(t, *args)])
    j = closed.jaxpr
    if not j.eqns and j.outvars[0] is j.invars[0]:
        return None
    (e,) = j.eqns
    if closed.consts or e.invars[0] is not j.invars[0] or e.outvars[0] is not j.outvars[0] \
            or any(isinstance(v, Var) for v in e.invars[1:]):
        raise AssertionError(f"structural.{op} recorded more than one equation")
    return e.prim, tuple(e.invars[1:]), e.params, e.outvars[0].aval


# ---- symbolic values -----------------------------------------------------------------------------

class _Sym:
    """A value of `shape` and `dtype` equal to `atom` broadcast from the right to `shape` (no
    diagonal) or, with diag = (p, qs), zero where index p differs from the flat index of the
    consecutive axes qs (one axis, or several whose sizes multiply to axis p's: the one-hot basis
    of a matrix) and there equal to `atom` broadcast to `shape` without the axes qs. `dense`: a
    variable holding the full value, once there is one; `origin`: the equation that computes it
    densely (for a broadcast)."""
    __slots__ = ("atom", "shape", "dtype", "diag", "dense", "origin")

    def __init__(self, atom, shape, dtype, diag=None, dense=None, origin=None):
        self.atom, self.shape, self.dtype, self.diag = atom, tuple(shape), dtype, diag
        self.dense, self.origin = dense, origin

    @property
    def reduced(self):
        """The shape the atom broadcasts to."""
        if self.diag is None:
            return self.shape
        qs = self.diag[1]
        return self.shape[:qs[0]] + self.shape[qs[-1] + 1:]

    def atom_shape(self):
        """The atom's shape, with leading 1s to the rank of `reduced`."""
        a = self.atom.aval.shape
        return (1,) * (len(self.reduced) - len(a)) + tuple(a)

    def plain(self):
        return self.diag is None and isinstance(self.atom, Var) and self.atom.aval.shape == \
            self.shape

    def lifted(self, rank):
        """This value with leading axes of size 1 up to `rank`."""
        k = rank - len(self.shape)
        if k == 0:
            return self
        diag = None if self.diag is None else (self.diag[0] + k,
                                                tuple(q + k for q in self.diag[1]))
        return _Sym(self.atom, (1,) * k + self.shape, self.dtype, diag)


def _scalar_literal(value, dtype):
    return Literal(np.asarray(value, dtype)[()], ShapedArray((), dtype))


def _compress(values, dtype):
    """An atom for the array `values`: a literal if all its elements are equal, else the array
    with every axis along which it is constant cut to size 1 (a new constant)."""
    flat = values.reshape(-1)
    if values.size and (flat == flat[0]).all() and not np.isnan(flat[0]):
        return _scalar_literal(flat[0], dtype)
    for ax in range(values.ndim):
        if values.shape[ax] > 1:
            first = np.take(values, [0], axis=ax)
            if np.array_equal(values, np.broadcast_to(first, values.shape)):
                values = first
    return np.ascontiguousarray(values)


def _red(i, qs):
    """The index of full axis i (not in qs) in the shape without the axes qs."""
    return i if i < qs[0] else i - len(qs)


def _diagonal_axes(c):
    """(p, qs, compact values) if the array `c` is zero except where the index along axis p
    equals the flat index along the consecutive axes qs (shortest runs tried first); else
    None."""
    nnz = np.count_nonzero(c)
    for p in range(c.ndim):
        n = c.shape[p]
        if n < 2 or nnz > c.size // n:
            continue
        for length in range(1, c.ndim):
            for a in range(c.ndim - length + 1):
                qs = tuple(range(a, a + length))
                if p in qs or math.prod(c.shape[q] for q in qs) != n:
                    continue
                merged = c.reshape(c.shape[:a] + (n,) + c.shape[a + length:])
                pm = p if p < a else p - length + 1
                moved = np.moveaxis(merged, (pm, a), (-2, -1))
                diag = np.diagonal(moved, axis1=-2, axis2=-1)      # (rest..., n)
                if np.count_nonzero(diag) != nnz:
                    continue
                # the compact values: `c` without the axes qs, the diagonal index at axis p
                return p, qs, np.moveaxis(diag, -1, _red(p, qs))
    return None


def _analyse(var, c):
    """The symbolic form of the constant `var` with value `c`, or None."""
    if type(c) is Array:
        c = c._value
    if type(c) is not np.ndarray or c.dtype.kind not in "fc" or c.ndim == 0 or c.size == 0 \
            or c.size > MAX_ANALYSED or c.dtype != var.aval.dtype:
        return None, None
    flat = c.reshape(-1)
    if (flat == flat[0]).all() and not np.isnan(flat[0]):
        return _Sym(_scalar_literal(flat[0], c.dtype), c.shape, c.dtype, dense=var), None
    if c.ndim < 2:
        return None, None
    found = _diagonal_axes(c)
    if found is None:
        return None, None
    p, qs, compact = found
    atom = _compress(compact, c.dtype)
    if isinstance(atom, np.ndarray):
        const = Var(ShapedArray(atom.shape, c.dtype))
        return _Sym(const, c.shape, c.dtype, (p, qs), dense=var), (const, atom)
    return _Sym(atom, c.shape, c.dtype, (p, qs), dense=var), None


# ---- emitting equations ------------------------------------------------------------------------

class _Emitter:
    """The equations (and new constants) of the rewritten jaxpr, in order."""

    def __init__(self):
        self.eqns, self.constvars, self.consts = [], [], []

    def bind(self, prim, atoms, params):
        """The atom of prim(*atoms); on literals alone, evaluated now."""
        if all(isinstance(a, Literal) for a in atoms):
            val = bind(prim, *[a.val for a in atoms], **params)
            val = np.asarray(val._value if type(val) is Array else val)
            if val.ndim == 0:
                return Literal(val[()], ShapedArray((), val.dtype))
        out = Var(prim.abstract_eval(*[a.aval for a in atoms], **params))
        self.eqns.append(Eqn(prim, list(atoms), [out], params))
        return out

    def structural(self, op, atom, *args):
        """The atom of `_core.structural.<op>(atom, *args)` (one equation, or none)."""
        if isinstance(atom, Literal):
            val = getattr(S, op)(atom.val, *args)
            return self.bind_value(val)
        a = atom.aval
        found = _structural_eqn(op, (a.shape, a.dtype, a.weak_type), args)
        if found is None:
            return atom
        prim, rest, params, out_aval = found
        out = Var(out_aval)
        self.eqns.append(Eqn(prim, [atom, *rest], [out], params))
        return out

    def bind_value(self, val):
        """A literal for the 0-d value `val` (computed from literals), else a new constant (a
        broadcast literal)."""
        val = np.asarray(val._value if type(val) is Array else val)
        if val.ndim == 0:
            return Literal(val[()], ShapedArray((), val.dtype))
        const = Var(ShapedArray(val.shape, val.dtype))
        self.constvars.append(const)
        self.consts.append(np.ascontiguousarray(val))
        return const

    def reshape(self, atom, shape):
        shape = tuple(shape)
        if isinstance(atom, Literal) or atom.aval.shape == shape:
            return atom
        return self.structural("reshape", atom, shape)

    def transpose(self, atom, perm):
        if isinstance(atom, Literal) or tuple(perm) == tuple(range(len(perm))):
            return atom
        shape = atom.aval.shape
        kept = [a for a in perm if shape[a] != 1]
        if kept == sorted(kept):  # only axes of size 1 move: a reshape
            return self.reshape(atom, [shape[a] for a in perm])
        return self.structural("transpose", atom, tuple(perm))


def _lift_atom(em, sym):
    """sym's atom with the rank of sym.reduced (a literal stays as it is)."""
    return em.reshape(sym.atom, sym.atom_shape()) if isinstance(sym.atom, Var) else sym.atom


# ---- the rules ----------------------------------------------------------------------------------

def _elementwise(em, e, syms, out_shape, dtype):
    """mul, add, sub of two operands (syms, lifted to the output's rank); a _Sym or None."""
    ufunc = _ufunc(e.prim)
    a, b = (s.lifted(len(out_shape)) for s in syms)

    def op(x, y):
        return em.bind(e.prim, [x, y], e.params)
    if a.diag is None and b.diag is None:
        return _Sym(op(a.atom, b.atom), out_shape, dtype)
    if ufunc is np.multiply:
        if a.diag is not None and b.diag is not None:
            if a.diag != b.diag:
                return None
            return _Sym(op(a.atom, b.atom), out_shape, dtype, a.diag)
        d, x = (a, b) if a.diag is not None else (b, a)
        xc = _on_diagonal(em, x, d.diag, d.shape)
        if xc is None:
            return None
        args = [d.atom, xc] if d is a else [xc, d.atom]
        return _Sym(op(*args), out_shape, dtype, d.diag)
    if a.diag is not None and a.diag == b.diag:   # add, subtract: linear in both
        return _Sym(op(a.atom, b.atom), out_shape, dtype, a.diag)
    return None


def _on_diagonal(em, x, diag, shape):
    """The atom of x (no diagonal, lifted to the rank of `shape`) restricted to where index p
    equals the flat index of the axes qs, in the coordinates of `shape` without qs; None if x
    varies along p and qs both (a gather), or along only some of the axes qs."""
    p, qs = diag
    if isinstance(x.atom, Literal):
        return x.atom
    xs = list(x.atom_shape())
    atom = em.reshape(x.atom, xs)
    if all(xs[q] == 1 for q in qs):
        xq = 1
    elif all(xs[q] == shape[q] for q in qs):
        xq = shape[p]
    else:
        return None
    q = qs[0]
    xs = xs[:q] + [xq] + xs[qs[-1] + 1:]        # the axes qs as one
    atom = em.reshape(atom, xs)
    p = p if p < q else p - len(qs) + 1
    if xs[q] != 1 and xs[p] != 1:
        return None
    if xs[q] != 1:        # x varies along q only: its axis q takes the place of p
        perm = list(range(len(xs)))
        perm[p], perm[q] = q, p
        atom = em.transpose(atom, perm)
        xs[p], xs[q] = xs[q], 1
    return em.reshape(atom, xs[:q] + xs[q + 1:])


def _ones_map(shape_in, shape_out):
    """{input axis: output axis} if the reshape only inserts or removes axes of size 1."""
    nz_in = [i for i, d in enumerate(shape_in) if d != 1]
    nz_out = [i for i, d in enumerate(shape_out) if d != 1]
    if [shape_in[i] for i in nz_in] != [shape_out[i] for i in nz_out]:
        return None
    return dict(zip(nz_in, nz_out))


def _group_map(shape_in, shape_out, qs):
    """({input axis: output axis} for the axes outside qs, the output axes of the group qs) for
    a reshape that inserts or removes axes of size 1 and splits or merges only the group qs;
    None for any other."""
    n = math.prod(shape_in[q] for q in qs)
    units = [(i, shape_in[i]) for i in range(len(shape_in))
             if i == qs[0] or (i not in qs and shape_in[i] != 1)]
    out = [o for o, d in enumerate(shape_out) if d != 1]
    m, k, qs_out = {}, 0, None
    for i, size in units:
        if i == qs[0]:
            start, prod = k, 1
            while prod < n and k < len(out):
                prod *= shape_out[out[k]]
                k += 1
            if prod != n or k == start:
                return None
            qs_out = tuple(range(out[start], out[k - 1] + 1))
        else:
            if k >= len(out) or shape_out[out[k]] != size:
                return None
            m[i] = out[k]
            k += 1
    return (m, qs_out) if k == len(out) else None


def _reindex(em, sym, new_shape, axis_map, new_diag):
    """sym's values placed into `new_shape`: input axis i becomes output axis axis_map[i] (axes
    not mapped have size 1 in the atom, before and after)."""
    a_in = sym.atom_shape()
    if sym.diag is not None:
        qs_in, qs_out = sym.diag[1], new_diag[1]
        rank_out = len(new_shape) - len(qs_out)
        pairs = [(_red(i, qs_in), _red(o, qs_out)) for i, o in axis_map.items()
                 if i not in qs_in]
    else:
        rank_out = len(new_shape)
        pairs = list(axis_map.items())
    if isinstance(sym.atom, Literal):
        return _Sym(sym.atom, new_shape, sym.dtype, new_diag)
    a_out = [1] * rank_out
    order = []
    for i, o in sorted(pairs, key=lambda t: t[1]):
        a_out[o] = a_in[i]
        order.append(i)
    atom = _lift_atom(em, sym)
    # put the mapped axes in output order (a transpose only if non-unit axes move), then reshape
    rest = [i for i in range(len(a_in)) if i not in order]
    atom = em.transpose(atom, order + rest)
    return _Sym(em.reshape(atom, a_out), new_shape, sym.dtype, new_diag)


def _rule(em, e, syms):
    """The symbolic result of equation e, whose operands' forms are `syms`, or None."""
    prim = e.prim
    if prim.multiple_results or len(e.outvars) != 1:
        return None
    out = e.outvars[0].aval
    shape, dtype = out.shape, out.dtype
    ufunc = _ufunc(prim)
    if ufunc in (np.multiply, np.add, np.subtract) and len(syms) == 2:
        return _elementwise(em, e, syms, shape, dtype)
    if ufunc is np.negative and len(syms) == 1:
        s = syms[0]
        return _Sym(em.bind(prim, [s.atom], e.params), shape, dtype,
                    s.diag)
    if len(syms) != 1:
        return None
    s = syms[0]
    found = _axis_map(e, s, shape)
    if found is None:
        return None
    return _reindex(em, s, shape, *found)


def _consecutive(axes):
    return list(axes) == list(range(axes[0], axes[0] + len(axes)))


def _axis_map(e, s, shape_out):
    """({input axis: output axis}, the diagonal's axes in the output) for a reshape that only
    inserts or removes axes of size 1 (or splits or merges a diagonal's axes qs), a transpose or
    a broadcast_in_dim of s; None for anything else."""
    prim = e.prim
    if prim is _structural_prim("reshape"):
        if s.diag is None:
            m = _ones_map(s.shape, shape_out)
            return None if m is None else (m, None)
        found = _group_map(s.shape, shape_out, s.diag[1])
        return None if found is None else (found[0], (found[0][s.diag[0]], found[1]))
    if prim is _structural_prim("transpose"):
        perm = e.params.get("permutation")
        m = None if perm is None else {a: i for i, a in enumerate(perm)}
    elif prim is _structural_prim("broadcast_in_dim"):
        bd = e.params.get("broadcast_dimensions")
        m = None if bd is None else dict(enumerate(bd))
    else:
        return None
    if m is None or s.diag is None:
        return None if m is None else (m, None)
    qs = [m[q] for q in s.diag[1]]
    return (m, (m[s.diag[0]], tuple(qs))) if _consecutive(qs) else None


# ---- making a value dense ------------------------------------------------------------------------

def _dense(em, sym, syms):
    """A variable holding sym's full value (emitting the equations that compute it once)."""
    if sym.dense is not None:
        return sym.dense
    if sym.diag is not None:
        sym.dense = _embed_diagonal(em, sym)
    elif isinstance(sym.atom, Var) and sym.atom.aval.size == math.prod(sym.shape):
        sym.dense = em.reshape(sym.atom, sym.shape)
    else:
        e = sym.origin
        ins = [_dense(em, syms[v], syms) if isinstance(v, Var) and v in syms else v
               for v in e.invars]
        em.eqns.append(Eqn(e.prim, ins, e.outvars, e.params))
        sym.dense = e.outvars[0]
    return sym.dense


def _embed_diagonal(em, sym):
    """The full array of a diagonal: its compact values, diagonal axis last, padded with n zeros
    between consecutive elements (laying them on the diagonal of an n x n block), then the axes
    put in place and broadcast."""
    p, qs = sym.diag
    n = sym.shape[p]
    red = sym.reduced
    dp = _red(p, qs)          # the diagonal's axis in `red`
    rank = len(sym.shape)
    atom = _lift_atom(em, sym)
    if isinstance(atom, Literal) or tuple(atom.aval.shape) != red:
        atom = em.structural("broadcast_in_dim", atom, red,
                             tuple(range(len(red))) if atom.aval.ndim else ())
    rest = [i for i in range(len(red)) if i != dp]
    atom = em.transpose(atom, rest + [dp])
    cfg = [(0, 0, 0)] * (len(red) - 1) + [(0, 0, n)]
    zero = np.zeros((), sym.dtype)[()]
    atom = em.structural("pad", atom, zero, tuple(cfg))
    others = [i for i in range(rank) if i != p and i not in qs]
    if len(qs) == 1:
        # a symmetric n x n block: its two axes are (min(p, q), max(p, q)), in either role
        atom = em.reshape(atom, [red[i] for i in rest] + [n, n])
        src = others + sorted((p, qs[0]))
    else:     # the block's axis on the side of qs split into the axes qs
        group = [sym.shape[q] for q in qs]
        before = p < qs[0]
        atom = em.reshape(atom, [red[i] for i in rest] + ([n] + group if before else group + [n]))
        src = others + ([p, *qs] if before else [*qs, p])
    return em.transpose(atom, [src.index(i) for i in range(rank)])


# ---- the pass ------------------------------------------------------------------------------------

def _form(v, syms):
    if isinstance(v, Literal):
        return _Sym(v, (), v.aval.dtype)
    s = syms.get(v)
    return s if s is not None else _Sym(v, v.aval.shape, v.aval.dtype, dense=v)


def fold_structure(jaxpr, consts):
    """Identity bases and broadcast scalars among the constants kept symbolic (see structure.py).

    Before (part of jit(hessian(f)), c = eye(100)):
    `o:f64[100,100] = mul c m; p:f64[100,1,100] = reshape o; ...` (n^2 work);
    after: the same arithmetic on f64[100] and f64[100,1] atoms, and one `pad` that lays the
    result on the diagonal of the output."""
    if backend.active:
        return jaxpr, consts
    syms, new_consts = {}, []
    for v, c in zip(jaxpr.constvars, consts):
        sym, extra = _analyse(v, c)
        if sym is not None:
            syms[v] = sym
            if extra is not None:
                new_consts.append(extra)
    if not syms:
        return jaxpr, consts
    em = _Emitter()
    changed = False
    for e in jaxpr.eqns:
        if not any(isinstance(v, Var) and v in syms for v in e.invars):
            em.eqns.append(e)
            continue
        changed = True
        res = None
        if not e.prim.effectful:
            res = _rule(em, e, [_form(v, syms) for v in e.invars])
            if res is not None and res.atom.aval.dtype != res.dtype:
                res = None   # a rule whose compact arithmetic would promote: stay dense
        if res is not None and res.diag is None:
            res.origin = e   # how to make it dense: the equation itself, operands made dense
        if res is None:
            ins = [_dense(em, syms[v], syms) if isinstance(v, Var) and v in syms else v
                   for v in e.invars]
            em.eqns.append(Eqn(e.prim, ins, e.outvars, e.params))
        elif res.plain():
            # an ordinary value after all: it is the equation's own result from here on
            syms[e.outvars[0]] = res
            res.dense = res.atom
        else:
            syms[e.outvars[0]] = res
    outvars = [_dense(em, syms[v], syms) if isinstance(v, Var) and v in syms else v
               for v in jaxpr.outvars]
    if not changed:   # no equation reads a structured constant
        return jaxpr, consts
    constvars = list(jaxpr.constvars) + [v for v, _ in new_consts] + em.constvars
    all_consts = list(consts) + [c for _, c in new_consts] + em.consts
    return Jaxpr(constvars, jaxpr.invars, em.eqns, outvars), all_consts


# ---- pass sink_reshapes ------------------------------------------------------------------------

def sink_reshapes(jaxpr, consts):
    """Elementwise operations of reshaped operands done before the reshape instead.

    An elementwise primitive (its jit template is a numpy ufunc) whose array operands are all
    reshapes of arrays of one shape to its own output shape (scalar literals may join) computes
    the same elements in the same order on the operands before the reshape; its result is then
    reshaped once. Chains of them keep their arrays in the original shape, and a reshape back
    at the end composes away (`simplify`). Bitwise the same results.

    Before: `f = reshape[(100, 1)] a; g = reshape[(100, 1)] b; h = mul f g; i = reshape[(100,)] h`
    after: `t = mul a b; h = reshape[(100, 1)] t; i = reshape[(100,)] h` (then: `i = t`)."""
    reshape = _structural_prim("reshape")
    if not any(e.prim is reshape for e in jaxpr.eqns):
        return jaxpr, consts
    producer, eqns, changed = {}, [], False
    for e in jaxpr.eqns:
        src = _reshaped_operands(e, producer, reshape)
        if src is None:
            eqns.append(e)
        else:
            shape, ins = src
            out = e.outvars[0]
            inner = Var(ShapedArray(shape, out.aval.dtype, out.aval.weak_type))
            eqns.append(Eqn(e.prim, ins, [inner], e.params))
            e = _reshape_into(inner, out)
            eqns.append(e)
            changed = True
        if e.prim is reshape:
            producer[e.outvars[0]] = e
    if not changed:
        return jaxpr, consts
    return Jaxpr(jaxpr.constvars, jaxpr.invars, eqns, jaxpr.outvars), consts


def _reshaped_operands(e, producer, reshape):
    """(the shape before the reshapes, the operands before them) if e qualifies, else None."""
    ufunc = _ufunc(e.prim)
    if ufunc is None or ufunc.nout != 1 or e.prim.multiple_results or e.prim.effectful \
            or len(e.outvars) != 1:
        return None
    out = e.outvars[0].aval
    shape, ins = None, []
    for v in e.invars:
        if isinstance(v, Literal):
            if np.ndim(v.val) != 0:
                return None
            ins.append(v)
            continue
        r = producer.get(v)
        if r is None or v.aval.shape != out.shape:
            return None
        src = r.invars[0]
        while src in producer:    # a reshape of a reshape: the first one's operand
            src = producer[src].invars[0]
        if shape is None:
            shape = src.aval.shape
        elif src.aval.shape != shape:
            return None
        ins.append(src)
    return None if shape is None or shape == out.shape else (shape, ins)


def _reshape_into(src, out):
    """The equation `out = reshape src` (its parameters as _core.structural.reshape makes them)."""
    a = src.aval
    prim, rest, params, _ = _structural_eqn("reshape", (a.shape, a.dtype, a.weak_type),
                                            (out.aval.shape,))
    return Eqn(prim, [src, *rest], [out], params)
