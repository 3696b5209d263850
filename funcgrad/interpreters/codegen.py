"""Code generation: a jaxpr becomes one straight-line Python function calling the array
namespace directly, with no per-operation dispatch.

Each primitive may register a template `prim.jit(ctx, outs, ins, params, reuse) -> str` (one
line of Python); without one, the line calls the primitive's impl. Buffer reuse (`reuse`, the
name of a dead temporary the template writes its result into) is planned by
`buffers.plan_buffers`; only templates that declare `takes_out` (numpy's ufuncs) are handed one.
A template that is a ufunc (`template.ufunc`) also gets its scalar literals as 0-d arrays of the
dtype the ufunc's loop would cast them to (`np.multiply(x32, 0.9)` becomes
`np.multiply(x32, _c0)` with `_c0 = np.float32(0.9)` as a 0-d array): the same arithmetic,
without numpy resolving a Python scalar's weak type on every call."""
from __future__ import annotations

import functools
import keyword
import warnings

import numpy as np

from .._core.avals import dtype_key
from .._core.ir import Literal, Var, _Namer
from .buffers import plan_buffers


class Context:
    def __init__(self, xp=np):
        self.xp = xp  # the array namespace the code runs on: numpy, or cupy for a GPU
        self.namespace = {}
        self._objs = {}
        self._scalars = {}

    def scalar(self, value):
        """A global name for the 0-d (read-only) array `value`, one per distinct dtype and value."""
        key = (value.dtype.str, value.tobytes())
        name = self._scalars.get(key)
        if name is None:
            value.setflags(write=False)
            name = self._scalars[key] = self.ref(value, "c")
        return name

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
    """The template of a primitive that is the ufunc `ufunc`: one call, into `reuse` if given."""
    def template(ctx, outs, ins, params, reuse):
        out_arg = f", out={reuse}" if reuse else ""
        # On a GPU, CuPy's own ufunc: numpy's would find it too, through __array_ufunc__, at a
        # few microseconds a call.
        fn = ufunc if ctx.xp is np else getattr(ctx.xp, ufunc.__name__)
        return f"{outs[0]} = {ctx.ref(fn, ufunc.__name__)}({', '.join(ins)}{out_arg})"
    template.ufunc = ufunc
    template.takes_out = True
    return template


class _PyNamer(_Namer):
    """The jaxpr's variable names, made valid Python (`if`, `in`, `is` are names jaxprs reach)."""

    def __call__(self, v):
        n = super().__call__(v)
        return n + "_" if isinstance(v, Var) and keyword.iskeyword(n) else n


def generate(jaxpr, name="jitted", xp=np, reuse_buffers=True):
    """(source, namespace) of a function taking (*consts, *inputs) and returning the outputs,
    computing with the array namespace `xp` (writing into dead temporaries unless
    `reuse_buffers` is False)."""
    ctx = Context(xp)
    namer = _PyNamer()
    params = [namer(v) for v in list(jaxpr.constvars) + list(jaxpr.invars)]
    plan = plan_buffers(jaxpr) if reuse_buffers else {}
    lines = [f"def {name}({', '.join(params)}):"]
    for i, e in enumerate(jaxpr.eqns):
        template = e.prim.jit or default_template(e.prim)
        ufunc = getattr(template, "ufunc", None)
        scalars = (_literal_arrays(e, ufunc) if ufunc is not None and xp is np
                   and any(isinstance(v, Literal) for v in e.invars) else {})
        ins = [ctx.scalar(scalars[j]) if j in scalars else _atom(ctx, namer, v)
               for j, v in enumerate(e.invars)]
        outs = [namer(v) for v in e.outvars]
        target = plan.get(i)
        lines.append("    " + template(ctx, outs, ins, e.params,
                                       None if target is None else namer(target)))
    outs = ", ".join(_atom(ctx, namer, v) for v in jaxpr.outvars)
    lines.append(f"    return ({outs}{',' if len(jaxpr.outvars) == 1 else ''})")
    return "\n".join(lines) + "\n", ctx.namespace


def _literal_arrays(e, ufunc):
    """{operand position: 0-d array} for the scalar literals of equation `e`, a call of `ufunc`:
    each cast to the dtype of the loop numpy picks for these operands (what the ufunc would cast
    it to on every call). A literal whose cast would overflow or warn stays as it is."""
    if ufunc.nout != 1 or len(e.invars) != ufunc.nin:
        return {}
    try:
        loop = ufunc.resolve_dtypes(tuple(dtype_key(v.aval) for v in e.invars) + (None,))
    except (TypeError, ValueError):
        return {}
    if loop[-1] != e.outvars[0].aval.dtype:
        return {}
    found = {}
    for j, v in enumerate(e.invars):
        if isinstance(v, Literal) and np.ndim(v.val) == 0:
            try:
                with warnings.catch_warnings(), np.errstate(all="raise"):
                    warnings.simplefilter("error")
                    found[j] = np.array(v.val, dtype=loop[j])
            except (ArithmeticError, ValueError, TypeError, Warning):
                continue
    return found


def _atom(ctx, namer, v):
    if isinstance(v, Literal):
        val = v.val
        if type(val) in (bool, int) or (type(val) is float and np.isfinite(val)):
            return repr(val)
        return ctx.ref(val, "c")
    return namer(v)


def compile_jaxpr(jaxpr, name="jitted", xp=np):
    source, namespace = generate(jaxpr, name, xp)
    # Safe to exec (SECURITY.md): the source holds only the templates' text, generated variable
    # names, global names `_<hint><n>` for objects passed in `namespace`, int/bool/finite-float
    # literals by repr, and `name`, which jit makes a plain identifier. No value from the user's
    # data (params, dict keys, constants) is written into it (tests/test_security.py).
    code = compile(source, f"<funcgrad.jit {name}>", "exec")
    exec(code, namespace)
    return namespace[name], source
