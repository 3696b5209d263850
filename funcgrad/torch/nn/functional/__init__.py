"""torch.nn.functional: layers, activations, pooling, normalization and losses.

Every function is one funcgrad computation passed to apply_op, recorded as one graph node named as
PyTorch names it (ConvolutionBackward0, MaxPool2DWithIndicesBackward0, NllLossBackward0, ...);
the derivatives are funcgrad's (no formulas here), and the math that funcgrad.nn also offers
(activations, softmax, convolution, normalization) is funcgrad.nn's. One private module per
topic, as PyTorch's documentation groups them; _common holds what several topics share.

>>> import funcgrad.torch as torch
>>> import funcgrad.torch.nn.functional as F
>>> F.relu(torch.tensor([-1.0, 2.0]))
tensor([0., 2.])
"""
from __future__ import annotations

# The names the single-file module had at its top level, so that dir(F) is what it was.
import itertools  # noqa: F401
import math  # noqa: F401
import numbers  # noqa: F401
import warnings  # noqa: F401

import numpy as np  # noqa: F401

from ...._api import stop_gradient  # noqa: F401
from .... import lax  # noqa: F401
from .... import nn as fg_nn  # noqa: F401
from .... import numpy as fnp  # noqa: F401
from ...._core import backend  # noqa: F401
from ... import _dtypes as D  # noqa: F401
from ..._dispatch import apply_op  # noqa: F401
from ..._grad_mode import no_grad  # noqa: F401
from ..._tensor import Tensor  # noqa: F401

from ._activation import *  # noqa: F401,F403
from ._common import *  # noqa: F401,F403
from ._conv import *  # noqa: F401,F403
from ._distance import *  # noqa: F401,F403
from ._dropout import *  # noqa: F401,F403
from ._linear import *  # noqa: F401,F403
from ._loss import *  # noqa: F401,F403
from ._normalization import *  # noqa: F401,F403
from ._pooling import *  # noqa: F401,F403
from ._sparse import *  # noqa: F401,F403
from ._vision import *  # noqa: F401,F403
from ._pooling import _first_valid  # noqa: F401  (tests read it from here)
