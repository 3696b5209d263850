"""funcgrad: composable transforms of numerical Python functions (grad, vjp, jvp, make_jaxpr, ...)
over immutable arrays, on numpy.

>>> import funcgrad as fg
>>> fg.grad(lambda w: 12 * w ** 3 + 2)(2.0)
Array(144., dtype=float64)
"""
from . import debug, lax, nn, numpy, random, scipy, tree
from . import optim
from . import custom_derivatives  # noqa: F401  (jax.custom_derivatives)
from ._core.config import config
from ._api import (grad, jvp, linearize, make_jaxpr, stop_gradient, value_and_grad, vjp)
from ._custom import checkpoint, checkpoint_policies, custom_jvp, custom_vjp, remat
from ._jacobians import hessian, hvp, jacfwd, jacobian, jacrev, vhp
from ._vmap import vmap
from .interpreters.jit import RetraceWarning, jit
from ._core.array import Array
from ._core.avals import ShapedArray, float0
from ._core.backend import Device, devices, using_default_device as default_device
from ._devices import device_get, device_put
from ._core.errors import (ConcretizationError, DeviceMismatchError, DeviceUnavailableError,
                           FuncgradError, GradInputError, GradOutputError, InPlaceUpdateError,
                           JaxprTypeError, ShapeError, TracerArrayConversionError,
                           TransferGuardError, UnexpectedTracerError,
                           UnhashableStaticArgumentError)
from ._core.errors import ArgumentError, AxisError, IndexTypeError
from ._core.ir import ClosedJaxpr, Jaxpr
from .interpreters.stages import ShapeDtypeStruct
from .interpreters.jit import clear_caches
from . import errors, tree_util, typing, test_util
from ._api import eval_shape

__version__ = "0.1.0"

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "linearize", "make_jaxpr", "stop_gradient",
           "vmap", "jit", "config", "debug", "RetraceWarning", "custom_jvp", "custom_vjp",
           "checkpoint", "remat", "checkpoint_policies", "jacrev", "jacfwd", "jacobian", "hessian",
           "hvp", "vhp", "Array", "ShapedArray", "float0", "Device", "devices", "default_device",
           "device_put", "device_get", "ClosedJaxpr", "Jaxpr", "lax", "numpy", "tree",
           "ConcretizationError", "DeviceMismatchError", "DeviceUnavailableError", "FuncgradError",
           "GradInputError", "GradOutputError", "InPlaceUpdateError", "JaxprTypeError",
           "ShapeError", "TracerArrayConversionError", "TransferGuardError",
           "UnexpectedTracerError", "UnhashableStaticArgumentError",
           "ArgumentError", "AxisError", "IndexTypeError",
           "ShapeDtypeStruct", "clear_caches", "errors", "tree_util", "typing", "test_util",
           "eval_shape"]
