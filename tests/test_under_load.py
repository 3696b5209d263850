"""funcgrad under load (issue #20): eight threads calling the same jitted and eager functions get
the single-thread answers; memory stays flat over many calls with changing shapes (every cache
is bounded: see docs/caches.md); a long eager chain, and grad through it, need no recursion.

The default run is bounded (a few seconds); FUNCGRAD_SLOW=1 runs the issue's full counts (10^5
calls with changing shapes, a 10^6-element chain of 10^4 operations)."""
from __future__ import annotations

import gc
import os
import sys
import threading
import tracemalloc
import warnings

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import _compiled_pullback
from funcgrad._core import trace as _trace
from funcgrad.interpreters import jit as _jit

SLOW = os.environ.get("FUNCGRAD_SLOW") == "1"
THREADS = 8


def _loss(x, y):
    return fnp.sum(fnp.sin(x) * y + fnp.tanh(x) ** 2)


SHAPES = [(0,), (1,), (3,), (2, 3), (4, 1), (5,), (2, 2, 2), (7,), (1, 6), (3, 3)]


def _inputs():
    rng = np.random.default_rng(0)
    return [(rng.standard_normal(s), rng.standard_normal(s)) for s in SHAPES]


def _run_in_threads(work, n=THREADS):
    """work(i) in n threads started together; their results, or the first exception re-raised."""
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def target(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except BaseException as e:  # noqa: BLE001 - re-raised in the main thread
            errors.append(e)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    if errors:
        raise errors[0]
    return results


def _as_np(tree):
    return [np.asarray(leaf) for leaf in fg.tree.leaves(tree)]


# evictions retrace on purpose (the filter is set in the main thread: warnings.catch_warnings
# inside the threads would race on the global filter list)
@pytest.mark.filterwarnings("ignore::funcgrad.interpreters.jit.RetraceWarning")
@pytest.mark.parametrize("cache_size", [256, 3])
def test_eight_threads_get_single_thread_answers(monkeypatch, cache_size):
    """The same jitted functions (value, grad) and eager calls from 8 threads at once, each
    thread going through the signatures in its own order, so that compiles, cache hits, the fast
    road and (with a cache of 3) evictions interleave: every answer is the single-thread one."""
    monkeypatch.setattr(_jit, "CACHE_SIZE", cache_size)
    fg.jit(_loss).clear_cache()  # _loss's cache is shared by every jit of it (the other case's)
    inputs = _inputs()
    want_jit = [_as_np(fg.jit(_loss)(*xy)) for xy in inputs]
    want_grad = [_as_np(fg.jit(fg.grad(_loss, argnums=(0, 1)))(*xy)) for xy in inputs]
    want_eager = [_as_np(fg.grad(_loss)(*xy)) for xy in inputs]
    jf, jg = fg.jit(_loss), fg.jit(fg.grad(_loss, argnums=(0, 1)))
    rounds = 6

    def work(i):
        order = np.random.default_rng(i).permutation(len(inputs) * rounds) % len(inputs)
        out = []
        for k in order:
            x, y = inputs[k]
            out.append((k, _as_np(jf(x, y)), _as_np(jg(x, y)), _as_np(fg.grad(_loss)(x, y))))
        return out

    for out in _run_in_threads(work):
        for k, v, g, e in out:
            for got, want in ((v, want_jit[k]), (g, want_grad[k]), (e, want_eager[k])):
                assert len(got) == len(want)
                for a, b in zip(got, want):
                    np.testing.assert_array_equal(a, b)
    assert len(jf.cache) <= max(cache_size, 1) and len(jg.cache) <= max(cache_size, 1)


def test_shape_checks_under_threads_never_let_a_bad_call_through():
    """The primitive shape checks are cached per signature: with threads racing to fill that
    cache, a mismatched call still raises every time and a good one never does."""
    def work(i):
        bad = good = 0
        for k in range(300):
            n = 2 + (k + i) % 23  # (1,) and (2,) would broadcast
            a, b = fnp.ones(n), fnp.ones(n + 1)
            try:
                fnp.add(a, b)
            except ValueError:
                bad += 1
            good += int(fnp.add(a, a).shape == (n,))
        return bad, good

    assert _run_in_threads(work) == [(300, 300)] * THREADS


def _traced_growth(calls, warmup):
    """Bytes still allocated (tracemalloc) after calls(second half) beyond after warmup."""
    gc.collect()
    tracemalloc.start()
    try:
        warmup()
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        calls()
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_over_eager_calls_with_changing_shapes():
    """Eager calls with ever-new shapes fill the per-signature check cache, which is bounded
    (trace._CHECKED_LIMIT): the memory after 2N calls is the memory after N."""
    n = 10 ** 5 if SLOW else 2 * 10 ** 4
    limit = _trace._CHECKED_LIMIT

    def calls(lo, hi):
        def run():
            for i in range(lo, hi):
                a = fnp.ones((1 + i % 97, 1 + i // 97 % 211))  # up to 20467 distinct shapes
                fnp.multiply(a, 2.0)
        return run

    growth = _traced_growth(calls(n // 2, n), calls(0, n // 2))
    assert len(_trace._checked) <= limit
    # the check cache may refill between the two measurements: at most `limit` keys of a few
    # hundred bytes each
    assert growth < limit * 400, f"{growth / 1e6:.1f} MB more after {n // 2} more calls"


def test_memory_stays_flat_over_jit_calls_with_changing_shapes(monkeypatch):
    """A jitted function called with ever-new shapes keeps at most CACHE_SIZE compiled forms."""
    monkeypatch.setattr(_jit, "CACHE_SIZE", 8)
    jf = fg.jit(lambda x: fnp.sum(fnp.exp(x) * 2.0))
    n = 2000 if SLOW else 240

    def calls(lo, hi):
        def run():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", fg.RetraceWarning)
                for i in range(lo, hi):
                    jf(np.ones(1 + i % 60))
        return run

    growth = _traced_growth(calls(n // 2, n), calls(0, n // 2))
    assert len(jf.cache) <= 8
    assert growth < 2 * 10 ** 6, f"{growth / 1e6:.1f} MB more after {n // 2} more compiles"


def test_memory_stays_flat_over_jacobians_with_changing_shapes():
    """jacrev's compiled pullbacks are cached per signature, at most CACHE_SIZE of them."""
    f = fg.jacrev(lambda x: fnp.sin(x) * 2.0)
    for i in range(3 * _compiled_pullback.CACHE_SIZE):
        f(np.ones(1 + i))
    assert len(_compiled_pullback._cache) <= _compiled_pullback.CACHE_SIZE


@pytest.fixture
def low_recursion_limit():
    """Python's recursion limit just above the current depth: a recursive walk over a long
    chain would raise RecursionError."""
    depth, f = 0, sys._getframe()
    while f is not None:
        depth, f = depth + 1, f.f_back
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 120)
    yield
    sys.setrecursionlimit(old)


def _chain(x, n):
    for i in range(n):
        x = x + 1e-4 if i % 2 else x * 0.9999
    return fnp.sum(x)


def test_a_long_eager_chain_and_its_gradient_need_no_recursion(low_recursion_limit):
    """10^4 eager operations, then grad through all of them (the backward pass walks the tape
    without recursion); the value and gradient are the closed form's."""
    n, size = 10 ** 4, 10 ** 6 if SLOW else 1000
    x = np.linspace(-1.0, 1.0, size)
    value = _chain(fnp.asarray(x), n)
    y = x.copy()
    for i in range(n):
        y = y + 1e-4 if i % 2 else y * 0.9999
    np.testing.assert_allclose(np.asarray(value), y.sum(), rtol=1e-12)
    # the gradient: 10^4 operations on a smaller array in the default run (the tape keeps each
    # step's input: 10^4 of 8 MB at the full size)
    gsize = 1000
    g = fg.grad(_chain)(fnp.asarray(x[:gsize]), n)
    np.testing.assert_allclose(np.asarray(g), np.full(gsize, 0.9999 ** (n // 2)), rtol=1e-12)


def test_deep_jaxpr_compiles_without_recursion(low_recursion_limit):
    """jit of a 10^4-operation chain: tracing, the passes and code generation walk it without
    recursion."""
    f = fg.jit(lambda x: _chain(x, 10 ** 4))
    x = np.linspace(-1.0, 1.0, 10)
    y = x.copy()
    for i in range(10 ** 4):
        y = y + 1e-4 if i % 2 else y * 0.9999
    np.testing.assert_allclose(np.asarray(f(x)), y.sum(), rtol=1e-10)
