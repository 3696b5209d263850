"""funcgrad's benchmark harness. Run it as ``python -m benchmarks`` (see benchmarks/README.md).

Every number it prints is a ratio against a baseline measured in the same run, interleaved with
the variants it is compared to, with every framework pinned to one thread. This package imports
nothing heavy at import time, so that ``__main__`` can pin threads before numpy loads.

A workload is a module listed in ``WORKLOADS`` that defines ``NAME``, ``DESCRIPTION`` and
``build(ctx) -> list[harness.Variant]`` (or None, with a note in ``ctx.notes``, when it cannot
run on this machine): at least one variant has ``baseline=True``; the others
are compared to the baseline named by their ``vs`` (default: the workload's first baseline).
``build`` checks that the variants compute the same result and raises
``harness.BenchmarkCheckError`` otherwise. A module may instead define ``sweep(ctx, settings)``
(``scaling``): it times its own points (through ``harness.run_workload``) and returns a dict the
harness stores under ``"sweeps"`` in the JSON.
"""

# module names (under benchmarks/), in the order they run
WORKLOADS = ("eager", "eager_grad", "two_layer", "softmax", "conv", "jacobian", "jit", "prng",
             "torch_layer", "lenet", "torch_train", "dataloader", "gpu", "optim_adam", "allreduce", "ddp",
             "odeint", "scaling", "linalg_solve")
