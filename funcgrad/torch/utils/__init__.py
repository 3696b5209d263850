"""torch.utils: data loading (torch.utils.data) and hook handles."""
from . import data, hooks  # noqa: F401
