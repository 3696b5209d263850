"""The process axis: funcgrad's named-axis collectives (`lax.psum(x, "processes")`) across the
processes of an MPI job, implementing `funcgrad._core.axes.ProcessAxis` with a `Communicator`."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ._comm import Communicator, mpi


class MPIProcessAxis:
    """The members of `comm` as a mapped axis: member i is rank i. Every collective is one MPI
    call (an allreduce of many operands packs them per dtype).

    >>> import numpy as np
    >>> axis = MPIProcessAxis(Communicator(mpi().COMM_SELF))
    >>> axis.size, axis.index
    (1, 0)
    >>> axis.allreduce([np.ones(2), np.arange(3)], "max")
    [array([1., 1.]), array([0, 1, 2])]
    """

    def __init__(self, comm: Communicator):
        self.comm = comm
        self.size = comm.size
        self.index = comm.rank

    def __repr__(self) -> str:
        return f"MPIProcessAxis(index={self.index}, size={self.size})"

    def allreduce(self, xs: Sequence[np.ndarray], op: str) -> list[np.ndarray]:
        """Each array of `xs` reduced (`op` sum, max or min) over the members.

        >>> import numpy as np
        >>> MPIProcessAxis(Communicator(mpi().COMM_SELF)).allreduce([np.float32(2.0)], "sum")
        [array(2., dtype=float32)]
        """
        return self.comm.allreduce(xs, op)

    def allgather(self, x: np.ndarray) -> np.ndarray:
        """`(size, *x.shape)`: member j's `x` at position j.

        >>> import numpy as np
        >>> MPIProcessAxis(Communicator(mpi().COMM_SELF)).allgather(np.arange(2)).shape
        (1, 2)
        """
        return self.comm.allgather(x)

    def reduce_scatter(self, x: np.ndarray, op: str) -> np.ndarray:
        """Block `index` of the reduction over the members of `x` (shape `(size, *rest)`).

        >>> import numpy as np
        >>> MPIProcessAxis(Communicator(mpi().COMM_SELF)).reduce_scatter(np.array([[1, 2]]), "sum")
        array([1, 2])
        """
        return self.comm.reduce_scatter(x, op)

    def alltoall(self, x: np.ndarray) -> np.ndarray:
        """Block j of `x` to member j; the result stacks the blocks received, by source.

        >>> import numpy as np
        >>> MPIProcessAxis(Communicator(mpi().COMM_SELF)).alltoall(np.array([[3]]))
        array([[3]])
        """
        return self.comm.alltoall(x)

    def permute(self, x: np.ndarray, perm: Sequence[tuple[int, int]]) -> np.ndarray:
        """Member `dest` gets member `source`'s `x` for each `(source, dest)` in `perm`; a member
        receiving nothing gets zeros.

        >>> import numpy as np
        >>> MPIProcessAxis(Communicator(mpi().COMM_SELF)).permute(np.arange(2.0), [(0, 0)])
        array([0., 1.])
        """
        x = np.asarray(x)
        dest = next((d for s, d in perm if s == self.index), None)
        source = next((s for s, d in perm if d == self.index), None)
        out = self.comm.sendrecv(x, dest, source)
        return np.zeros_like(x) if out is None else out
