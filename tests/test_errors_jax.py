"""Bad inputs raise the class JAX raises for the same call (run beside JAX 0.10.2, the oracle):
the class name is JAX's, the exception is an instance of funcgrad.errors' class of that name
and of funcgrad's older class (ConcretizationError, ...), and the message names the argument
and the fix."""
from __future__ import annotations

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import errors

jax = pytest.importorskip("jax", reason="JAX oracle not installed: pip install -e '.[jax]'")
jnp = jax.numpy


def _raised(fn):
    try:
        fn()
    except Exception as e:  # the class is what is compared
        return e
    raise AssertionError("no exception was raised")


# (case, its call under a library namespace (jit/vmap/numpy), the words its message must have)
CASES = {
    "bool() under jit": (lambda L, np_: L.jit(lambda x: bool(x))(1.0), ["bool()", "`x`"]),
    "if under jit": (lambda L, np_: L.jit(lambda x: 1.0 if x > 0 else 2.0)(1.0), ["cond"]),
    "while under make_jaxpr": (lambda L, np_: L.make_jaxpr(lambda x: [x for _ in range(3)
                                                                        if x < 2])(1.0),
                               ["bool()"]),
    "int() under jit": (lambda L, np_: L.jit(lambda x: int(x))(1.0), ["int()"]),
    "float() under jit": (lambda L, np_: L.jit(lambda x: float(x))(1.0), ["float()"]),
    "item() under jit": (lambda L, np_: L.jit(lambda x: x.item())(1.0), ["item()"]),
    "list index under jit": (lambda L, np_: L.jit(lambda i: [1, 2][i])(1), ["index"]),
    "range() under jit": (lambda L, np_: L.jit(lambda n: list(range(n)))(2), ["index"]),
    "np.asarray under jit": (lambda L, np_: L.jit(lambda x: np.asarray(x))(1.0), ["numpy"]),
    "bool() under vmap": (lambda L, np_: L.vmap(lambda x: 1.0 if x > 0 else 2.0)(
        np_.ones(3)), ["where"]),
    "string leaf to jit": (lambda L, np_: L.jit(lambda x, y: x)(1.0, {"a": ["s"]}),
                           ["y['a'][0]", "static"]),
    "object leaf to jit": (lambda L, np_: L.jit(lambda x, y: x)(1.0, [object()]),
                           ["y[0]", "static"]),
    "in-place assignment": (lambda L, np_: np_.ones(3).__setitem__(0, 1.0), [".at[0].set"]),
    "lax.add float32 + int32": (lambda L, np_: L.lax.add(np_.ones(2, np_.float32),
                                                        np_.ones(2, np_.int32)),
                                ["lax.add", "same dtypes", "float32, int32", "astype"]),
    "lax.mul float32 + float16": (lambda L, np_: L.lax.mul(np_.ones(2, np_.float32),
                                                          np_.ones(2, np_.float16)),
                                  ["lax.mul", "float32, float16"]),
    "lax.lt float + int": (lambda L, np_: L.lax.lt(np_.ones(2, np_.float32), 1), ["lax.lt"]),
    "lax.add int + float scalars": (lambda L, np_: L.lax.add(1, 1.0), ["lax.add"]),
    "lax.add under jit": (lambda L, np_: L.jit(lambda a, b: L.lax.add(a, b))(
        np_.ones(2, np_.float32), np_.ones(2, np_.int32)), ["lax.add"]),
}


@pytest.mark.parametrize("args", [
    lambda np_: (np_.ones(2, np_.float32), 2.0),            # a weak float joins float32
    lambda np_: (np_.ones(2, np_.int32), 3),                # a weak int joins int32
    lambda np_: (np_.float32(1.0), np_.ones(2, np_.float32)),
])
def test_lax_accepts_what_jax_accepts(args):
    with jax.enable_x64(False):  # JAX's default (with x64 on, its Python floats are 64-bit)
        want = jax.lax.add(*args(jnp))
    got = fg.lax.add(*args(fnp))
    assert got.dtype == want.dtype and got.shape == want.shape


@pytest.mark.parametrize("case", CASES)
def test_bad_input_raises_jax_class(case):
    call, words = CASES[case]
    want = _raised(lambda: call(jax, jnp))
    got = _raised(lambda: call(fg, fnp))
    if type(want).__module__ == "builtins":  # a plain TypeError: funcgrad's may be a subclass
        assert isinstance(got, type(want)), (case, got)
    else:
        assert type(got).__name__ == type(want).__name__, (case, got)
    public = getattr(errors, type(want).__name__, None)
    if public is not None:  # one of jax.errors' classes: funcgrad.errors has it
        assert isinstance(got, public)
        assert isinstance(want, getattr(jax.errors, type(want).__name__))
    # and every builtin base of JAX's class (TypeError, IndexError)
    for base in type(want).__mro__:
        if base.__module__ == "builtins":
            assert isinstance(got, base), (case, base)
    msg = str(got)
    for w in words:
        assert w in msg, (case, w, msg)


def test_boolean_mask_under_jit_is_non_concrete_boolean_index_error():
    f = lambda L, np_: L.jit(lambda x: x[x > 0])(np_.ones(3))  # noqa: E731
    want = _raised(lambda: f(jax, jnp))
    got = _raised(lambda: f(fg, fnp))
    assert type(want).__name__ == type(got).__name__ == "NonConcreteBooleanIndexError"
    assert isinstance(got, (IndexError, fg.ConcretizationError))


def test_classes_subclass_funcgrads_and_jaxs_bases():
    assert issubclass(errors.TracerBoolConversionError, errors.ConcretizationTypeError)
    for name in ("ConcretizationTypeError", "TracerBoolConversionError",
                 "TracerIntegerConversionError", "NonConcreteBooleanIndexError"):
        assert issubclass(getattr(errors, name), fg.ConcretizationError), name
    for name in errors.__all__:
        ours, theirs = getattr(errors, name), getattr(jax.errors, name)
        assert issubclass(ours, fg.FuncgradError), name
        for base in theirs.__mro__:
            if base.__module__ == "builtins":
                assert issubclass(ours, base), (name, base)
    assert set(errors.__all__) == {n for n in dir(jax.errors) if not n.startswith("_")}
    assert errors.TracerArrayConversionError is fg.TracerArrayConversionError
    assert errors.UnexpectedTracerError is fg.UnexpectedTracerError


def test_escaped_tracer_is_unexpected_tracer_error_as_in_jax():
    def leak(L, np_):
        kept = []
        L.jit(lambda x: kept.append(x * 2) or x)(np_.ones(2))
        return kept[0] + 1.0

    want, got = _raised(lambda: leak(jax, jnp)), _raised(lambda: leak(fg, fnp))
    assert type(want).__name__ == type(got).__name__ == "UnexpectedTracerError"
    assert isinstance(got, TypeError) and isinstance(got, errors.UnexpectedTracerError)


def test_old_handlers_still_catch_the_new_classes():
    with pytest.raises(fg.ConcretizationError):
        fg.jit(lambda x: 1.0 if x > 0 else 0.0)(1.0)
    with pytest.raises(fg.ConcretizationError):
        fg.jit(lambda i: [1, 2][i])(1)
    with pytest.raises(fg.InPlaceUpdateError):
        fnp.zeros(2).__setitem__(0, 1.0)
