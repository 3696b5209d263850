"""Helpers of torch.utils.data shared by the main process and the worker processes."""
import atexit

MP_STATUS_CHECK_INTERVAL = 1.0
"""How often (seconds) a waiting process checks that its peer is still alive."""

python_exit_status = False
"""Set at interpreter exit, so that iterators being collected then do not touch workers."""


def _set_python_exit_flag():
    global python_exit_status
    python_exit_status = True


atexit.register(_set_python_exit_flag)

from . import collate, fetch, worker  # noqa: E402,F401
