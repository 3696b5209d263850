"""The primitives that exist for differentiation's sake: `stop_gradient` (`lax.stop_gradient`,
also `funcgrad.stop_gradient`), the identity whose derivative is zero.

>>> import funcgrad as fg
>>> fg.grad(lambda x: x * fg.lax.stop_gradient(x))(3.0)
Array(3., dtype=float64)
"""
from __future__ import annotations

from typing import Any

from .. import tree
from .._core.array import Array
from .._core.primitive import NO_ALGEBRA, Primitive, def_zero_derivative, identity_when_same_type
from .._core.trace import Tracer
from ._batching import elementwise_rule

__all__ = ["stop_gradient"]

stop_gradient_p = Primitive("stop_gradient")
stop_gradient_p.impl = lambda x: x
stop_gradient_p.abstract_eval = lambda x: x  # weak types kept, as JAX's
def_zero_derivative(stop_gradient_p)
elementwise_rule(stop_gradient_p)
# its output is its input (so not fresh); to jit's passes, which run after every transform, it
# is the identity
stop_gradient_p.declare(vjp_fwd=None, impl_checks_input=False, structured_batch=None, jit=None,
                        fresh=False,
                        effectful=False, nondiff=False, transfers=False,
                        **dict(NO_ALGEBRA, identity=identity_when_same_type))


def stop_gradient(x: Any) -> Any:
    """The value of x, treated as a constant by every derivative (leafwise over a pytree).

    >>> import funcgrad as fg
    >>> fg.grad(lambda x: x * fg.stop_gradient(x))(3.0)
    Array(3., dtype=float64)
    """
    return tree.tree_map(
        lambda v: stop_gradient_p.bind(v if isinstance(v, (Array, Tracer)) else Array(v)), x)
