"""funcgrad.scipy: scipy's special functions, differentiable."""
from . import special  # noqa: F401
from . import integrate, signal, stats  # noqa: F401
