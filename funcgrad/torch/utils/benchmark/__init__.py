"""torch.utils.benchmark: Timer (timeit, blocked_autorange, adaptive_autorange) measuring for
real with Python's clock, Measurement and Compare printing as PyTorch's.

>>> import funcgrad.torch as torch
>>> from funcgrad.torch.utils import benchmark
>>> m = benchmark.Timer("x * 2", globals={"x": torch.ones(4)}).blocked_autorange(min_run_time=0.01)
>>> m.median > 0
True
"""
from ._compare import Colorize, Compare
from ._measurement import Measurement, TaskSpec, select_unit, trim_sigfig
from ._timer import Language, Timer

__all__ = ["Colorize", "Compare", "Language", "Measurement", "TaskSpec", "Timer", "select_unit",
           "trim_sigfig"]
