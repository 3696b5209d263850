"""funcgrad.custom_derivatives: JAX's jax.custom_derivatives namespace, for programs that import
the rule-writing helpers from there (custom_jvp, custom_vjp, SymbolicZero, CustomVJPPrimal,
zero_from_primal). They live in funcgrad._custom; this module only names them.

>>> from funcgrad.custom_derivatives import SymbolicZero, custom_jvp
>>> SymbolicZero.__name__, custom_jvp.__name__
('SymbolicZero', 'custom_jvp')
"""
from ._custom import (CustomVJPPrimal, SymbolicZero, custom_jvp, custom_vjp,  # noqa: F401
                      zero_from_primal)

__all__ = ["CustomVJPPrimal", "SymbolicZero", "custom_jvp", "custom_vjp", "zero_from_primal"]
