"""Nonblocking operations in flight (`Request`), and the job's abort after a timeout."""
from __future__ import annotations

import os
import sys
import threading
import time
from typing import Any, Callable

from ._mpi import _UNSET, mpi


def _abort_later(grace: float, reason: str) -> None:
    """Abort the whole job in `grace` seconds unless the process exits first (a daemon thread)."""
    def run():
        time.sleep(grace)
        sys.stderr.write(f"funcgrad.distributed: stopping the job: {reason}\n")
        sys.stderr.flush()
        sys.stdout.flush()
        os._exit(1)     # an exit without MPI's finalize: MPI's launcher kills every other rank
    threading.Thread(target=run, name="funcgrad-distributed-abort", daemon=True).start()


class Request:
    """A nonblocking operation in flight. `test()` says whether it finished (and advances it);
    `wait(timeout=None)` finishes it and returns its result.

    >>> import numpy as np
    >>> from funcgrad.distributed._comm import Communicator
    >>> req = Communicator(mpi().COMM_SELF).iallreduce([np.arange(3.0)])
    >>> req.wait()
    [array([0., 1., 2.])]
    """

    def __init__(self, comm: Any, what: str, finish: Callable[[], Any],
                 start: Callable[[], list] | None = None, agree: Any = None):
        self._comm = comm            # the Communicator (or its point-to-point half) that made it
        self._what = what
        self._finish = finish
        self._start = start          # posts the data requests once the header agrees
        self._agree = agree          # (header request, check) of a collective not yet started
        self._reqs: list = []
        self._queued = False         # in the communicator's queue of collectives to post
        self._done = False
        self._result: Any = None

    def _begin(self, block: bool, deadline: float | None) -> bool:
        """Check the header and post the data operation; False when the header is not in yet."""
        if self._agree is not None:
            req, check = self._agree
            if block:
                self._comm._poll(req.Test, req.Wait, deadline, self._what)
            elif not req.Test():
                return False
            if self._agree is not None:     # (a poll above may have begun it already)
                self._agree = None
                check()
        if self._start is not None:
            start, self._start = self._start, None
            self._reqs = start()
        return True

    def test(self) -> bool:
        """Whether the operation finished; advances it without blocking."""
        if self._done:
            return True
        if self._queued:
            self._comm._advance(block=False, deadline=None)
        else:
            self._begin(False, None)
        if self._agree is not None or self._start is not None:
            return False
        if mpi().Request.Testall(self._reqs):
            self._result, self._done = self._finish(), True
        return self._done

    def wait(self, timeout: float | None = _UNSET) -> Any:
        """Finish the operation (at most `timeout` seconds; default: the communicator's) and
        return its result."""
        if not self._done:
            deadline = self._comm._deadline(timeout)
            if self._queued:
                self._comm._advance(block=True, deadline=deadline, upto=self)
            else:
                self._begin(True, deadline)
            self._comm._complete(self._reqs, deadline, self._what)
            self._result, self._done = self._finish(), True
        return self._result


class _StatusRequest:
    """An MPI request whose completion fills `status` (MPI reports a receive's source and size
    there)."""

    def __init__(self, req: Any, status: Any):
        self.req = req
        self.status = status

    def Test(self) -> bool:
        return self.req.Test(self.status)

    def Wait(self) -> None:
        self.req.Wait(self.status)
