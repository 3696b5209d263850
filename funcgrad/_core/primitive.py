"""Primitives: a name plus its rules, each registered next to the primitive's definition.

Rules (all optional until a transform needs them):
  impl(*values, **params)            evaluate on backend arrays (numpy or cupy) or Python scalars
  abstract_eval(*avals, **params)    the output ShapedArray(s); raises a teaching error on bad input
  jvp(primals, tangents, **params)   -> (primal_out, tangent_out); a tangent may be None (a
                                     symbolic zero) and so may the returned one
  vjp(i) -> rule or None             rule(ct, ans, *args, **params) is the cotangent of argument i
                                     given the output cotangent `ct`; None: argument i is not
                                     differentiable (a function of i, so variadic primitives work)
  vjp_joint(ct, ans, args, positions, **params)
                                     optional: the cotangents of all `positions` in one call
  vjp_fwd(*args, **params) -> (ans, residuals)
                                     optional: the forward pass under reverse mode, keeping what
                                     vjp_joint then receives as `residuals=`
  batch(args, dims, **params)        vmap rule -> (out, out_dim); see lax/_batching.py
  jit(ctx, outs, ins, params, reuse) the line of Python jit generates (interpreters/codegen.py);
                                     without one, the line calls impl
Derivative rules are written with funcgrad operations, so they are traced like any user code:
higher-order derivatives need no further rules.
"""
from __future__ import annotations

from .trace import bind as _bind

PRIMITIVES: dict[str, "Primitive"] = {}


class Primitive:
    __slots__ = ("name", "multiple_results", "impl", "abstract_eval", "jvp", "vjp", "vjp_joint",
                 "vjp_fwd", "batch", "jit", "nondiff", "transfers", "impl_checks_input")

    def __init__(self, name, multiple_results=False):
        if name in PRIMITIVES:
            raise ValueError(f"primitive {name!r} is defined twice")
        PRIMITIVES[name] = self
        self.name = name
        self.multiple_results = multiple_results
        self.impl = self.abstract_eval = self.jvp = self.vjp = self.batch = self.jit = None
        self.vjp_joint = self.vjp_fwd = None
        # True for primitives whose outputs are integers or booleans: no derivative exists.
        self.nondiff = False
        # True for device_put, which moves data itself: its operand is not moved to a device
        # first, nor its result after.
        self.transfers = False
        # True where the impl itself rejects, before it reads any data, every input the shape
        # rule rejects: numpy's ufuncs, whose broadcasting and type resolution are what the rule
        # derives its answer from. The eager routine then runs the rule only to explain a
        # failure, instead of before the call (tests/test_eager_jit_errors.py holds each such
        # primitive to it: eager and jit raise the same error).
        self.impl_checks_input = False

    def bind(self, *args, **params):
        return _bind(self, *args, **params)

    def __repr__(self):
        return self.name


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
    """Reverse-mode rules, one per argument (None: not differentiable in that argument)."""
    rules = tuple(rules)
    prim.vjp = lambda i: rules[i] if i < len(rules) else None


def defderiv(prim, *derivs):
    """For elementwise primitives: derivs[i](ans, *args, **params) is d out / d arg_i, so the jvp
    is t * d and the vjp is ct * d (real arithmetic)."""
    def as_rule(d):
        return None if d is None else (lambda g, ans, *a, **p: g * d(ans, *a, **p))
    rules = [as_rule(d) for d in derivs]
    defjvp(prim, *rules)
    defvjp(prim, *rules)


def def_zero_derivative(prim):
    """Piecewise-constant primitives (floor, sign, ...): every derivative is a symbolic zero."""
    prim.jvp = lambda primals, tangents, **params: (prim.bind(*primals, **params), None)
    prim.vjp = lambda i: None  # no argument carries a derivative: reverse mode records nothing


def def_nondiff(prim):
    """Primitives whose outputs are integers or booleans: transforms pass them through untouched."""
    prim.nondiff = True
