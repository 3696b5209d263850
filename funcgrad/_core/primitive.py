"""Primitives: a name plus everything the machinery knows about it, all declared in the
primitive's own block (lax/*.py, _custom.py, debug.py, ...). No table elsewhere lists primitives
and no pass or transform asks for a primitive by name: they read these attributes.

Rules (None: the primitive has none, and a transform that needs it says so):
  impl(*values, **params)            evaluate on backend arrays (numpy or cupy) or Python scalars
  abstract_eval(*avals, **params)    the output ShapedArray(s); raises a teaching error on bad input
  jvp(primals, tangents, **params)   -> (primal_out, tangent_out); a tangent may be None (a
                                     symbolic zero) and so may the returned one
  vjp(ct, ans, args, positions, residuals, **params)
                                     the one reverse-mode signature, for every primitive (control
                                     flow and custom rules included): the cotangents of the
                                     arguments at `positions` (a list, None for a zero), given the
                                     output cotangent `ct` (a list with zeros filled in for a
                                     primitive with several results), the result `ans`, the
                                     argument values `args` and what `vjp_fwd` kept (else None).
                                     defvjp / defderiv build it from one rule per argument.
  diff_args                          the argument positions that can carry a derivative (any
                                     container: a frozenset, or ALL_ARGS / a range for variadic
                                     primitives). Reverse mode records parents only for these, and
                                     asks vjp only about them.
  vjp_fwd(*args, **params) -> (ans, residuals)
                                     the forward pass under reverse mode, for primitives whose vjp
                                     needs more than (args, ans) (custom_vjp, checkpoint); None:
                                     the forward pass is bind and residuals is None
  batch(args, dims, **params)        vmap rule -> (out, out_dim); see lax/_batching.py
  structured_batch(vals, dims, **params)
                                     vmap rule for operands that are a symbolic one-hot basis
                                     (interpreters/batching.OneHot, what jacrev/jacfwd map over):
                                     (out, out_dim), or None when the basis must become dense
  jit(ctx, outs, ins, params, reuse) the line of Python jit generates (interpreters/codegen.py);
                                     None: the line calls impl
Flags and algebraic facts, read by the jit passes and code generator:
  fresh        True: the output is always new memory, which jit may reuse as an `out=` buffer.
               False: it may be a view of an input (reshape, slice) or the input itself.
  effectful    True: effects beyond the outputs (printing, checks): never folded, merged, removed
  nondiff      True: outputs are integers or booleans; transforms pass the primitive through
  transfers    True for device_put, which moves data itself: its operand is not moved first
  impl_checks_input
               True where the impl itself rejects, before it reads any data, every input the
               shape rule rejects (numpy's ufuncs, whose broadcasting and type resolution are
               what the rule derives its answer from): the eager routine (trace.eval_values)
               then runs the rule only to explain a failure, not before every call. Those that
               can reject an input (the binary ones) have their bad-input cases in
               tests/test_eager_jit_errors.py, where eager and jit must raise alike
  unit         (left, right): the values u with u op x == x (left) and x op u == x (right) for a
               binary primitive (None in either place where there is none), or None
  identity(params, out_aval) -> bool
               for a unary primitive whose output has its input's shape and dtype: whether it
               then passes the input through unchanged (a no-op reshape or transpose), or None
  compose(first_params, then_params) -> params
               the parameters of one application equal to applying the primitive twice, first
               with first_params then with then_params (transpose of a transpose), or None

Optional (False unless the block says otherwise):
  bilinear     True: the output is linear in each operand separately (dot_general), so a scalar
               factor of the output may scale either operand instead (the jit pass
               scale_products moves it to the smaller one)

Optional, for printing only (None: the equation's own parameters, as they are):
  printed_params(params, eqn) -> dict, or a list of (name, value) pairs
               the parameters JAX 0.10 prints for this primitive's equation `eqn` (a dict is
               printed sorted by name, as JAX's printer does; a list in its order, as JAX's own
               printing rules give it: jit's name first), which JAX's
               mode (fg.config) prints jaxprs with: JAX's names, the parameters JAX's primitive
               carries that funcgrad's need not (reduce_sum's out_sharding=None), or derives from
               the equation's types (dot_general's preferred_element_type), and none that JAX's
               printer hides (broadcast_in_dim's shape)

Every one of the declarations above is declared in the primitive's block, or set there explicitly to None/False:
tests/test_primitives_complete.py tells a deliberate "none" from a forgotten one (Primitive
records which attributes its block assigned). Derivative rules are written with funcgrad
operations, so they are traced like any user code: higher-order derivatives need no further rules.
"""
from __future__ import annotations

import sys
from functools import partial
from typing import Any, Callable, Optional

from .trace import bind as _bind

PRIMITIVES: dict[str, "Primitive"] = {}

# diff_args of a primitive differentiable in every argument, however many it takes
ALL_ARGS = range(sys.maxsize)
NO_ARGS: frozenset = frozenset()


class Primitive:
    """One operation of the IR. See the module docstring for its attributes."""

    # The attributes every block must declare (or set to None / False on purpose).
    DECLARATIONS = ("impl", "abstract_eval", "jvp", "vjp", "diff_args", "vjp_fwd", "batch",
                    "structured_batch", "jit", "fresh", "effectful", "nondiff", "transfers",
                    "impl_checks_input",
                    "unit", "identity", "compose")
    # `bind` (prim.bind(*args, **params): trace.bind for this primitive) is a C-level partial
    # set per primitive, not a method: one Python call less on every operation.
    __slots__ = ("name", "multiple_results", "declared", "bind", "printed_params",
                 "bilinear") + DECLARATIONS

    name: str
    multiple_results: bool
    declared: set
    bind: Callable[..., Any]
    printed_params: Optional[Callable[..., Any]]  # a dict, or (name, value) pairs in order
    bilinear: bool
    impl: Optional[Callable[..., Any]]
    abstract_eval: Optional[Callable[..., Any]]
    jvp: Optional[Callable[..., Any]]
    vjp: Optional[Callable[..., Any]]
    vjp_fwd: Optional[Callable[..., Any]]
    batch: Optional[Callable[..., Any]]
    structured_batch: Optional[Callable[..., Any]]
    jit: Optional[Callable[..., Any]]
    identity: Optional[Callable[..., bool]]
    compose: Optional[Callable[..., Any]]
    diff_args: Any
    unit: Optional[tuple]
    fresh: bool
    effectful: bool
    nondiff: bool
    transfers: bool
    impl_checks_input: bool

    def __init__(self, name: str, multiple_results: bool = False) -> None:
        if name in PRIMITIVES:
            raise ValueError(f"primitive {name!r} is defined twice")
        PRIMITIVES[name] = self
        init = object.__setattr__
        init(self, "name", name)
        init(self, "multiple_results", multiple_results)
        init(self, "declared", set())
        init(self, "bind", partial(_bind, self))
        init(self, "printed_params", None)
        init(self, "bilinear", False)
        # What the machinery sees until the block says otherwise: no rule, no flag. These
        # are not declarations: the completeness test still reports them as missing.
        for attr in Primitive.DECLARATIONS:
            init(self, attr, None)
        init(self, "diff_args", NO_ARGS)
        for flag in ("fresh", "effectful", "nondiff", "transfers", "impl_checks_input"):
            init(self, flag, False)

    def __setattr__(self, attr: str, value: Any) -> None:
        object.__setattr__(self, attr, value)
        self.declared.add(attr)

    def declare(self, **attrs: Any) -> "Primitive":
        """Set several attributes at once (a typo is an error, not a new attribute).

        >>> p = Primitive("doc_example_declare")
        >>> p.declare(fresh=True, effectful=False).fresh
        True
        >>> del PRIMITIVES["doc_example_declare"]
        """
        for attr, value in attrs.items():
            if attr not in Primitive.DECLARATIONS:
                raise AttributeError(f"a primitive has no attribute {attr!r} to declare")
            setattr(self, attr, value)
        return self

    def missing(self) -> list:
        """The attributes this primitive's block neither declared nor set to none."""
        return [a for a in Primitive.DECLARATIONS if a not in self.declared]

    def __repr__(self) -> str:
        return self.name


# Blocks that have none of the algebraic facts the jit passes use declare **NO_ALGEBRA;
# primitives with no effect beyond computing their outputs (all but a few) **PURE; and those
# whose impl must not see input the shape rule rejects (all but numpy's ufuncs) **RULE_FIRST: the
# eager routine runs the rule before the impl.
NO_ALGEBRA = dict(unit=None, identity=None, compose=None)
PURE = dict(effectful=False, transfers=False)
RULE_FIRST = dict(impl_checks_input=False)


def identity_when_same_type(params, out_aval):
    """The `identity` of primitives that pass their input through whenever the output has its
    shape and dtype (reshape, convert_element_type, stop_gradient)."""
    return True


def defjvp(prim, *rules):
    """Forward-mode rule from one rule per argument: rule(t, ans, *args, **params) is argument i's
    contribution to the output tangent. Symbolic-zero tangents skip their rule entirely."""
    def jvp(primals, tangents, **params):
        ans = prim.bind(*primals, **params)
        out = None
        for rule, t in zip(rules, tangents):
            if t is None or rule is None:
                continue
            c = rule(t, ans, *primals, **params)
            if c is not None:
                out = c if out is None else out + c
        return ans, out
    prim.jvp = jvp


def defvjp(prim, *rules):
    """Reverse-mode rules, one per argument (None: not differentiable in that argument):
    rule(ct, ans, *args, **params) is argument i's cotangent. Builds prim.vjp (the one
    signature) and prim.diff_args."""
    rules = tuple(rules)

    def vjp(ct, ans, args, positions, residuals, **params):
        got = []
        for i in positions:
            got.append(rules[i](ct, ans, *args, **params))
        return got
    defvjp_all(prim, vjp, frozenset(i for i, r in enumerate(rules) if r is not None))


def defvjp_all(prim, vjp, diff_args=ALL_ARGS, vjp_fwd=None):
    """Reverse mode from one rule for all differentiated arguments at once (control flow: one
    backward loop, not one per argument): vjp(ct, ans, args, positions, residuals, **params)."""
    prim.declare(vjp=vjp, diff_args=diff_args, vjp_fwd=vjp_fwd, nondiff=False)


def defderiv(prim, *derivs):
    """For elementwise primitives: derivs[i](ans, *args, **params) is d out / d arg_i, so the jvp
    is t * d and the vjp is ct * d (real arithmetic)."""
    def as_rule(d):
        return None if d is None else (lambda g, ans, *a, **p: g * d(ans, *a, **p))
    defjvp(prim, *[as_rule(d) for d in derivs])

    def vjp(ct, ans, args, positions, residuals, **params):
        got = []  # (a loop: this runs for every node of every backward pass)
        for i in positions:
            got.append(ct * derivs[i](ans, *args, **params))
        return got
    defvjp_all(prim, vjp, frozenset(i for i, d in enumerate(derivs) if d is not None))


def def_zero_derivative(prim):
    """Piecewise-constant primitives (floor, sign, ...): every derivative is a symbolic zero."""
    prim.jvp = lambda primals, tangents, **params: (prim.bind(*primals, **params), None)
    defvjp(prim)  # no argument carries a derivative: reverse mode records nothing


def def_nondiff(prim):
    """Primitives whose outputs are integers or booleans (or nothing): transforms pass them
    through untouched, so they have no derivative rules at all."""
    prim.declare(nondiff=True, jvp=None, vjp=None, diff_args=NO_ARGS, vjp_fwd=None)
