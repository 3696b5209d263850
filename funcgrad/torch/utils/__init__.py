"""torch.utils: data loading (torch.utils.data) and hook handles."""
from . import benchmark, data, hooks  # noqa: F401
