"""``python -m benchmarks [--quick] [--profile] [WORKLOAD ...]``"""
import os
import sys

# A fallback for when threadpoolctl is missing: BLAS/OpenMP read these when they load, so they must
# be set before numpy (or torch) is first imported. threadpoolctl, when present, pins them anyway.
if "numpy" not in sys.modules:
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                 "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
        os.environ.setdefault(_var, "1")
# JAX (when installed) reads these when it loads: XLA's CPU client on one thread, and no probing
# for accelerators.
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false "
                      "intra_op_parallelism_threads=1")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

from .harness import RESULTS_DIR, main  # noqa: E402


def _run():
    latest = RESULTS_DIR / "latest.json"
    before = latest.stat().st_mtime_ns if latest.exists() else None
    status = main()
    if latest.exists() and latest.stat().st_mtime_ns != before:   # this run wrote results
        from . import chart, scaling_chart, table
        if chart.available():
            payload = table.load(latest)
            try:
                if payload.get("workloads"):
                    chart.write_latest()
                for path in scaling_chart.write_all(payload):
                    print(f"chart: {path.relative_to(RESULTS_DIR.parent.parent)}")
            except Exception as e:  # noqa: BLE001 - the numbers stand without the picture
                print(f"WARNING: the chart could not be drawn: {type(e).__name__}: {e}",
                      file=sys.stderr)
        else:
            print("note: no chart (benchmarks/results/latest.png): matplotlib is not installed "
                  "(pip install -e '.[bench]')")
    return status


if __name__ == "__main__":
    sys.exit(_run())
