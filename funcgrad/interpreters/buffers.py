"""Buffer reuse, the last pass before code generation: which equations write their result into
the memory of a temporary that is dead by then (`np.multiply(a, b, t)`), instead of allocating.

A temporary's buffer may be written only when the generated code owns it exclusively: it was
produced, with ndim > 0, by a `fresh` primitive (its output is always new memory), no primitive
that may return a view or the value itself (not `fresh`: reshape, slice, cond) ever read it, and
it is neither an input, a constant nor an output of the function. Two ways to take one:

- in place: an operand of this equation, read here for the last time, with the output's shape
  and dtype (`c = a * b` -> `np.multiply(a, b, a)`); numpy's ufuncs allow an output that is
  exactly one of their operands;
- from the pool: a temporary read for the last time by an earlier equation, of the output's shape
  and dtype. Only an equation that is `fresh` and not `effectful` may be that last reader: an
  effect (a debug callback) may keep the array it was handed.

Only equations whose code template writes into a given buffer (`template.takes_out`, as numpy's
ufuncs do) take part.

>>> import funcgrad as fg, funcgrad.numpy as fnp
>>> def f(x, y):
...     s = fnp.sin(x) * fnp.cos(x)    # the product is written into sin's buffer; cos's is free
...     return s, fnp.exp(y)            # exp writes into cos's buffer
>>> print(fg.jit(f).lower(fnp.ones(3), fnp.ones(3)).source)
def f(a, b):
    c = _sin0(a)
    d = _cos1(a)
    e = _multiply2(c, d, out=c)
    f = _exp3(b, out=d)
    return (e, f)
<BLANKLINE>
"""
from __future__ import annotations

from .._core.ir import Var


def takes_out(prim):
    """Whether the code template of `prim` writes into a buffer it is given."""
    return bool(getattr(prim.jit, "takes_out", False))


def plan_buffers(jaxpr, reusable=takes_out):
    """{equation index: the dead temporary Var whose buffer that equation writes its output
    into}, for the equations for which `reusable(prim)` is true (see the module docstring)."""
    last_use = {}
    for i, e in enumerate(jaxpr.eqns):
        for v in e.invars:
            if isinstance(v, Var):
                last_use[v] = i
    for v in jaxpr.outvars:
        if isinstance(v, Var):
            last_use[v] = len(jaxpr.eqns)
    owned = set()      # temporaries whose buffer the generated code alone holds
    pool = {}          # (shape, dtype) -> dead owned temporaries
    plan = {}
    for i, e in enumerate(jaxpr.eqns):
        prim = e.prim
        if not prim.fresh:
            # the output may be (a view of) an operand: neither is ever written
            owned.difference_update(v for v in e.invars if isinstance(v, Var))
            continue
        single = not prim.multiple_results and len(e.outvars) == 1
        out = e.outvars[0].aval if single else None
        if single and out.ndim > 0 and reusable(prim):
            key = (out.shape, out.dtype)
            target = None
            for v in e.invars:
                if (isinstance(v, Var) and v in owned and last_use[v] == i
                        and (v.aval.shape, v.aval.dtype) == key):
                    target = v
                    break
            if target is None and pool.get(key):
                target = pool[key].pop()
            if target is not None:
                owned.discard(target)
                plan[i] = target
        # operands read here for the last time, by a pure fresh primitive: their buffers are free
        if not prim.effectful:
            for v in e.invars:
                if isinstance(v, Var) and v in owned and last_use[v] == i:
                    owned.discard(v)
                    pool.setdefault((v.aval.shape, v.aval.dtype), []).append(v)
        if single and out.ndim > 0 and e.outvars[0] in last_use:
            owned.add(e.outvars[0])
    return plan
