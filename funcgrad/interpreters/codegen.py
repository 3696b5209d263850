"""Code generation: a jaxpr becomes one straight-line Python function calling the array
namespace directly, with no per-operation dispatch.

Each primitive may register a template `prim.jit(ctx, outs, ins, params, reuse) -> str` (one
line of Python); without one, the line calls the primitive's impl. Buffer reuse: when an input of an
equation is a temporary of the same shape and dtype as its output, produced fresh by an earlier
equation and read by nothing later, the template may write the result into it (`out=`), sparing
an allocation (and, for large arrays, the page faults of touching new memory). Only primitives
that declare `fresh` (their output is always new memory) take part: any other may return a view
of an input (reshape, slice) or the input itself (cond, a reduction over no axes), so writing
into its output, or into its input while the output lives, would write into both."""
from __future__ import annotations

import functools
import keyword

import numpy as np

from .._core.ir import Literal, Var, _Namer


class Context:
    def __init__(self, xp=np):
        self.xp = xp  # the array namespace the code runs on: numpy, or cupy for a GPU
        self.namespace = {}
        self._objs = {}

    def ref(self, obj, hint="f"):
        """A global name under which the generated code can reach `obj`."""
        key = id(obj)
        name = self._objs.get(key)
        if name is None:
            name = f"_{hint}{len(self._objs)}"
            self._objs[key] = name
            self.namespace[name] = obj
        return name


def default_template(prim):
    def template(ctx, outs, ins, params, reuse):
        fn = functools.partial(prim.impl, **params) if params else prim.impl
        call = f"{ctx.ref(fn, prim.name.replace('-', '_'))}({', '.join(ins)})"
        if not outs:
            return call  # an effect only (debug_print)
        return f"{', '.join(outs)}{',' if prim.multiple_results and len(outs) == 1 else ''} = {call}"
    return template


def ufunc_template(ufunc):
    def template(ctx, outs, ins, params, reuse):
        out_arg = f", out={reuse}" if reuse else ""
        # On a GPU, CuPy's own ufunc: numpy's would find it too, through __array_ufunc__, at a
        # few microseconds a call.
        fn = ufunc if ctx.xp is np else getattr(ctx.xp, ufunc.__name__)
        return f"{outs[0]} = {ctx.ref(fn, ufunc.__name__)}({', '.join(ins)}{out_arg})"
    return template


class _PyNamer(_Namer):
    """The jaxpr's variable names, made valid Python (`if`, `in`, `is` are names jaxprs reach)."""

    def __call__(self, v):
        n = super().__call__(v)
        return n + "_" if isinstance(v, Var) and keyword.iskeyword(n) else n


def generate(jaxpr, name="jitted", xp=np):
    """(source, namespace) of a function taking (*consts, *inputs) and returning the outputs,
    computing with the array namespace `xp`."""
    ctx = Context(xp)
    namer = _PyNamer()
    params = [namer(v) for v in list(jaxpr.constvars) + list(jaxpr.invars)]
    last_use = {}
    for i, e in enumerate(jaxpr.eqns):
        for v in e.invars:
            if isinstance(v, Var):
                last_use[v] = i
    for v in jaxpr.outvars:
        if isinstance(v, Var):
            last_use[v] = len(jaxpr.eqns)
    fresh, aliased = set(), set()
    lines = [f"def {name}({', '.join(params)}):"]
    for i, e in enumerate(jaxpr.eqns):
        ins = [_atom(ctx, namer, v) for v in e.invars]
        outs = [namer(v) for v in e.outvars]
        reuse = None
        is_fresh = e.prim.fresh
        if is_fresh and not e.prim.multiple_results:
            out_aval = e.outvars[0].aval
            for v in e.invars:
                if (isinstance(v, Var) and v in fresh and v not in aliased
                        and last_use.get(v) == i and v.aval.shape == out_aval.shape
                        and v.aval.dtype == out_aval.dtype and out_aval.ndim > 0):
                    reuse = namer(v)
                    fresh.discard(v)
                    break
        template = e.prim.jit or default_template(e.prim)
        lines.append("    " + template(ctx, outs, ins, e.params, reuse))
        if not is_fresh:
            aliased.update(v for v in e.invars if isinstance(v, Var))
            aliased.update(e.outvars)
        elif e.outvars[0].aval.ndim > 0:
            fresh.update(e.outvars)
    outs = ", ".join(_atom(ctx, namer, v) for v in jaxpr.outvars)
    lines.append(f"    return ({outs}{',' if len(jaxpr.outvars) == 1 else ''})")
    return "\n".join(lines) + "\n", ctx.namespace


def _atom(ctx, namer, v):
    if isinstance(v, Literal):
        val = v.val
        if type(val) in (bool, int) or (type(val) is float and np.isfinite(val)):
            return repr(val)
        return ctx.ref(val, "c")
    return namer(v)


def compile_jaxpr(jaxpr, name="jitted", xp=np):
    source, namespace = generate(jaxpr, name, xp)
    code = compile(source, f"<funcgrad.jit {name}>", "exec")
    exec(code, namespace)
    return namespace[name], source
