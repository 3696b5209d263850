"""The IR every transform works on: typed variables, equations, jaxprs.

    { lambda c:f64[3] ; a:f64[3]. let b:f64[3] = sin a; d:f64[3] = mul b c in (d,) }

`lambda consts ; inputs. let equations in outputs`; each equation is
`outvars = primitive[params] invars`. Printing, graphviz export, a type checker and an evaluator
live here too.
"""
from __future__ import annotations

from collections import Counter, deque
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


class CallJaxpr:
    """A callee's jaxpr as an equation's printed parameter (jit's, in JAX's mode): printed as
    JAX prints it, its inputs named as the equation's operands and its outputs as the
    equation's results, where those are variables not already named."""
    __slots__ = ("closed",)

    def __init__(self, closed: ClosedJaxpr):
        self.closed = closed


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
        self.skip = set()  # names a variable may not take (JAX's mode: shared jaxprs' names)

    def __call__(self, v):
        if isinstance(v, Literal):
            return _literal_str(v.val)
        n = self.names.get(v)
        if n is None:
            n = next(self.gen)
            while n in self.skip:
                n = next(self.gen)
            self.names[v] = n
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
        return _JaxPrinter(width).top(jaxpr)
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
    nested jaxprs, each group (an equation's parameters, a nested jaxpr, a tuple of jaxprs) on
    one line when it fits in `width` and broken one item a line when it does not. A nested
    jaxpr used twice, or longer than ten equations, is printed first, as `let name = ... in`,
    and named where it is used (JAX's shared jaxprs)."""

    def __init__(self, width):
        self.width, self.namer = width, _Namer()
        self.unused = set()  # outputs of equations that nothing reads: printed `_`, unnamed
        self.shared = {}  # Jaxpr -> the name it is printed under, before the top jaxpr
        self.current = None  # the equation whose parameters are being printed

    def top(self, jaxpr):
        self._find_shared(jaxpr)
        lets = []
        for j, name in self.shared.items():
            head = f"let {name} = "
            lets.append(f"{head}{self.jaxpr(j, 0, len(head), own=True)} in\n")
        return "".join(lets) + self.jaxpr(jaxpr, 0)

    def _find_shared(self, top):
        """JAX's rule: a nested jaxpr met twice (breadth first, through every use), or one of
        more than ten equations, is shared; it is named after the call that uses it (jit's
        name=) or `jaxpr`, made unique with a count."""
        counts, names, queue = {}, {}, deque([top])
        while queue:
            j = queue.popleft()
            counts[j] = counts.get(j, 0) + 1 + (j is not top and len(j.eqns) > 10)
            for e in j.eqns:
                subs = _jaxprs_in(e.params)
                queue.extend(subs)
                name = e.params.get("name")
                if isinstance(name, str):
                    for sub in subs:
                        names.setdefault(sub, name.strip("<>"))
        used = Counter()
        for j, c in counts.items():
            if c == 1:
                continue
            name = names.get(j, "jaxpr")
            if used[name] > 0:
                used[name] += 1
                name += str(used[name] - 1)
            used[name] += 1
            self.shared[j] = name
            self.namer.skip.add(name)

    def decl(self, v):
        if v in self.unused:
            return f"_:{v.aval.str_short()}"
        return self.namer.decl(v)

    def atom(self, v, dtype=None):
        if v in self.unused:  # a callee's output that its caller does not read
            return "_"
        if isinstance(v, Literal):
            aval = v.aval
            if dtype is not None and aval.weak_type:  # as JAX converts it: the operands' type
                aval = ShapedArray(aval.shape, dtype)
            return f"{_typed_literal(v.val, aval.dtype)}:{aval.str_short()}"
        return self.namer(v)

    def jaxpr(self, jaxpr, indent, offset=0, own=False):
        """The jaxpr, its first line starting at column `indent` + `offset` (already written);
        its body is indented from `indent`. A shared one is its name (unless `own`)."""
        if not own and jaxpr in self.shared:
            return self.shared[jaxpr]
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
        one_line = f"{head} {'; '.join(eqns)} in {outs} }}"
        if "\n" not in one_line and indent + offset + len(one_line) <= self.width:
            return one_line
        pad = " " * (indent + 4)
        body = "".join(f"\n{pad}{e}" for e in eqns) if eqns else f"\n{pad}"
        return f"{head}{body}\n{' ' * (indent + 2)}in {outs} }}"

    def eqn(self, eqn, indent):
        outs = " ".join(self.decl(v) for v in eqn.outvars)
        # the parameters' names are given before the operands', as JAX does
        printed = eqn.prim.printed_params
        items = eqn.params if printed is None else printed(eqn.params, eqn)
        # sorted by name, as JAX's printer does, unless the primitive gives its own order
        items = sorted(items.items()) if isinstance(items, dict) else list(items)
        self.current = eqn
        ins = " ".join(self.atom(v, _literal_dtype(eqn, v)) for v in eqn.invars)
        head = f"{outs} = {eqn.prim.name}"
        if not items:
            return f"{head} {ins}"
        # (the parameters' group fits or not by itself: the operands may run past the width)
        flat = "[" + " ".join(f"{k}={self.param(v, 0, flat=True)}" for k, v in items) + "]"
        if "\n" not in flat and indent + len(head) + len(flat) <= self.width:
            return f"{head}{flat} {ins}"
        pad = " " * (indent + 2)
        lines = [f"{k}={self.param(v, indent + 2, len(k) + 1)}" for k, v in items]
        return f"{head}[" + "".join(f"\n{pad}{x}" for x in lines) + f"\n{' ' * indent}] {ins}"

    def param(self, v, indent, offset=0, flat=False):
        """A parameter's value, written after `offset` characters of `name=` at `indent`;
        `flat`: on one line whatever its length (to see whether the whole group fits)."""
        width = self.width
        if flat:
            self.width = 1 << 30
        try:
            if isinstance(v, CallJaxpr):
                return self.callee(v.closed.jaxpr, self.current, indent, offset)
            if isinstance(v, ClosedJaxpr):
                v = v.jaxpr
            if isinstance(v, Jaxpr):
                return self.jaxpr(v, indent, offset)
            if isinstance(v, tuple) and v and all(isinstance(x, (Jaxpr, ClosedJaxpr))
                                                  for x in v):
                one = "(" + " ".join(self.param(x, 0, flat=True) for x in v) + ")"
                if "\n" not in one and indent + offset + len(one) <= width:
                    return one
                pad = " " * (indent + 2)
                inner = "".join(f"\n{pad}{self.param(x, indent + 2)}" for x in v)
                return f"({inner}\n{' ' * indent})"
            if isinstance(v, str):  # JAX writes a string parameter (jit's name) as it is
                return v
            return _param_str(v)
        finally:
            self.width = width

    def callee(self, jaxpr, eqn, indent, offset):
        """A called jaxpr (jit's), as JAX prints it: unless shared, each input takes the name
        of the operand it receives and each output the name of the result it gives (`_` where
        the caller does not read it), where that variable has no name yet and the operand or
        result is a variable not already lent (JAX's suggest_same_var_names)."""
        if jaxpr not in self.shared:
            names = self.namer.names
            for inners, outers in ((jaxpr.invars, eqn.invars), (jaxpr.outvars, eqn.outvars)):
                lent = set()
                for inner, outer in zip(inners, outers):
                    if isinstance(outer, Var) and outer not in lent and isinstance(inner, Var) \
                            and inner not in names:
                        lent.add(outer)
                        names[inner] = "_" if outer in self.unused else self.namer(outer)
        return self.jaxpr(jaxpr, indent, offset)


def _literal_dtype(eqn, v):
    """The dtype JAX's jaxpr gives the weakly typed literal `v` (a Python scalar) of `eqn`: that
    of the operands together, which jax.numpy converts it to before an elementwise operation
    (1 beside a float32 array is 1.0:f32[]); elsewhere (an index, a padding value) its own
    kind's (an index stays an integer). None: the literal's own type."""
    if not isinstance(v, Literal) or not v.aval.weak_type or eqn.prim.multiple_results:
        return None
    try:
        dtype = avals.promote_jax(*[(x.aval.dtype, x.aval.weak_type) for x in eqn.invars])[0]
    except TypeError:
        return None
    elementwise = getattr(eqn.prim.jit, "ufunc", None) is not None  # numpy's ufunc behind it
    if not elementwise and np.dtype(dtype).kind != v.aval.dtype.kind:
        return None
    return dtype


def _jaxprs_in(params):
    """The jaxprs among an equation's parameters (directly, or in a tuple), in order."""
    found = []
    for v in params.values():
        for x in v if isinstance(v, tuple) else (v,):
            if isinstance(x, (Jaxpr, ClosedJaxpr)):
                found.append(x.jaxpr if isinstance(x, ClosedJaxpr) else x)
    return found


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


__all__ = ["Var", "Literal", "Eqn", "Jaxpr", "ClosedJaxpr", "CallJaxpr", "ShapedArray", "pretty",
           "to_dot", "typecheck", "eval_jaxpr"]
