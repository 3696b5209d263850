"""Differential bad-input testing of funcgrad.torch against PyTorch 2.13 (the oracle).

CASES is a table: a torch function or nn layer's name -> builders of bad calls to it. A builder
takes a drawer `d` (hypothesis draws the shapes, sizes, dims, dtypes and values it asks for) and
returns the call as a function of the library (`T` is `torch` or `funcgrad.torch`), so the very
same call runs in both. For each name, hypothesis chooses among its builders and their drawn
arguments; each call must end the same way in both libraries:

- PyTorch raises: funcgrad raises the same exception class (or a subclass of it) and, unless the
  builder says the message is not a contract (`msg=False`: PyTorch names an internal kernel), a
  message that starts as PyTorch's does (its first line up to the first detail: a number, a
  quote, a bracket);
- PyTorch returns: funcgrad returns too, the same shapes, dtypes and values;
- PyTorch warns: funcgrad warns with the same category.

Adding a function: add `@case("name")` builders below. The names exercised are printed in the
test summary (the coverage list). FUNCGRAD_HYPOTHESIS=deep runs many more examples per name.
Skipped when torch is not installed (the `oracle` extra)."""
from __future__ import annotations

import math
import random
import re
import warnings

import _torch_bad_calls_index  # noqa: F401  (registers its builders in CASES)
import _torch_bad_calls_nn  # noqa: F401  (registers its builders in CASES)
import numpy as np
import pytest
from _torch_bad_calls import CASES, PENDING, Draw
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import funcgrad.torch as ft

# ---- running a call in both libraries ---------------------------------------------------------

def _stem(msg):
    """The fixed start of an error message: its first line up to the first detail."""
    line = msg.strip().split("\n")[0]
    return re.split(r"[0-9'\"\[\(]|torch\.Size", line, maxsplit=1)[0][:60]


def _same_class(f, t):
    """f's class is t's, a subclass of it, or PyTorch's own class of that name re-implemented
    (torch.linalg.LinAlgError is torch._C._LinAlgError) with the same built-in base."""
    if isinstance(f, type(t)):
        return True
    base = next(c for c in type(t).__mro__ if c.__module__ == "builtins")
    return type(f).__name__.lstrip("_") == type(t).__name__.lstrip("_") and isinstance(f, base)


def _outcome(call, T):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            return "ok", call(T), {w.category for w in caught}
        except Exception as e:  # noqa: BLE001 (the outcome compared is any exception)
            return "raise", e, {w.category for w in caught}


def _compare_results(f, t, torch, values):
    if isinstance(t, (tuple, list)) and not isinstance(t, torch.Size):
        assert isinstance(f, (tuple, list)) and len(f) == len(t), (f, t)
        for a, b in zip(f, t):
            _compare_results(a, b, torch, values)
        return
    if isinstance(t, torch.Tensor):
        assert isinstance(f, ft.Tensor), (f, t)
        assert tuple(f.shape) == tuple(t.shape), (f.shape, t.shape)
        assert str(f.dtype) == str(t.dtype), (f.dtype, t.dtype)
        if values:
            a, b = f.detach().numpy(), t.detach().numpy()
            if a.dtype.kind in "fc":
                np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6, equal_nan=True)
            else:
                np.testing.assert_array_equal(a, b)
    elif isinstance(t, (int, float, bool)) and values:
        assert f == t or (isinstance(t, float) and math.isnan(t) and math.isnan(f)), (f, t)


def check_same_outcome(torch, builder, d):
    """Run the call that builder makes from the drawer d in PyTorch, then in funcgrad.torch."""
    call = builder(d)
    d.mark()
    t_kind, t_val, t_warn = _outcome(call, torch)
    d.rewind()
    f_kind, f_val, f_warn = _outcome(call, ft)
    if t_kind == "raise":
        assert f_kind == "raise", f"PyTorch raised {type(t_val).__name__}: {t_val}\n" \
                                  f"funcgrad returned {f_val!r}"
        assert _same_class(f_val, t_val), \
            f"\nfuncgrad {type(f_val).__name__}: {f_val}\ntorch    {type(t_val).__name__}: {t_val}"
        if builder.msg:
            assert str(f_val).strip().startswith(_stem(str(t_val))), \
                f"\nfuncgrad: {f_val}\ntorch:    {t_val}"
        return
    if f_kind == "raise":
        raise AssertionError(f"PyTorch returned, funcgrad raised {type(f_val).__name__}: "
                             f"{f_val}") from f_val
    _compare_results(f_val, t_val, torch, builder.values)
    missing = {c for c in t_warn if not any(issubclass(w, c) for w in f_warn)}
    assert not missing, f"PyTorch warned {missing}, funcgrad warned {f_warn}"


# ---- the tests --------------------------------------------------------------------------------

_EXAMPLES = max(4, settings().max_examples // 3)
BAD_SETTINGS = settings(max_examples=_EXAMPLES, deadline=None, database=None,
                        suppress_health_check=[HealthCheck.function_scoped_fixture,
                                               HealthCheck.too_slow])
NAMES = sorted(CASES)


def write_summary(section, line, recorded):
    """The coverage list (the functions and layers exercised), for the test summary
    (tests/conftest.py calls this when this module's tests ran)."""
    section("funcgrad.torch bad-input coverage")
    line(f"{len(NAMES)} functions and layers, {sum(len(CASES[n]) for n in NAMES)} kinds of bad "
         f"call, {_EXAMPLES} drawn calls per function:")
    line(", ".join(f"{n} ({len(CASES[n])})" for n in NAMES))
    if PENDING:
        line("known not to match PyTorch yet (xfail): "
             + ", ".join(f"{n} ({len(PENDING[n])})" for n in sorted(PENDING)))


@pytest.mark.parametrize("name", NAMES)
@BAD_SETTINGS
@given(data=st.data())
def test_bad_call_ends_as_in_pytorch(torch, name, data):
    """A bad call drawn from name's builders raises what PyTorch raises (class, message start)
    or, where PyTorch accepts it, returns what PyTorch returns."""
    builders = CASES[name]
    builder = builders[data.draw(st.integers(0, len(builders) - 1), label="builder")]
    d = Draw(lambda lo, hi: data.draw(st.integers(lo, hi)))
    check_same_outcome(torch, builder, d)


@pytest.mark.parametrize("name", sorted(PENDING))
def test_pending_fixes(torch, name):
    """Bad calls known not to end as in PyTorch yet (each builder says why): expected
    to fail until that fix lands (not strict, so the day it passes is seen as XPASS)."""
    rng = random.Random(0)
    failures = []
    for builder in PENDING[name]:
        for _ in range(3):
            try:
                check_same_outcome(torch, builder, Draw(rng.randint))
            except AssertionError as e:
                failures.append(f"{builder.pending}: {e}")
                break
    if failures:
        pytest.xfail("\n".join(failures))


def test_every_builder_makes_a_call():
    """Each builder, given fixed draws, makes a callable (the table itself is well formed)."""
    rng = random.Random(0)
    d = Draw(rng.randint)
    for table in (CASES, PENDING):
        for name in sorted(table):
            for builder in table[name]:
                assert callable(builder(d)), name


def mismatches(seed=0, rounds=3):  # pragma: no cover (a debugging aid: python -c ...)
    """Every builder run `rounds` times with random draws; returns the mismatches found."""
    import torch
    rng = random.Random(seed)
    found = []
    for name in NAMES:
        for builder in CASES[name]:
            for _ in range(rounds):
                state = rng.getstate()
                try:
                    check_same_outcome(torch, builder, Draw(rng.randint))
                except Exception as e:  # noqa: BLE001
                    found.append((name, builder.__name__, str(e).strip()[:400], state))
                    break
    return found
