"""Abstract tracing into a jaxpr: only shapes and dtypes are known; every operation on a traced
value becomes an equation. Values that do not depend on the inputs are computed at once and enter
the jaxpr as constants (or literals, for Python scalars); in JAX's mode, as in JAX, operations on
constants are staged too (trace.staging), and scalar constants are literals."""
from __future__ import annotations

import numpy as np

from .._core import avals
from .._core.array import Array
from .._core.avals import PY_SCALARS, scalar_aval
from .._core.errors import concretization_class, doc_link, user_frame
from .._core.ir import ClosedJaxpr, Eqn, Jaxpr, Literal, Var
from .._core.trace import Trace, Tracer, get_aval


class JaxprTracer(Tracer):
    __slots__ = ("var",)

    def __init__(self, trace, var):
        self._trace, self.var = trace, var

    @property
    def aval(self):
        return self.var.aval


class JaxprTrace(Trace):
    name = "make_jaxpr"
    stages_constants = True  # JAX's mode: as JAX's jit and make_jaxpr (trace.staging)

    def __init__(self, name=None):
        super().__init__(name)
        self.eqns, self.invars, self.arg_names = [], [], []
        self.const_vars, self.consts = {}, []

    def new_arg(self, aval, name=None):
        v = Var(aval)
        self.invars.append(v)
        self.arg_names.append(name)
        return JaxprTracer(self, v)

    def to_atom(self, x):
        if isinstance(x, JaxprTracer) and x._trace is self:
            return x.var
        if type(x) in PY_SCALARS:
            return Literal(x, scalar_aval(x))
        if isinstance(x, np.generic):
            return Literal(x, get_aval(x))
        if avals.JAX_LATTICE and x.__class__ is Array and x._value.shape == ():
            # JAX's mode: a scalar constant is written inline, as JAX writes it (2:i32[])
            return Literal(x._value[()], get_aval(x))
        v = self.const_vars.get(id(x))
        if v is None:
            v = self.const_vars[id(x)] = Var(get_aval(x).strip_weak_type())
            self.consts.append(x)  # keeps x alive, so its id stays unique
        return v

    def process_primitive(self, prim, args, params):
        invars = [self.to_atom(a) for a in args]
        out = prim.abstract_eval(*[v.aval for v in invars], **params)
        if prim.multiple_results:
            outvars = [Var(a) for a in out]
            self.eqns.append(Eqn(prim, invars, outvars, params))
            return [JaxprTracer(self, v) for v in outvars]
        v = Var(out)
        self.eqns.append(Eqn(prim, invars, [v], params))
        return JaxprTracer(self, v)

    def build(self, outs):
        outvars = [self.to_atom(o) for o in outs]
        constvars = [self.const_vars[id(c)] for c in self.consts]
        return ClosedJaxpr(Jaxpr(constvars, list(self.invars), list(self.eqns), outvars),
                           self.consts)

    def concrete(self, tracer, why):
        if why is None:
            why = "a concrete value"
        names = self._inputs_behind(tracer.var)
        origin = (f"derived from argument{'s' if len(names) > 1 else ''} "
                  + ", ".join(f"`{n}`" for n in names)) if names else "a traced value"
        raise concretization_class(why)(
            f"{why} needs a concrete value, but this is a {tracer.aval.str_short()} traced by "
            f"{self.name}, {origin}.\n"
            f"  at {user_frame()}\n"
            f"Under {self.name} only shapes and dtypes are known, not values, so Python cannot "
            "branch on or convert a traced value. Instead:\n"
            "  - choose elementwise:        y = fnp.where(x > 0, a, b)\n"
            "  - branch on a traced scalar: y = fg.lax.cond(x > 0, true_fn, false_fn, x)\n"
            "  - loop on a traced value:    fg.lax.while_loop, fg.lax.fori_loop, fg.lax.scan\n"
            f"  - or make the argument static, a Python value: fg.{self.name}(f, "
            "static_argnums=<its position>)\n"
            + doc_link("concretizationerror"))

    def _inputs_behind(self, var):
        """Names of the inputs `var` depends on, walking the equations backwards."""
        need, producers = {var}, {}
        for e in self.eqns:
            for o in e.outvars:
                producers[o] = e
        stack, seen = [var], set()
        while stack:
            v = stack.pop()
            if v in seen:
                continue
            seen.add(v)
            e = producers.get(v)
            if e is not None:
                stack.extend(x for x in e.invars if isinstance(x, Var))
        need = seen
        return [n for v, n in zip(self.invars, self.arg_names) if v in need and n]
