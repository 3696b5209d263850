"""torch.nn: Module and Parameter, the layers, losses, init, functional and utils."""
from . import functional, init  # noqa: F401
from .modules import *  # noqa: F401,F403
from .modules import __all__ as _modules_all
from .modules.module import (register_module_forward_hook,  # noqa: F401
                             register_module_forward_pre_hook)
from .parameter import Buffer, Parameter  # noqa: F401
from . import modules, parameter, utils  # noqa: F401,E402
from . import parallel  # noqa: F401,E402  (torch.nn.parallel.DistributedDataParallel)

__all__ = list(_modules_all) + ["Parameter", "Buffer", "functional", "init", "utils"]
