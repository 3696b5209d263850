"""Code generation: a jaxpr becomes one straight-line Python function calling the array
namespace directly, with no per-operation dispatch.

Each primitive may register a template `prim.jit(ctx, outs, ins, params) -> str` (one line of
Python); without one, the line calls the primitive's impl. Buffer reuse: when an input of an
equation is a temporary of the same shape and dtype as its output, produced fresh by an earlier
equation and read by nothing later, the template may write the result into it (`out=`), sparing
an allocation (and, for large arrays, the page faults of touching new memory)."""
from __future__ import annotations

import functools
import keyword

import numpy as np

from .._core.ir import Literal, Var, _Namer

# Primitives whose output is a view of (or the same object as) an input: writing into their
# output, or into their input while the output lives, would write into both.
ALIASING = {"reshape", "transpose", "broadcast_in_dim", "squeeze", "expand_dims", "slice",
            "gather", "dynamic_slice", "convert_element_type", "stop_gradient"}
# Primitives whose output is always a new array: the only ones whose buffers may be reused.
FRESH: set = set()


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
        if e.prim.name in FRESH and not e.prim.multiple_results:
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
        if e.prim.name in ALIASING or e.prim.name not in FRESH:
            # Only FRESH primitives are known to return new memory; any other (cond, while,
            # scan, custom_*, checkpoint, a reduction over no axes) may hand back an input.
            aliased.update(v for v in e.invars if isinstance(v, Var))
            aliased.update(e.outvars)
        elif e.prim.name in FRESH and e.outvars[0].aval.ndim > 0:
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
