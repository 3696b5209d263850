"""Optimizations of a jaxpr before code generation, each a named pass of PIPELINE: constant
folding, structured constants (identity bases, broadcast scalars) kept symbolic
(structure.py), scalar constants written inline, algebraic simplification, common
subexpressions and dead code (buffer reuse, which depends on the code templates, is planned at
code generation: buffers.py). `run_passes` records what each pass did; jit's `lower()` shows it. Each pass returns a new jaxpr; none changes what the jaxpr
computes. What a pass may do with an equation it reads from the primitive's declarations
(`effectful`, `unit`, `identity`, `compose`; see _core/primitive.py), never from its name."""
from __future__ import annotations

import math

import numpy as np

from .._core import backend
from .._core.array import Array
from .._core.ir import Eqn, Jaxpr, Literal, Var
from .._core.trace import bind
from .hfuse import horizontal_fusion
from .structure import fold_structure, sink_reshapes


def _is_var(v):
    return isinstance(v, Var)


class _Rewriter:
    """Walks the equations once, renaming variables that a rewrite replaced."""

    def __init__(self):
        self.rename = {}

    def read(self, v):
        while _is_var(v) and v in self.rename:
            v = self.rename[v]
        return v


def fold_constants(jaxpr, consts):
    """Evaluate, once at compile time, every equation whose inputs are all known."""
    known = dict(zip(jaxpr.constvars, consts))
    rw, eqns = _Rewriter(), []
    new_consts = dict(known)
    for e in jaxpr.eqns:
        ins = [rw.read(v) for v in e.invars]
        if not e.prim.effectful and all(isinstance(v, Literal) or v in known
                                                for v in ins):
            vals = [v.val if isinstance(v, Literal) else known[v] for v in ins]
            out = bind(e.prim, *vals, **e.params)
            outs = list(out) if e.prim.multiple_results else [out]
            for ov, val in zip(e.outvars, outs):
                known[ov] = new_consts[ov] = val
            continue
        eqns.append(Eqn(e.prim, ins, e.outvars, e.params))
    outvars = [rw.read(v) for v in jaxpr.outvars]
    used = _used_vars(eqns, outvars)
    constvars = [v for v in new_consts if v in used]
    return Jaxpr(constvars, jaxpr.invars, eqns, outvars), [new_consts[v] for v in constvars]


def _host_scalar(c):
    """A numpy scalar holding the 0-d host constant `c`, or None for anything else."""
    if type(c) is Array:
        c = c._value
    if isinstance(c, np.generic):
        return c
    if type(c) is np.ndarray and c.ndim == 0:
        return c[()]
    return None


def inline_scalars(jaxpr, consts):
    """Constants that are 0-d host arrays become literals of the equations that read them, so
    that simplification sees their values (the cotangent seed 1.0 that grad multiplies by) and
    the code reads no argument for them. Not once a GPU is in use: where the code runs may
    depend on a constant's placement.

    Before: `{ lambda a:f64[] ; b:f64[]. let c:f64[] = mul a b in (c,) }` with a = 1.0;
    after: `{ lambda ; b:f64[]. let c:f64[] = mul 1.0 b in (c,) }`."""
    if backend.active:
        return jaxpr, consts
    inline, kept = {}, []
    for v, c in zip(jaxpr.constvars, consts):
        val = _host_scalar(c)
        if val is None or val.dtype != v.aval.dtype:
            kept.append((v, c))
        else:
            inline[v] = Literal(val, v.aval)
    if not inline:
        return jaxpr, consts
    read = lambda v: inline.get(v, v) if _is_var(v) else v  # noqa: E731
    eqns = [Eqn(e.prim, [read(v) for v in e.invars], e.outvars, e.params) for e in jaxpr.eqns]
    return (Jaxpr([v for v, _ in kept], jaxpr.invars, eqns, [read(v) for v in jaxpr.outvars]),
            [c for _, c in kept])


def _literal_value(v):
    if isinstance(v, Literal):
        val = v.val
        return val.item() if isinstance(val, (np.ndarray, np.generic)) and np.ndim(val) == 0 \
            else val if not isinstance(val, np.ndarray) else None
    return None


def _same_type(a, b):
    return a.aval.shape == b.aval.shape and a.aval.dtype == b.aval.dtype


def _simplify_one(e, ins):
    """A variable that equation `e` (with inputs `ins`) merely passes through, or None: x op u
    or u op x for the primitive's unit u, or a unary primitive that its parameters make the
    identity (a no-op reshape, transpose, broadcast or convert)."""
    prim, out = e.prim, e.outvars[0]
    unit = prim.unit
    if unit is not None and len(ins) == 2:
        (a, b), (left, right) = ins, unit
        if right is not None and _literal_value(b) == right and _is_var(a) and _same_type(a, out):
            return a
        if left is not None and _literal_value(a) == left and _is_var(b) and _same_type(b, out):
            return b
    identity = prim.identity
    if identity is not None and _is_var(ins[0]) and _same_type(ins[0], out) and identity(
            e.params, out.aval):
        return ins[0]  # (stop_gradient only matters to transforms, which run before this)
    return None


def simplify(jaxpr):
    """x*1, x+0, x-0, x/1, identity reshapes/broadcasts/converts/transposes, and chains of one
    primitive that composes (transposes, reshapes) folded into one equation."""
    rw, eqns, producer = _Rewriter(), [], {}
    for e in jaxpr.eqns:
        ins = [rw.read(v) for v in e.invars]
        if not e.prim.multiple_results:
            same = _simplify_one(e, ins)
            if same is not None:
                rw.rename[e.outvars[0]] = same
                continue
            prev = producer.get(ins[0]) if ins and _is_var(ins[0]) else None
            if prev is not None and prev.prim is e.prim and e.prim.compose is not None:
                ins = [prev.invars[0]]
                e = Eqn(e.prim, ins, e.outvars, e.prim.compose(prev.params, e.params))
                same = _simplify_one(e, ins)
                if same is not None:
                    rw.rename[e.outvars[0]] = same
                    continue
        new = Eqn(e.prim, ins, e.outvars, e.params)
        eqns.append(new)
        for o in e.outvars:
            producer[o] = new
    return Jaxpr(jaxpr.constvars, jaxpr.invars, eqns, [rw.read(v) for v in jaxpr.outvars])


def _key(v):
    return v.key() if isinstance(v, Literal) else v


def _commutes(prim):
    """Whether the primitive is numpy's add or multiply (its jit template's ufunc), for which
    a op b and b op a are the same bits."""
    return getattr(prim.jit, "ufunc", None) in (np.add, np.multiply)


def cse(jaxpr):
    """One equation for each distinct (primitive, inputs, parameters); the operands of add and
    multiply in either order count as the same inputs."""
    rw, eqns, seen = _Rewriter(), [], {}
    for e in jaxpr.eqns:
        ins = [rw.read(v) for v in e.invars]
        if not e.prim.effectful:
            try:
                keys = tuple(_key(v) for v in ins)
                if len(ins) == 2 and all(_is_var(v) for v in ins) and _commutes(e.prim):
                    keys = tuple(sorted(keys, key=lambda v: v.count))
                key = (e.prim, keys, tuple(sorted(e.params.items())))
                hash(key)
            except TypeError:
                key = None
            if key is not None:
                prev = seen.get(key)
                if prev is not None:
                    for a, b in zip(e.outvars, prev.outvars):
                        rw.rename[a] = b
                    continue
        new = Eqn(e.prim, ins, e.outvars, e.params)
        if not e.prim.effectful and key is not None:
            seen[key] = new
        eqns.append(new)
    return Jaxpr(jaxpr.constvars, jaxpr.invars, eqns, [rw.read(v) for v in jaxpr.outvars])


def _scalar_literal(v):
    return isinstance(v, Literal) and v.aval.shape == ()


def scale_products(jaxpr):
    """A scalar literal times a product of a bilinear primitive (dot_general) read nowhere else
    scales the product's smaller operand instead: the same value with fewer multiplications
    (an SGD step's `lr * (x.T @ g)` scales g, not the weight-sized product). Equal to what
    the jaxpr computes up to rounding (the factor is applied before the sums, not after).

    Before: `{ lambda ; a:f64[64,1000] b:f64[64,100]. let
        c:f64[1000,100] = dot_general[dimension_numbers=(((0,), (0,)), ((), ()))] a b
        d:f64[1000,100] = mul 1e-06 c in (d,) }`;
    after: `{ lambda ; a:f64[64,1000] b:f64[64,100]. let
        e:f64[64,100] = mul 1e-06 b
        d:f64[1000,100] = dot_general[dimension_numbers=(((0,), (0,)), ((), ()))] a e in (d,) }`."""
    producer = {e.outvars[0]: e for e in jaxpr.eqns
                if e.prim.bilinear and not e.prim.multiple_results}
    if not producer:  # (most jaxprs: nothing to look at)
        return jaxpr
    uses = {}
    for e in jaxpr.eqns:
        for v in e.invars:
            if _is_var(v):
                uses[v] = uses.get(v, 0) + 1
    for v in jaxpr.outvars:
        if _is_var(v):
            uses[v] = uses.get(v, 0) + 2  # (an output is kept as it is)
    # the product's equation -> None (dropped); the multiplication's -> the two that replace it
    plan = {}
    for e in jaxpr.eqns:
        if getattr(e.prim.jit, "ufunc", None) is not np.multiply or len(e.invars) != 2:
            continue
        for k in (0, 1):
            c, x = e.invars[k], e.invars[1 - k]
            prod = producer.get(x) if _is_var(x) and _scalar_literal(c) else None
            if prod is None or uses[x] != 1 or prod in plan:
                continue
            out = e.outvars[0].aval
            if x.aval.shape != out.shape or x.aval.dtype != out.dtype:
                continue
            # the smallest operand of the product's dtype (scaling it keeps its type)
            sizes = [(math.prod(v.aval.shape), i) for i, v in enumerate(prod.invars)
                     if v.aval.dtype == out.dtype and v.aval.shape != ()]
            if not sizes or min(sizes)[0] >= math.prod(out.shape):
                continue
            i = min(sizes)[1]
            scaled = Var(prod.invars[i].aval)
            operands = list(prod.invars)
            operands[i] = scaled
            plan[prod] = None
            plan[e] = [Eqn(e.prim, [c, prod.invars[i]] if k == 0 else [prod.invars[i], c],
                           [scaled], e.params),
                       Eqn(prod.prim, operands, e.outvars, prod.params)]
            break
    if not plan:
        return jaxpr
    eqns = []  # (the scaled product in the multiplication's place: its operands come before)
    for e in jaxpr.eqns:
        if e not in plan:
            eqns.append(e)
        elif plan[e] is not None:
            eqns.extend(plan[e])
    return Jaxpr(jaxpr.constvars, jaxpr.invars, eqns, jaxpr.outvars)


def _used_vars(eqns, outvars):
    used = {v for v in outvars if _is_var(v)}
    for e in eqns:
        used.update(v for v in e.invars if _is_var(v))
    return used


def dce(jaxpr, consts):
    """Drop equations whose results nobody reads, and constants nobody uses."""
    live = {v for v in jaxpr.outvars if _is_var(v)}
    kept = []
    for e in reversed(jaxpr.eqns):
        if e.prim.effectful or any(o in live for o in e.outvars):
            kept.append(e)
            live.update(v for v in e.invars if _is_var(v))
    kept.reverse()
    pairs = [(v, c) for v, c in zip(jaxpr.constvars, consts) if v in live]
    return (Jaxpr([v for v, _ in pairs], jaxpr.invars, kept, jaxpr.outvars),
            [c for _, c in pairs])


# ---- the pipeline: named passes, and a record of what each did ---------------------------------

class Pass:
    """One named rewrite of a (jaxpr, consts) pair; `doc` is the first line of its docstring."""
    __slots__ = ("name", "fn", "doc")

    def __init__(self, name, fn):
        self.name, self.fn = name, fn
        self.doc = (fn.__doc__ or "").strip().splitlines()[0]

    def __call__(self, jaxpr, consts):
        return self.fn(jaxpr, consts)

    def __repr__(self):
        return f"<Pass {self.name}: {self.doc}>"


class PassRecord:
    """What one pass did to one jaxpr: its equation and constant counts before and after, and
    whether it changed anything (`fired`)."""
    __slots__ = ("name", "eqns_before", "eqns_after", "consts_before", "consts_after", "fired",
                 "elements_before", "elements_after")

    def __init__(self, name, before, after, before_consts, after_consts, elements_before):
        self.name = name
        self.eqns_before, self.eqns_after = len(before.eqns), len(after.eqns)
        self.consts_before, self.consts_after = len(before_consts), len(after_consts)
        self.fired = not _same_jaxpr(before, after)
        # the number of array elements the equations produce: a measure of the work
        self.elements_before = elements_before
        self.elements_after = _elements(after) if self.fired else elements_before

    def __str__(self):
        if not self.fired:
            return f"{self.name}: -"
        removed = self.eqns_before - self.eqns_after
        what = (f"{removed} removed" if removed > 0 else f"{-removed} added" if removed < 0
                else "rewritten")
        consts = (f", constants {self.consts_before} -> {self.consts_after}"
                  if self.consts_before != self.consts_after else "")
        work = (f", elements computed {self.elements_before:,} -> {self.elements_after:,}"
                if self.elements_before != self.elements_after else "")
        return (f"{self.name}: equations {self.eqns_before} -> {self.eqns_after} ({what})"
                f"{work}{consts}")

    __repr__ = __str__


def _elements(jaxpr):
    return sum(math.prod(v.aval.shape) for e in jaxpr.eqns for v in e.outvars)


def _same_eqn(a, b):
    return a is b or (a.prim is b.prim and a.params is b.params and a.invars == b.invars
                      and a.outvars == b.outvars)


def _same_jaxpr(a, b):
    return a is b or (len(a.eqns) == len(b.eqns) and a.constvars == b.constvars
                      and a.outvars == b.outvars
                      and all(_same_eqn(x, y) for x, y in zip(a.eqns, b.eqns)))


def _with_consts(fn):
    """A pass of the jaxpr alone, lifted to (jaxpr, consts)."""
    def run(jaxpr, consts):
        return fn(jaxpr), consts
    run.__doc__ = fn.__doc__
    return run


def _then_dce(fn):
    """A pass that leaves dead equations behind, followed by dce (so its record shows what it
    saved)."""
    def run(jaxpr, consts):
        new, new_consts = fn(jaxpr, consts)
        return (jaxpr, consts) if new is jaxpr else dce(new, new_consts)
    run.__doc__ = fn.__doc__
    return run


PIPELINE = [
    Pass("dce", dce),           # what tracing recorded but no output needs
    Pass("fold_constants", _then_dce(fold_constants)),
    Pass("fold_structure", _then_dce(fold_structure)),
    Pass("sink_reshapes", _then_dce(sink_reshapes)),
    Pass("inline_scalars", inline_scalars),
    Pass("simplify", _with_consts(simplify)),
    Pass("scale_products", _with_consts(scale_products)),
    Pass("cse", _with_consts(cse)),
    Pass("dce", dce),
    Pass("horizontal_fusion", horizontal_fusion),  # last: it writes pack/unpack (hfuse.py)
]
"""The passes `optimize` runs, in order (dce runs again wherever one leaves dead equations, so
each record shows what that pass saved). Each is a function (jaxpr, consts) -> (jaxpr, consts)
that keeps what the jaxpr computes (fold_structure: up to the sign of exact zeros, and zeros
where a dense product would have met an infinity; see structure.py)."""


def run_passes(jaxpr, consts, passes=None):
    """(jaxpr, consts, [PassRecord per pass]) after running `passes` (default: PIPELINE)."""
    records, elements = [], _elements(jaxpr)
    for p in PIPELINE if passes is None else passes:
        new, new_consts = p(jaxpr, consts)
        records.append(PassRecord(p.name, jaxpr, new, consts, new_consts, elements))
        jaxpr, consts, elements = new, new_consts, records[-1].elements_after
    return jaxpr, consts, records


def optimize(jaxpr, consts):
    """The optimized (jaxpr, consts): every pass of PIPELINE, in order."""
    jaxpr, consts, _ = run_passes(jaxpr, consts)
    return jaxpr, consts
