"""The errors of the multi-process runtime. Each has an entry in docs/errors.md."""
from __future__ import annotations

from .._core.errors import FuncgradError, doc_link


class DistributedError(FuncgradError, RuntimeError):
    """The multi-process runtime cannot do what was asked: MPI is missing, the job was launched
    inconsistently, or a communicator was used before `initialize()` or after a failure."""


class CollectiveMismatchError(DistributedError, ValueError):
    """The ranks of a job called one collective with different operands (shapes, dtypes, root,
    reduction) or called different collectives at the same point of their programs."""

    reporter: int | None = None
    """The world rank that reports an error every rank raised alike (the others stay quiet)."""


class DistributedTimeoutError(DistributedError, TimeoutError):
    """A collective, a point-to-point operation or `initialize()` did not complete in time: a
    rank is missing, stuck or called something else. The job is aborted shortly afterwards."""


def link(cls: type) -> str:
    """The docs link that ends the messages of `cls`."""
    return doc_link(cls.__name__.lower())
