"""The IR every transform works on: typed variables, equations, jaxprs.

    { lambda c:f64[3] ; a:f64[3]. let b:f64[3] = sin a; d:f64[3] = mul b c in (d,) }

`lambda consts ; inputs. let equations in outputs`; each equation is
`outvars = primitive[params] invars`. Printing, graphviz export, a type checker and an evaluator
live here too.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import avals
from .avals import ShapedArray
from .errors import JaxprTypeError, doc_link
from .trace import bind


class Var:
    __slots__ = ("aval", "count")
    _counter = 0

    def __init__(self, aval):
        self.aval = aval
        Var._counter += 1
        self.count = Var._counter  # creation order; names are given at print time

    def __repr__(self):
        return f"Var({self.aval.str_short()})"


class Literal:
    """A Python scalar (or a 0-d constant) written inline in an equation."""
    __slots__ = ("val", "aval")

    def __init__(self, val, aval):
        self.val, self.aval = val, aval

    def __repr__(self):
        return f"Literal({self.val!r})"

    def key(self):
        """A hashable identity of the value and its type that tells apart what `==` does not
        (0.0 and -0.0, 1 and 1.0, NaN payloads), for passes that merge equal equations."""
        val = self.val
        if isinstance(val, (np.generic, np.ndarray)):
            val = (val.dtype.str, val.tobytes())
        else:
            val = repr(val)
        return ("lit", type(self.val).__name__, val, self.aval.dtype, self.aval.weak_type)


class Eqn:
    __slots__ = ("prim", "invars", "outvars", "params")

    def __init__(self, prim, invars, outvars, params):
        self.prim, self.invars, self.outvars, self.params = prim, invars, outvars, params

    @property
    def primitive(self):
        """The equation's primitive (JAX's name for it; `prim` is funcgrad's)."""
        return self.prim


class Jaxpr:
    __slots__ = ("constvars", "invars", "eqns", "outvars")

    def __init__(self, constvars: list[Var], invars: list[Var], eqns: list[Eqn],
                 outvars: list[Var | Literal]):
        self.constvars, self.invars, self.eqns, self.outvars = constvars, invars, eqns, outvars

    def __str__(self) -> str:
        return pretty(self)

    __repr__ = __str__

    def to_dot(self, name: str = "jaxpr") -> str:
        return to_dot(self, name)


class ClosedJaxpr:
    """A jaxpr together with the values of its constvars."""
    __slots__ = ("jaxpr", "consts", "in_tree", "out_tree", "compiled")

    def __init__(self, jaxpr: Jaxpr, consts: list[Any], in_tree: Any = None, out_tree: Any = None):
        self.jaxpr, self.consts = jaxpr, list(consts)
        self.in_tree, self.out_tree = in_tree, out_tree
        self.compiled = {}  # generated code per array namespace, for primitives that run it

    @property
    def eqns(self) -> list[Eqn]:
        return self.jaxpr.eqns

    @property
    def in_avals(self) -> list[ShapedArray]:
        return [v.aval for v in self.jaxpr.invars]

    @property
    def out_avals(self) -> list[ShapedArray]:
        return [v.aval for v in self.jaxpr.outvars]

    def __str__(self) -> str:
        return pretty(self.jaxpr)

    __repr__ = __str__

    def to_dot(self, name: str = "jaxpr") -> str:
        return to_dot(self.jaxpr, name)

    def typecheck(self) -> ClosedJaxpr:
        typecheck(self.jaxpr)
        return self

    def __call__(self, *args: Any) -> Any:
        return eval_jaxpr(self.jaxpr, self.consts, *args)


# ---- printing ---------------------------------------------------------------------------------

def _names():
    # JAX's scheme: base 26 with a as the zero digit, so z is followed by ba, bb, ...
    letters = "abcdefghijklmnopqrstuvwxyz"
    n = 0
    while True:
        s, k = "", n
        while True:
            s = letters[k % 26] + s
            k //= 26
            if k == 0:
                break
        yield s
        n += 1


class _Namer:
    def __init__(self):
        self.names, self.gen = {}, _names()

    def __call__(self, v):
        if isinstance(v, Literal):
            return _literal_str(v.val)
        n = self.names.get(v)
        if n is None:
            n = self.names[v] = next(self.gen)
        return n

    def decl(self, v):
        return f"{self(v)}:{v.aval.str_short()}"


def _literal_str(val):
    v = val.item() if isinstance(val, (np.ndarray, np.generic)) else val
    return repr(v)


def _param_str(v):
    if isinstance(v, np.dtype) or (isinstance(v, type) and issubclass(v, np.generic)):
        return np.dtype(v).name
    if isinstance(v, Jaxpr):
        return pretty(v)
    if isinstance(v, ClosedJaxpr):
        return pretty(v.jaxpr)
    if callable(v) and hasattr(v, "__name__"):
        return v.__name__  # the user's function behind custom_jvp, custom_vjp, checkpoint
    if isinstance(v, tuple):
        inner = ", ".join(_param_str(x) for x in v)
        return f"({inner},)" if len(v) == 1 else f"({inner})"
    return repr(v) if isinstance(v, str) else str(v)


def eqn_str(eqn, namer):
    outs = " ".join(namer.decl(v) for v in eqn.outvars)
    params = ""
    if eqn.params:
        params = "[" + ", ".join(f"{k}={_param_str(v)}" for k, v in sorted(eqn.params.items())) + "]"
    ins = " ".join(namer(v) for v in eqn.invars)
    return f"{outs} = {eqn.prim.name}{params} {ins}".rstrip()


def pretty(jaxpr, width=80):
    if avals.JAX_LATTICE:  # JAX's mode prints as JAX 0.10 does
        return _JaxPrinter(width).jaxpr(jaxpr, 0)
    namer = _Namer()
    consts = " ".join(namer.decl(v) for v in jaxpr.constvars)
    ins = " ".join(namer.decl(v) for v in jaxpr.invars)
    eqns = [eqn_str(e, namer) for e in jaxpr.eqns]
    outs = ", ".join(namer(v) for v in jaxpr.outvars)
    outs = f"({outs},)" if len(jaxpr.outvars) == 1 else f"({outs})"
    head = f"{{ lambda {consts}{' ' if consts else ''}; {ins}. let"
    one_line = f"{head} {' '.join(eqns)}{' ' if eqns else ''}in {outs} }}"
    if len(eqns) <= 1 and len(one_line) <= width:
        return one_line
    body = "".join(f"\n    {e}" for e in eqns)
    return f"{head}{body}\n  in {outs} }}"


class _JaxPrinter:
    """JAX 0.10's layout of a jaxpr: typed literals (`2.0:f32[]`), one set of names through the
    nested jaxprs, an equation's parameters space-separated on its line when they fit and one
    per line (nested jaxprs indented under them) when they do not."""

    def __init__(self, width):
        self.width, self.namer = width, _Namer()
        self.unused = set()  # outputs of equations that nothing reads: printed `_`, unnamed

    def decl(self, v):
        if v in self.unused:
            return f"_:{v.aval.str_short()}"
        return self.namer.decl(v)

    def atom(self, v, dtype=None):
        if isinstance(v, Literal):
            aval = v.aval
            if dtype is not None and aval.weak_type:  # as JAX converts it: the operands' type
                aval = ShapedArray(aval.shape, dtype)
            return f"{_typed_literal(v.val, aval.dtype)}:{aval.str_short()}"
        return self.namer(v)

    def jaxpr(self, jaxpr, indent):
        """The jaxpr, its first line starting at column `indent` (already written)."""
        decl = self.namer.decl
        read = {v for e in jaxpr.eqns for v in e.invars if isinstance(v, Var)}
        read.update(v for v in jaxpr.outvars if isinstance(v, Var))
        self.unused.update(v for e in jaxpr.eqns for v in e.outvars if v not in read)
        consts = " ".join(decl(v) for v in jaxpr.constvars)
        ins = " ".join(decl(v) for v in jaxpr.invars)
        head = f"{{ lambda {consts}; {ins}. let"
        eqns = [self.eqn(e, indent + 4) for e in jaxpr.eqns]
        outs = ", ".join(self.atom(v) for v in jaxpr.outvars)
        outs = f"({outs},)" if len(jaxpr.outvars) == 1 else f"({outs})"
        one_line = f"{head} {'; '.join(eqns)}{' ' if eqns else ''}in {outs} }}"
        if "\n" not in one_line and indent + len(one_line) <= self.width:
            return one_line
        pad = " " * (indent + 4)
        body = "".join(f"\n{pad}{e}" for e in eqns)
        return f"{head}{body}\n{' ' * (indent + 2)}in {outs} }}"

    def eqn(self, eqn, indent):
        outs = " ".join(self.decl(v) for v in eqn.outvars)
        # the parameters' names are given before the operands', as JAX does
        printed = eqn.prim.printed_params
        items = sorted((eqn.params if printed is None else printed(eqn.params, eqn)).items())
        dtype = None
        if not eqn.prim.multiple_results and any(  # an elementwise operation's Python scalar
                isinstance(v, Literal) and v.aval.weak_type for v in eqn.invars):
            try:
                dtype = avals.promote_jax(*[(v.aval.dtype, v.aval.weak_type)
                                            for v in eqn.invars])[0]
            except TypeError:
                dtype = None
        ins = " ".join(self.atom(v, dtype) for v in eqn.invars)
        if not items:
            return f"{outs} = {eqn.prim.name} {ins}".rstrip()
        flat = [f"{k}={self.param(v, indent)}" for k, v in items]
        line = f"{outs} = {eqn.prim.name}[{' '.join(flat)}] {ins}".rstrip()
        if not any("\n" in f for f in flat) and indent + len(line) <= self.width and not any(
                isinstance(v, (Jaxpr, ClosedJaxpr)) or _has_jaxprs(v) for _, v in items):
            return line
        # one parameter a line, nested jaxprs laid out from the parameter's column; the
        # names go on as they went (the shared namer is re-walked in the broken layout)
        lines = [f"{k}={self.param(v, indent + 2, len(k) + 1)}" for k, v in items]
        pad = " " * (indent + 2)
        return (f"{outs} = {eqn.prim.name}[" + "".join(f"\n{pad}{x}" for x in lines)
                + f"\n{' ' * indent}] {ins}").rstrip()

    def param(self, v, indent, offset=0):
        if isinstance(v, ClosedJaxpr):
            v = v.jaxpr
        if isinstance(v, Jaxpr):
            return self.jaxpr(v, indent)
        if isinstance(v, tuple) and v and all(isinstance(x, (Jaxpr, ClosedJaxpr)) for x in v):
            pad = " " * (indent + 2)
            inner = "".join(f"\n{pad}{self.param(x, indent + 2)}" for x in v)
            return f"({inner}\n{' ' * indent})"
        return _param_str(v)


def _has_jaxprs(v):
    return isinstance(v, tuple) and any(isinstance(x, (Jaxpr, ClosedJaxpr)) for x in v)


def _typed_literal(val, dtype):
    """A literal's value as JAX prints it for its dtype (a weak 1 of a float jaxpr is 1.0)."""
    v = val.item() if isinstance(val, (np.ndarray, np.generic)) else val
    if dtype.kind == "f":
        return repr(float(v))
    if dtype.kind in "iu":
        return repr(int(v))
    if dtype.kind == "b":
        return repr(bool(v))
    return repr(v)


def to_dot(jaxpr, name="jaxpr"):
    """Graphviz source: inputs and constants as ellipses, equations as boxes, data as edges."""
    namer = _Namer()
    lines = [f"digraph {name} {{", "  rankdir=TB;", '  node [fontname="monospace"];']
    producer = {}

    def src(v):
        return producer.get(v, f"v_{namer(v)}")

    for kind, vs in (("const", jaxpr.constvars), ("input", jaxpr.invars)):
        for v in vs:
            color = "lightgrey" if kind == "const" else "lightblue"
            lines.append(f'  v_{namer(v)} [label="{namer.decl(v)}", shape=ellipse, style=filled, '
                         f'fillcolor={color}];')
    for i, e in enumerate(jaxpr.eqns):
        outs = ", ".join(namer.decl(v) for v in e.outvars)
        params = ", ".join(f"{k}={_param_str(p)}" for k, p in sorted(e.params.items()))
        label = f"{e.prim.name}" + (f"[{params}]" if params else "") + f"\\n{outs}"
        lines.append(f'  e{i} [label="{_escape(label)}", shape=box];')
        for v in e.invars:
            if isinstance(v, Literal):
                lit = f"lit{i}_{id(v)}"
                lines.append(f'  {lit} [label="{_escape(namer(v))}", shape=plaintext];')
                lines.append(f"  {lit} -> e{i};")
            else:
                lines.append(f"  {src(v)} -> e{i};")
        for v in e.outvars:
            producer[v] = f"e{i}"
    for k, v in enumerate(jaxpr.outvars):
        lines.append(f'  out{k} [label="out {k}", shape=ellipse, style=filled, fillcolor=lightyellow];')
        if isinstance(v, Literal):
            lines.append(f'  lit_out{k} [label="{_escape(namer(v))}", shape=plaintext];')
            lines.append(f"  lit_out{k} -> out{k};")
        else:
            lines.append(f"  {src(v)} -> out{k};")
    lines.append("}")
    return "\n".join(lines)


def _escape(s):
    return s.replace("\\n", "\x00").replace("\\", "\\\\").replace('"', '\\"').replace("\x00", "\\n")


# ---- checking and evaluation ------------------------------------------------------------------

def typecheck(jaxpr):
    """Every variable is defined once before use, and every equation's output types are what its
    primitive's shape rule says. Raises JaxprTypeError naming the equation."""
    defined = set()
    namer = _Namer()
    # Name variables in the order `pretty` does, so that messages match the printed jaxpr.
    for v in [*jaxpr.constvars, *jaxpr.invars, *(o for e in jaxpr.eqns for o in e.outvars)]:
        namer(v)

    def bad(msg):
        return JaxprTypeError(f"{msg} {doc_link('jaxprtypeerror')}")

    def define(v):
        if v in defined:
            raise bad(f"variable {namer(v)} is defined twice")
        defined.add(v)

    for v in list(jaxpr.constvars) + list(jaxpr.invars):
        define(v)
    for e in jaxpr.eqns:
        for v in e.invars:
            if not isinstance(v, Literal) and v not in defined:
                raise bad(f"equation `{eqn_str(e, namer)}` reads {namer(v)} before it is defined")
        try:
            want = e.prim.abstract_eval(*[v.aval for v in e.invars], **e.params)
        except (TypeError, ValueError, IndexError) as err:  # the operands' types do not fit
            raise bad(f"equation `{eqn_str(e, namer)}` is ill-typed: {err}") from err
        want = list(want) if e.prim.multiple_results else [want]
        got = [v.aval for v in e.outvars]
        if [(a.shape, a.dtype) for a in want] != [(a.shape, a.dtype) for a in got]:
            raise bad(
                f"equation `{eqn_str(e, namer)}` declares outputs "
                f"{[a.str_short() for a in got]} but {e.prim.name}'s shape rule gives "
                f"{[a.str_short() for a in want]}")
        for v in e.outvars:
            define(v)
    for v in jaxpr.outvars:
        if not isinstance(v, Literal) and v not in defined:
            raise bad(f"output {namer(v)} is never defined")


def eval_jaxpr(jaxpr, consts, *args):
    """Run a jaxpr through `bind`, so any transform active around the call sees its operations."""
    env = {}
    if len(args) != len(jaxpr.invars):
        raise TypeError(f"this jaxpr takes {len(jaxpr.invars)} inputs, got {len(args)}")
    for v, x in zip(jaxpr.constvars, consts):
        env[v] = x
    for v, x in zip(jaxpr.invars, args):
        env[v] = x

    def read(v):
        return v.val if isinstance(v, Literal) else env[v]

    for e in jaxpr.eqns:
        out = bind(e.prim, *[read(v) for v in e.invars], **e.params)
        if e.prim.multiple_results:
            for v, o in zip(e.outvars, out):
                env[v] = o
        else:
            env[e.outvars[0]] = out
    return [read(v) for v in jaxpr.outvars]


__all__ = ["Var", "Literal", "Eqn", "Jaxpr", "ClosedJaxpr", "ShapedArray", "pretty", "to_dot",
           "typecheck", "eval_jaxpr"]
