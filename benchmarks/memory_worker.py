"""One measurement of ``scaling``'s memory study, in a process of its own:
``python -m benchmarks.memory_worker VARIANT LAYERS WIDTH`` prints one JSON line.

The function is a residual chain of LAYERS layers, ``x <- x + 0.01 * tanh(x)`` on a float64
vector of WIDTH elements, and the loss ``sum(x)``; every variant computes its gradient with
respect to the input (except ``numpy forward``, the loss alone). A fresh process per variant,
so that no variant inherits another's freed-but-kept heap or its high-water mark.

Peak resident memory is read the way the kernel counts it: on Linux the high-water mark is reset
just before the call (``/proc/self/clear_refs``, value 5) and read after it (``VmHWM`` in
``/proc/self/status``), so the figure is the peak resident set during the call minus the
resident set just before it: everything the call touched, numpy buffers, the tape, Python
objects and allocator slack alike. Where that reset is unavailable, ``ru_maxrss`` after the call
minus the resident set before it is used instead (an upper bound: ``ru_maxrss`` never goes down).
For numpy and funcgrad, a second run under ``tracemalloc`` also reports the peak of the bytes
allocated through Python's and numpy's allocators (numpy reports its data buffers to
tracemalloc); JAX's and PyTorch's buffers are invisible to it, so they have no such figure.
"""
import json
import os
import re
import resource
import sys
import tracemalloc

import numpy as np

STEP = 0.01
VARIANTS = ("numpy forward", "numpy manual backprop", "funcgrad grad",
            "funcgrad grad, checkpoint every layer", "funcgrad grad, checkpoint sqrt(L) blocks",
            "jax jit(grad)", "jax jit(grad), checkpoint sqrt(L) blocks", "torch autograd")


def data(width):
    return np.random.RandomState(0).randn(width)


def numpy_forward(x, layers):
    for _ in range(layers):
        x = x + STEP * np.tanh(x)
    return x.sum()


def numpy_backprop(x, layers):
    """The hand-written gradient: stores each layer's tanh (the floor of what must be kept)."""
    ts = []
    for _ in range(layers):
        t = np.tanh(x)
        ts.append(t)
        x = x + STEP * t
    g = np.ones_like(x)
    for t in reversed(ts):
        g = g * (1.0 + STEP * (1.0 - t * t))
    return g


def block_size(layers):
    """The block length that minimises stored inputs + one block's residuals: about sqrt(L)."""
    return max(1, round(layers ** 0.5))


def _blocks(layers, k):
    full, rest = divmod(layers, k)
    return [k] * full + ([rest] if rest else [])


def build(variant, layers):
    """The zero-argument-but-x function the variant runs, and how to convert x for it."""
    if variant == "numpy forward":
        return (lambda x: numpy_forward(x, layers)), np.asarray
    if variant == "numpy manual backprop":
        return (lambda x: numpy_backprop(x, layers)), np.asarray
    if variant.startswith("funcgrad"):
        import funcgrad as fg  # reason: each worker imports only the framework it measures
        import funcgrad.numpy as fnp

        def run(x, n):
            for _ in range(n):
                x = x + STEP * fnp.tanh(x)
            return x
        if variant == "funcgrad grad":
            f = lambda x: fnp.sum(run(x, layers))
        else:
            k = 1 if variant.endswith("every layer") else block_size(layers)
            segs = {n: fg.checkpoint(lambda x, n=n: run(x, n)) for n in set(_blocks(layers, k))}

            def f(x):
                for n in _blocks(layers, k):
                    x = segs[n](x)
                return fnp.sum(x)
        return fg.grad(f), fnp.asarray
    if variant.startswith("jax"):
        import jax  # reason: as above

        def jrun(x, n):
            for _ in range(n):
                x = x + STEP * jax.numpy.tanh(x)
            return x
        if variant == "jax jit(grad)":
            jf = lambda x: jax.numpy.sum(jrun(x, layers))
        else:
            k = block_size(layers)
            segs = {n: jax.checkpoint(lambda x, n=n: jrun(x, n)) for n in set(_blocks(layers, k))}

            def jf(x):
                for n in _blocks(layers, k):
                    x = segs[n](x)
                return jax.numpy.sum(x)
        g = jax.jit(jax.grad(jf))
        compiled = {}

        def jgrad(x):
            if x.shape not in compiled:
                jgrad.prepare(x)
            return compiled[x.shape](x).block_until_ready()

        def prepare(x):
            # compiled ahead of time (lower + compile, nothing run), so that the measured call is
            # the first run at this shape: a warm-up run would leave its buffers in the
            # allocator's free lists, and the measured run would reuse them unseen
            compiled[x.shape] = g.lower(x).compile()
        jgrad.prepare = prepare
        return jgrad, jax.numpy.asarray
    if variant == "torch autograd":
        import torch  # reason: as above
        torch.set_num_threads(1)

        def tgrad(x):
            x0 = x.detach().requires_grad_(True)
            x = x0
            for _ in range(layers):
                x = x + STEP * torch.tanh(x)
            return torch.autograd.grad(x.sum(), x0)[0]
        return tgrad, lambda a: torch.tensor(a, dtype=torch.float64)
    raise SystemExit(f"unknown variant {variant!r}; one of {', '.join(VARIANTS)}")


def _status_kib(field):
    with open("/proc/self/status") as f:
        m = re.search(rf"^{field}:\s+(\d+) kB", f.read(), re.MULTILINE)
    return int(m.group(1))


def _can_reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        _status_kib("VmHWM")
        return True
    except (OSError, AttributeError):
        return False


def _maxrss_bytes():
    scale = 1 if sys.platform == "darwin" else 1024   # bytes on macOS, KiB elsewhere
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def measure(variant, layers, width):
    fn, convert = build(variant, layers)
    x = convert(data(width))
    fn(convert(data(4)))   # warm-up on a tiny input: lazy imports, caches, compiled code
    prepare = getattr(fn, "prepare", None)
    if prepare is not None:
        prepare(x)         # XLA compiles per shape: keep the compiler out of the figure
    if _can_reset_peak():
        before = _status_kib("VmRSS") * 1024
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        out = fn(x)
        peak = _status_kib("VmHWM") * 1024
        method = "VmHWM after resetting it (/proc/self/clear_refs 5)"
    else:
        before = _maxrss_bytes()   # no reset: an upper bound, see the module docstring
        out = fn(x)
        peak = _maxrss_bytes()
        method = "ru_maxrss after the call minus ru_maxrss before it"
    result = np.asarray(out.detach() if hasattr(out, "detach") else out, dtype=np.float64)
    del out
    traced = None
    if variant.startswith(("numpy", "funcgrad")):
        tracemalloc.start()
        fn(x)
        traced = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return {"variant": variant, "layers": layers, "width": width,
            "peak_rss_bytes": max(0, peak - before), "tracemalloc_peak_bytes": traced,
            "method": method, "result_sum": float(result.sum()),
            "result_head": [float(v) for v in result.reshape(-1)[:4]], "pid": os.getpid()}


if __name__ == "__main__":
    variant, layers, width = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    print(json.dumps(measure(variant, layers, width)))
