"""``python -m benchmarks [--quick] [--profile] [WORKLOAD ...]``"""
import os
import sys

# A fallback for when threadpoolctl is missing: BLAS/OpenMP read these when they load, so they must
# be set before numpy (or torch) is first imported. threadpoolctl, when present, pins them anyway.
if "numpy" not in sys.modules:
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                 "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
        os.environ.setdefault(_var, "1")

from .harness import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
