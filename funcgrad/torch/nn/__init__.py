"""torch.nn (functional so far; Module and layers come next)."""
from . import functional  # noqa: F401
