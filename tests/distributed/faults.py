"""One fault per run, chosen by argv[1]; argv[2] is a marker the test looks for among the
processes afterwards (none may survive). The healthy rank waits in a collective or sleeps, so
only the runtime's fault handling can end it in time."""
import os
import sys
import time

import numpy as np

import funcgrad.distributed as dist

mode = sys.argv[1]
if mode == "init_timeout":
    from mpi4py import MPI
    if MPI.COMM_WORLD.rank == 1:
        time.sleep(600)                         # never reaches initialize()
    dist.initialize(initialization_timeout=1.0)
dist.initialize(abort_grace=1.0)   # the caught timeout stops the job 1 s later
w = dist.world()
r = w.rank
if mode == "raise":
    if r == 1:
        raise ValueError("rank one fails on purpose")
    w.allreduce([np.ones(3)])                   # waits for rank 1 for ever
elif mode == "exit":
    if r == 1:
        os._exit(3)                             # dies without a word
    time.sleep(600)
elif mode == "mismatch":
    w.allreduce([np.ones((2, 3) if r == 0 else (3, 2), np.float32)])
elif mode == "mismatch_dtype":
    w.broadcast(np.ones(4, np.float32 if r == 0 else np.float64), root=0)
elif mode == "mismatch_p2p":
    if r == 0:
        w.send(np.ones(5), dest=1)
        time.sleep(600)
    else:
        w.recv((4,), np.float64, source=0)
elif mode == "timeout":
    if r == 1:
        time.sleep(600)                         # never joins the collective
    w.allreduce([np.ones(3)], timeout=1.0)
elif mode == "timeout_caught":
    # a timed-out rank that swallows the error is still stopped, abort_grace later
    if r == 1:
        time.sleep(600)
    try:
        w.barrier(timeout=1.0)
    except dist.DistributedTimeoutError:
        print("caught the timeout", flush=True)
        time.sleep(600)
elif mode == "sleep":                           # every rank: stopped only from outside
    time.sleep(600)
elif mode == "sysexit":
    if r == 0:
        sys.exit(4)
    time.sleep(600)
print("unreachable", flush=True)
