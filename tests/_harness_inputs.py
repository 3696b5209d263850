"""The inputs of the every-function harness (tests/test_harness.py): the argument roles a spec is
written in, the valid values of each keyword by its name, and the `Spec` record itself.

A spec says how to call one function validly: the roles of its positional arguments (an array of
the call's shape in a domain, a square matrix, a PRNG key, a literal, ...), the shapes and dtypes
to draw, the values each keyword takes, and what is not comparable (an oracle that is missing,
results that are not unique). The spec *table* (which function belongs to which family) is
tests/_harness_specs.py; the checks are tests/_harness_checks.py."""
from __future__ import annotations

import dataclasses
from typing import Any, Callable

import numpy as np

from _fuzz_support import Pair

# The shapes an elementwise call draws (sizes 0 and 1 included), and its companions'.
ELEMENTWISE = ((), (0,), (1,), (3,), (2, 3), (1, 4), (2, 1, 3))
NONEMPTY = ((1,), (3,), (2, 3), (1, 4), (2, 1, 3))
VECTORS = ((0,), (1,), (4,), (5,))
NONEMPTY_VECTORS = ((1,), (4,), (5,))
SQUARE = ((0, 0), (1, 1), (3, 3), (2, 3, 3))
MATRICES = ((1, 1), (3, 2), (2, 3), (3, 3), (2, 4, 3))
AT_LEAST_2D = ((1, 1), (2, 3), (3, 3), (2, 2, 3), (0, 3))

REAL = (np.float64, np.float64, np.float32)
WITH_COMPLEX = REAL + (np.complex128,)
INTS = (np.int64, np.int32)

# name -> (low, high): uniform draws; the derivative checks stay clear of non-smooth points only
# statistically (a drawn value is never exactly at a kink).
DOMAINS = {"real": (-2.0, 2.0), "pos": (0.2, 3.0), "unit": (0.05, 0.95), "sym": (-0.9, 0.9),
           "ge1": (1.1, 3.0), "nonzero": (0.5, 2.0), "small": (-0.9, 0.9), "big": (2.0, 5.0)}


class Ctx:
    """One call's draw: the base shape and dtype, and a seeded generator for the values."""

    def __init__(self, seed: int, shape: tuple, dtype: Any):
        self.rng = np.random.default_rng(seed)
        self.shape, self.dtype = tuple(shape), np.dtype(dtype)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def arr(self, domain: str = "real", shape: tuple | None = None, dtype: Any = None):
        shape = self.shape if shape is None else tuple(shape)
        dtype = self.dtype if dtype is None else np.dtype(dtype)
        if dtype.kind == "b":
            return self.rng.random(shape) < 0.5
        if dtype.kind in "iu":
            return self.rng.integers(0, 4, shape).astype(dtype)
        lo, hi = DOMAINS[domain]
        a = self.rng.uniform(lo, hi, shape)
        if domain == "nonzero":
            a = a * self.rng.choice([-1.0, 1.0], shape)
        if dtype.kind == "c":
            a = a + 1j * self.rng.uniform(lo, hi, shape) * 0.5
        return a.astype(dtype)

    def spd(self, shape: tuple | None = None):
        """A well-conditioned symmetric (Hermitian) positive definite matrix (stack)."""
        shape = self.shape if shape is None else shape
        a = self.arr("real", shape)
        n = shape[-1] if shape else 0
        return (a @ np.conj(np.swapaxes(a, -1, -2)) + n * np.eye(n)).astype(a.dtype)

    def well_conditioned(self, shape: tuple | None = None):
        shape = self.shape if shape is None else shape
        n = shape[-1] if shape else 0
        return (self.arr("small", shape) + 2.0 * np.eye(n)).astype(self.dtype)

    def tail(self, domain: str = "real"):
        """A second operand that broadcasts against the base shape (the same, or its tail)."""
        shape = self.shape if self.rng.random() < 0.6 else self.shape[1:]
        return self.arr(domain, shape)

    def key(self, seed: int | None = None):
        import funcgrad.random as frandom  # reason: the harness imports funcgrad lazily here
        seed = int(self.rng.integers(0, 100)) if seed is None else seed

        def jax_key():
            import jax  # reason: JAX is an optional oracle
            return jax.random.PRNGKey(seed)
        return Pair(f"key({seed})", frandom.PRNGKey(seed), None, LazyJax(jax_key))


class LazyJax:
    """A JAX-side argument built when the JAX oracle is called (JAX imports lazily)."""

    def __init__(self, build: Callable[[], Any]):
        self.build = build


def arg(role: str | Callable, domain: str = "real") -> Callable[[Ctx], Any]:
    """An argument builder: a role name or a function of the Ctx."""
    if callable(role):
        return role
    return {
        "x": lambda c: c.arr(domain),
        "y": lambda c: c.tail(domain),
        "spd": lambda c: c.spd(),
        "wc": lambda c: c.well_conditioned(),
        "key": lambda c: c.key(),
        "int": lambda c: c.arr(dtype=np.int64),
        "bool": lambda c: c.arr(dtype=np.bool_),
    }[role]


def lit(value: Any) -> Callable[[Ctx], Any]:
    return lambda c: value


@dataclasses.dataclass(frozen=True)
class Spec:
    """How to call one function validly, and how to compare it (see the module docstring).

    args:    one builder per positional argument (`arg(...)`, `lit(...)` or a function of Ctx)
    kw:      keyword -> a tuple of valid values, or a function of Ctx giving one; these add to the
             name rules of KEYWORD_VALUES
    skip_kw: keyword -> why the harness does not pass it
    numpy:   the oracle's name in numpy/scipy (None: there is none; "" the same name), or a
             function standing in for it
    jax:     the name in JAX's namespace (None: none; "" the same name), or a function
    compare: "values" or "shapes" (results that are not unique, or another PRNG's numbers)
    diff:    False when derivatives are not meaningful; else they are checked where the result
             and an argument are inexact, to second order (`order=1`: first order only)
    vmap, jit: whether to check vmap-vs-loop and jit-vs-eager (False with the reason in `why`)
    numpy_dtype: how the numpy/scipy check compares dtypes: True (the same), "kind" (where the
             oracle computes float32 inputs in float64 and JAX, funcgrad's model, keeps float32:
             the JAX check still compares the exact dtype)
    """
    args: tuple = (arg("x"),)
    shapes: tuple = ELEMENTWISE
    dtypes: tuple = REAL
    kw: dict = dataclasses.field(default_factory=dict)
    skip_kw: dict = dataclasses.field(default_factory=dict)
    numpy: Any = ""
    jax: Any = ""
    compare: str = "values"
    diff: bool = True
    order: int = 2
    vmap: bool = True
    jit: bool = True
    rtol: float | None = None
    numpy_dtype: Any = True
    why: str = ""

    def replace(self, **changes: Any) -> "Spec":
        return dataclasses.replace(self, **changes)


def axis_values(c: Ctx):
    return (None,) + tuple(range(-c.ndim, c.ndim))


def int_axis(c: Ctx):
    return tuple(range(-c.ndim, c.ndim)) or (0,)


# Valid values of a keyword by its name, for every function that takes it (a spec's own `kw`
# overrides). A function of the Ctx where the valid values depend on the call's shape.
KEYWORD_VALUES: dict[str, Any] = {
    "axis": axis_values, "keepdims": (False, True), "dtype": (None, np.float64, np.float32),
    "ddof": (0, 1), "equal_nan": (False, True), "rtol": (1e-5, 1e-3), "atol": (1e-8, 1e-2),
    "deg": (False, True), "decimals": (0, 1, -1), "k": (0, 1, -1), "offset": (0, 1, -1),
    "overwrite_input": (False,), "method": ("linear", "lower", "higher", "nearest", "midpoint"),
    "kind": (None, "stable"), "side": ("left", "right"), "endpoint": (True, False),
    "copy": (True, False), "rowvar": (True, False), "bias": (False, True),
    "returned": (False, True), "mode": ("full", "same", "valid"), "norm": (None, "ortho",
                                                                         "forward", "backward"),
    "n": (None, 2, 5), "indexing": ("xy", "ij"), "sparse": (False, True),
    "negative_slope": (0.01, 0.3), "alpha": (1.0, 0.5), "approximate": (True, False),
    "epsilon": (1e-5, 1e-2), "full_matrices": (True, False), "compute_uv": (True, False),
    "hermitian": (False,), "UPLO": ("L", "U"), "upper": (False, True), "lower": (False, True),
    "reverse": (False, True), "descending": (False, True), "tol": (None, 1e-3),
    "axis1": (0, 1), "axis2": (1, -1), "axisa": (-1,), "axisb": (-1,), "axisc": (-1,),
    "nan": (0.0, 1.5), "posinf": (None, 9.0), "neginf": (None, -9.0), "rcond": (None, 1e-10),
    "p": (None, 2, "fro", 1, np.inf, -2), "minval": (0.0, -1.0), "maxval": (1.0, 2.0),
    "b": (None, 0.5), "return_sign": (False, True),
    "s": lambda c: (None, c.shape[-2:]),
    "initial": (None, 0.5), "where": lambda c: (True, c.arr(dtype=np.bool_)),
    # funcgrad.scipy's keywords (scipy's names)
    "loc": (0.0, 0.5), "scale": (1.0, 2.0), "trans": (0, 1), "unit_diagonal": (False, True),
    "assume_a": ("gen", "pos"), "eigvals_only": (False, True), "pivoting": (False,),
    "permute_l": (False, True), "overwrite_a": (False,), "overwrite_b": (False,),
    "retstep": (False, True), "boundary": ("fill",), "fillvalue": (0,), "disp": (True,),
    "calc_q": (False, True), "p_indices": (False, True), "return_rank": (False,),
    "repetition": (False, True), "diff_n": (0,), "allow_singular": (False,),
}

# Keywords the harness never passes, by name, with the reason.
KEYWORD_SKIPS = {
    "out": "numpy's output buffer: funcgrad arrays are immutable (JAX has no out= either)",
    "order": "memory layout or a structured-dtype field name: funcgrad arrays have one layout "
             "and no structured dtypes (tests/test_numpy_api.py checks the refusal)",
    "impl": "JAX's PRNG implementation name: funcgrad has the one (threefry, pending: prng)",
    "check_finite": "scipy's NaN/inf scan of the inputs: JAX's functions take and ignore it",
    "device": "device placement: tests/test_gpu.py and the fake-CuPy tests",
    "precision": "JAX's accelerator matmul precision: scipy has none, and funcgrad computes in "
                 "the operands' dtype",
    "debug": "JAX's debugging switch of the triangular solve: scipy's prints LAPACK's call",
    "lwork": "LAPACK's workspace size: scipy's tuning knob, the result is the same",
    "lapack_driver": "the LAPACK routine (gesdd/gesvd): scipy's tuning knob, the same result "
                     "up to rounding",
    "upper_triangular": "JAX's own hint to expm: scipy's expm has none (no common oracle)",
    "max_squarings": "JAX's own bound on expm's squarings: scipy's expm has none",
    "n_max": "JAX's static bound on a traced degree: scipy's sph_harm_y has none",
}
