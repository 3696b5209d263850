"""The few array operations the transform machinery itself applies to values.

Reverse mode sums a cotangent over broadcast axes and casts it back to its argument's dtype,
forward mode broadcasts a tangent to its primal, vmap moves batch axes and materializes a one-hot
basis, and every transform makes zeros for symbolic-zero derivatives. Those operations are
primitives defined in `funcgrad.lax`, which sits above the machinery (`interpreters`) in the
layering: lax imports interpreters, never the reverse. So the machinery calls them through this
module, and `funcgrad.lax` installs its functions here when it is imported (as JAX's ad_util
inverts the same dependency). Until then each name raises.

    >>> import funcgrad.lax  # installs the operations
    >>> from funcgrad._core import structural
    >>> structural.reshape(funcgrad.numpy.arange(4.0), (2, 2)).shape
    (2, 2)
"""
from __future__ import annotations

from typing import Any, Callable

# name -> what the function computes (all are funcgrad.lax's functions of the same name)
OPERATIONS = {
    "broadcast_in_dim": "broadcast_in_dim(x, shape, broadcast_dimensions)",
    "convert_element_type": "convert_element_type(x, dtype)",
    "real": "real(x): the real part",
    "reduce_sum": "reduce_sum(x, axes)",
    "reshape": "reshape(x, new_sizes)",
    "transpose": "transpose(x, permutation)",
    "pad": "pad(x, padding_value, [(lo, hi, interior), ...])",
    "zeros_like_aval": "zeros_like_aval(aval): a materialized zero of that shape and dtype",
    "to_front": "to_front(x, batch_dim, size): the batch axis first (broadcast if None)",
}


def _missing(name: str) -> Callable[..., Any]:
    def fn(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"funcgrad._core.structural.{name} is installed by funcgrad.lax; "
                           "import funcgrad (or funcgrad.lax) first")
    fn.__name__ = name
    return fn


# Declared for readers and type checkers; each raises until install() replaces it.
broadcast_in_dim: Callable[..., Any]
convert_element_type: Callable[..., Any]
real: Callable[..., Any]
reduce_sum: Callable[..., Any]
reshape: Callable[..., Any]
transpose: Callable[..., Any]
pad: Callable[..., Any]
zeros_like_aval: Callable[..., Any]
to_front: Callable[..., Any]
globals().update({name: _missing(name) for name in OPERATIONS})


def install(**fns: Callable[..., Any]) -> None:
    """Called by funcgrad.lax once its functions exist: the machinery uses them from then on."""
    unknown = set(fns) - set(OPERATIONS)
    if unknown:
        raise TypeError(f"not a structural operation: {sorted(unknown)}")
    globals().update(fns)
