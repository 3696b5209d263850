"""funcgrad.scipy: scipy's special functions, differentiable."""
from . import special  # noqa: F401
from . import integrate, optimize, signal, stats  # noqa: F401
