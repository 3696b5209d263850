"""Second-order quantities of a loss(params, inputs, targets) (optax.second_order): the
Hessian-vector product, the Hessian's diagonal and the diagonal of the observed Fisher
information. optax 0.2.8 deprecates them (to be removed in 0.2.9); they warn as optax's do.

>>> import warnings, funcgrad.numpy as fnp
>>> loss = lambda p, x, y: fnp.sum((p["w"] * x - y) ** 2)
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore", DeprecationWarning)
...     hessian_diag(loss, {"w": fnp.array([1.0, 2.0])}, fnp.array([1.0, 3.0]), fnp.zeros(2))
Array([ 2., 18.], dtype=float64)
"""
from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

from .. import numpy as fnp
from .._api import grad, jvp
from .._core.array import Array
from .._core.typing import ArrayLike, PyTree
from .._vmap import vmap
from ._linear_algebra import ravel_tree

__all__ = ["hvp", "hessian_diag", "fisher_diag"]

LossFn = Callable[[PyTree, Any, Any], Any]
"""loss(params, inputs, targets) -> a scalar."""


def _deprecated(fun: Callable[..., Any]) -> Callable[..., Any]:
    message = (f"The function {fun.__name__} is deprecated. This function will be/was removed "
               "in optax 0.2.9.")

    @functools.wraps(fun)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        warnings.warn(message, DeprecationWarning, stacklevel=2)
        return fun(*args, **kwargs)

    return wrapper


def _hvp(loss, v, params, inputs, targets):
    _, unravel = ravel_tree(params)
    return jvp(grad(lambda p: loss(p, inputs, targets)), (params,), (unravel(v),))[1]


@_deprecated
def hvp(loss: LossFn, v: ArrayLike, params: PyTree, inputs: Any, targets: Any) -> PyTree:
    """The product of the Hessian of loss (at params, inputs, targets) with v, a flat vector of
    the parameters' size, by forward-over-reverse differentiation; a tree like params.

    >>> import warnings, funcgrad.numpy as fnp
    >>> loss = lambda p, x, y: fnp.sum((p * x - y) ** 2)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     hvp(loss, fnp.array([1.0, 1.0]), fnp.ones(2), fnp.array([1.0, 3.0]), fnp.zeros(2))
    Array([ 2., 18.], dtype=float64)
    """
    return _hvp(loss, v, params, inputs, targets)


@_deprecated
def hessian_diag(loss: LossFn, params: PyTree, inputs: Any, targets: Any) -> Array:
    """The diagonal of the Hessian of loss at (params, inputs, targets), as one flat vector (one
    Hessian-vector product per parameter, vmapped).

    >>> import warnings, funcgrad.numpy as fnp
    >>> loss = lambda p, x, y: fnp.sum(p ** 3)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     hessian_diag(loss, fnp.array([1.0, 2.0]), None, None)
    Array([ 6., 12.], dtype=float64)
    """
    flat, _ = ravel_tree(params)
    comp = lambda v: fnp.vdot(v, ravel_tree(_hvp(loss, v, params, inputs, targets))[0])
    return vmap(comp)(fnp.eye(flat.size, dtype=flat.dtype))


@_deprecated
def fisher_diag(negative_log_likelihood: LossFn, params: PyTree, inputs: Any,
                targets: Any) -> Array:
    """The diagonal of the observed Fisher information: the squared gradient of the negative
    log-likelihood at (params, inputs, targets), as one flat vector.

    >>> import warnings, funcgrad.numpy as fnp
    >>> nll = lambda p, x, y: fnp.sum((p * x - y) ** 2) / 2
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     fisher_diag(nll, fnp.ones(2), fnp.array([1.0, 3.0]), fnp.zeros(2))
    Array([ 1., 81.], dtype=float64)
    """
    return fnp.square(ravel_tree(grad(negative_log_likelihood)(params, inputs, targets))[0])
