"""funcgrad.scipy: scipy's special functions, differentiable."""
from . import special  # noqa: F401
from . import linalg  # noqa: F401
