"""The checks of the every-function harness (tests/test_harness.py).

- `public_functions()`: every public callable of funcgrad.numpy (+ .linalg, .fft), funcgrad.lax,
  funcgrad.nn, funcgrad.random and every funcgrad.scipy submodule present at run time, found by
  introspection.
- `oracles(qualname, spec)`: numpy's/scipy's function of the same name and JAX's.
- `check_call(...)`: one call against the oracles (values, shapes, dtypes, JAX's weak types, and
  the error class where the oracle refuses), then, where asked, derivatives (forward and reverse,
  and forward-over-reverse and reverse-over-reverse, against JAX's, or against finite differences
  where JAX has no such function), vmap against a loop and jit against eager.

JAX runs under `jax.enable_x64(True)` (funcgrad's default dtypes are 64-bit), a context manager
that restores the process-global flag. Every check's outcome is recorded in RESULTS, for the test
summary and docs/coverage.md."""
from __future__ import annotations

import collections
import contextlib
import fnmatch
import importlib
import inspect
import pkgutil

import numpy as np

import funcgrad as fg
import funcgrad.lax as lax
import funcgrad.nn as fnn
import funcgrad.numpy as fnp
import funcgrad.random as frandom
import funcgrad.scipy as fscipy

import _gradcheck
from _fuzz_support import (Pair, as_numpy_tree, assert_same, describe, internal_reason, outcome,
                           quiet)
from _harness_inputs import KEYWORD_SKIPS, KEYWORD_VALUES, Ctx, LazyJax, Spec
from _harness_specs import KNOWN
from _jax_modes import jax_mode

# qualname -> {check: "ok" | "known: reason" | "fixed: reason"}
RESULTS: dict[str, dict[str, str]] = collections.defaultdict(dict)


# ---- enumeration -------------------------------------------------------------------------------

def _public_names(mod):
    names = getattr(mod, "__all__", None)
    if names is None:
        names = [n for n in dir(mod) if not n.startswith("_")]
    return names


def _functions_of(modname, mod, out):
    for name in _public_names(mod):
        obj = getattr(mod, name, None)
        if obj is None or inspect.isclass(obj) or inspect.ismodule(obj):
            continue
        if callable(obj):
            out[f"{modname}.{name}"] = obj
        elif type(obj).__module__.startswith("funcgrad"):
            # a distribution-like object (scipy.stats.norm as an instance): its public methods
            for meth in dir(obj):
                if not meth.startswith("_") and callable(getattr(obj, meth)):
                    out[f"{modname}.{name}.{meth}"] = getattr(obj, meth)


def scipy_modules():
    """Every public submodule of funcgrad.scipy, recursively, as found at run time."""
    mods = {}
    for info in pkgutil.walk_packages(fscipy.__path__, "funcgrad.scipy."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        mods[info.name] = importlib.import_module(info.name)
    return mods


def public_functions() -> dict:
    modules = {"funcgrad.numpy": fnp, "funcgrad.numpy.linalg": fnp.linalg,
               "funcgrad.numpy.fft": fnp.fft, "funcgrad.lax": lax, "funcgrad.nn": fnn,
               "funcgrad.random": frandom, "funcgrad.scipy": fscipy, **scipy_modules()}
    out: dict = {}
    for modname, mod in modules.items():
        _functions_of(modname, mod, out)
    return dict(sorted(out.items()))


# ---- oracles -----------------------------------------------------------------------------------

def _resolve(path):
    """'scipy.stats.norm.logpdf' -> the object, importing the longest module prefix."""
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for p in parts[i:]:
            obj = getattr(obj, p, None)
            if obj is None:
                return None
        return obj
    return None


def oracle_paths(qualname: str, spec: Spec):
    """(numpy/scipy path or None, JAX path or None); "numpy"/"jax" for a spec's stand-in."""
    rest = qualname[len("funcgrad."):]
    top, _, tail = rest.partition(".")
    prefix = tail.rsplit(".", 1)[0] + "." if "." in tail else ""

    def path(lib_prefix, override, lib):
        if callable(override):
            return lib
        if override is None or lib_prefix is None:
            return None
        return lib_prefix + (prefix + override if override else tail)
    return (path({"numpy": "numpy.", "scipy": "scipy."}.get(top), spec.numpy, "numpy"),
            path({"numpy": "jax.numpy.", "scipy": "jax.scipy.", "lax": "jax.lax.",
                  "nn": "jax.nn.", "random": "jax.random."}.get(top), spec.jax, "jax"))


def oracles(qualname: str, spec: Spec):
    """(numpy's/scipy's function, JAX's); a spec may give either as a function of its own."""
    np_path, jax_path = oracle_paths(qualname, spec)
    np_f = spec.numpy if callable(spec.numpy) else _resolve(np_path) if np_path else None
    jax_f = spec.jax if callable(spec.jax) else _resolve(jax_path) if jax_path else None
    return np_f, jax_f


@contextlib.contextmanager
def jax_x64():
    import jax  # reason: JAX is an optional oracle
    with jax.enable_x64(True):
        yield


def _convert(v, array, pair_side):
    """A generated argument for one library: arrays through `array`, Pairs to their side,
    containers elementwise."""
    if isinstance(v, Pair):
        v = pair_side(v)
    if isinstance(v, LazyJax):
        return v.build()
    if isinstance(v, np.ndarray):
        return array(v)
    if isinstance(v, (list, tuple)):
        return type(v)(_convert(e, array, pair_side) for e in v)
    return v


def to_jax(v):
    import jax.numpy as jnp  # reason: JAX is an optional oracle
    return _convert(v, jnp.asarray, lambda p: p.jax)


def to_funcgrad(v):
    return _convert(v, fnp.asarray, lambda p: p.fg)


def uses_numpy_side(v):
    if isinstance(v, Pair):
        raise LookupError("no numpy counterpart")
    return v


# ---- outcome bookkeeping -----------------------------------------------------------------------

# The call being checked, as KNOWN's patterns see it: "qualname(shapes=(2,),(2,), k=v, ...)".
CALL = {"keywords": ""}


def known_reason(qualname, check):
    call = f"{qualname}({CALL['keywords']})"
    for (pattern, c), why in KNOWN.items():
        if any(fnmatch.fnmatchcase(ch, c) for ch in (check, check.replace("-error", ""))) and (
                fnmatch.fnmatchcase(qualname, pattern) or fnmatch.fnmatchcase(call, pattern)):
            return why
    return None


def _exact_entry(qualname, check):
    return (qualname, check) in KNOWN


def verdict(qualname, check, ok, message):
    """Record a check; raise AssertionError for an unknown failure. A known failure stays
    recorded as such when a later call of the same function passes the check."""
    why = known_reason(qualname, check)
    previous = RESULTS[qualname].get(check, "")
    if ok:
        if not previous.startswith("known"):
            # a pass of a check listed as differing: "fixed" where the entry names exactly this
            # function and check (a pattern over many is reported by its failures only)
            RESULTS[qualname][check] = f"fixed: {why}" if why and _exact_entry(
                qualname, check) else "ok"
        return
    if why:
        RESULTS[qualname][check] = f"known: {why}"
        return
    raise AssertionError(f"{qualname} [{check}]: {message}")


def _attempt(check_fn):
    try:
        check_fn()
        return True, ""
    except AssertionError as e:
        return False, str(e)


# ---- calls -------------------------------------------------------------------------------------

def keyword_plan(func, spec: Spec, ctx: Ctx):
    """(keyword -> tuple of valid values, keyword -> why it is skipped, keywords with neither).
    The spec's positional builders fill the first parameters; the rest are the keywords."""
    try:
        params = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        return {}, {}, []
    values, skipped, missing = {}, {}, []
    consumed = 0
    for p in params:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            consumed = len(spec.args)
            continue
        if p.kind is not p.KEYWORD_ONLY and consumed < len(spec.args):
            consumed += 1
            continue
        name = p.name
        if name in spec.skip_kw:
            skipped[name] = spec.skip_kw[name]
            continue
        rule = spec.kw.get(name, KEYWORD_VALUES.get(name))
        if rule is None or p.default is p.empty:
            if name in KEYWORD_SKIPS and p.default is not p.empty:
                skipped[name] = KEYWORD_SKIPS[name]
            else:
                missing.append(name)
            continue
        values[name] = tuple(rule(ctx) if callable(rule) else rule)
    return values, skipped, missing


def sweep_shape(spec: Spec):
    """The keyword sweep's (and docs/coverage.md's) call shape: the spec's first nonempty shape
    of at least one axis."""
    for ok in (lambda s: len(s) and np.prod(s) > 0, lambda s: np.prod(s) > 0, lambda s: True):
        found = [s for s in spec.shapes if ok(s)]
        if found:
            return found[0]


def make_call(spec: Spec, seed: int, shape, dtype):
    ctx = Ctx(seed, shape, dtype)
    return ctx, [b(ctx) for b in spec.args]


def run_funcgrad(func, args, kwargs):
    CALL["keywords"] = ", ".join(
        ["shapes=" + ",".join(str(a.shape) for a in args if isinstance(a, np.ndarray))]
        + [f"{k}={v!r}" for k, v in kwargs.items()])
    return outcome(lambda: func(*[to_funcgrad(a) for a in args],
                                **{k: to_funcgrad(v) for k, v in kwargs.items()}))


def run_numpy(ofunc, args, kwargs):
    try:
        a = [uses_numpy_side(x) for x in args]
    except LookupError:
        return None
    return outcome(lambda: ofunc(*a, **kwargs))


def run_jax(jfunc, args, kwargs):
    with jax_x64():
        # a minute: JAX compiles each new call, which takes seconds on a loaded machine
        return outcome(lambda: jfunc(*[to_jax(a) for a in args],
                                     **{k: to_jax(v) for k, v in kwargs.items()}), seconds=60)


def _weak_types(tree):
    import jax  # reason: JAX is an optional oracle
    return [bool(getattr(leaf, "weak_type", False)) for leaf in jax.tree.leaves(tree)]


def _fg_weak_types(tree):
    leaves = fg.tree.leaves(tree)
    if not leaves or not all(hasattr(leaf, "weak_type") for leaf in leaves):
        return None
    return [bool(leaf.weak_type) for leaf in leaves]


def compare_values(qualname, got, want, spec: Spec, check_dtype=True):
    g, w = as_numpy_tree(got), as_numpy_tree(want)
    if isinstance(g, tuple):
        g = list(g)
    if isinstance(w, tuple):
        w = list(w)
    if spec.compare == "shapes":
        g, w = _shape_only(g), _shape_only(w)
    assert_same(g, w, qualname, check_dtype, spec.rtol)


def _shape_only(v):
    if isinstance(v, list):
        return [_shape_only(e) for e in v]
    if isinstance(v, np.ndarray):
        return np.zeros(v.shape, v.dtype)
    return v


def check_against(qualname, check, spec, got, want, jax_outcome=None):
    """got/want: outcome pairs. Values when both return; error classes when both raise. Where
    funcgrad and numpy disagree on accepting a call, JAX (funcgrad's model) decides:
    `jax_outcome()` gives its outcome (or None where it has no such function)."""
    jres_if_refused = None
    if got[0] != want[0] or (got[0] == "raised" and not isinstance(got[1], type(want[1]))):
        jres_if_refused = jax_outcome() if jax_outcome is not None else None
    gk, gv = got
    wk, wv = want
    if gk == "ok" and wk == "ok":
        ok, msg = _attempt(lambda: compare_values(
            qualname, gv, wv, spec, spec.numpy_dtype if check == "numpy" else True))
        verdict(qualname, check, ok, msg)
    elif gk == "raised" and wk == "raised":
        why = internal_reason(gv)
        ok = why is None and (isinstance(gv, type(wv)) or (
            jres_if_refused is not None and jres_if_refused[0] == "raised"
            and isinstance(gv, type(jres_if_refused[1]))))
        verdict(qualname, check + "-error", ok,
                f"raised {type(gv).__name__} where the oracle raises {type(wv).__name__}: "
                f"{wv}\n{describe(gv)}")
    elif gk == "raised":
        # numpy computes what funcgrad refuses: fine where JAX (funcgrad's model) refuses it too
        ok = (jres_if_refused is not None and jres_if_refused[0] == "raised"
              and internal_reason(gv) is None)
        verdict(qualname, check, ok, f"raised where the oracle returns:\n{describe(gv)}")
    else:
        # the oracle refuses what funcgrad computes: fine where JAX (funcgrad's model) computes it
        ok = jres_if_refused is not None and jres_if_refused[0] == "ok"
        verdict(qualname, check + "-error", ok,
                f"returned a value where the oracle raises {type(wv).__name__}: {wv}")


def check_weak_types(qualname, func, args, kwargs, jax_value):
    """Weak types as JAX's: funcgrad's call again in its JAX dtype mode (JAX's lattice, x64 on,
    tests/_jax_modes.py), where results carry JAX's weak-type flags; numpy's mode has none."""
    import jax  # reason: JAX is an optional oracle
    with jax_mode(jax, True):
        kind, got = run_funcgrad(func, args, kwargs)
        weak = _fg_weak_types(got) if kind == "ok" else None
    if weak is None:
        return
    verdict(qualname, "weak_type", weak == _weak_types(jax_value),
            f"weak types {weak} != JAX's {_weak_types(jax_value)} (funcgrad in JAX's mode)")


# ---- transforms --------------------------------------------------------------------------------

def _inexact(a):
    return isinstance(a, np.ndarray) and a.dtype.kind in "fc"


def diff_positions(args):
    out = []
    for i, a in enumerate(args):
        if (_inexact(a) and a.dtype.itemsize * (2 if a.dtype.kind == "f" else 1) == 16) or (
                isinstance(a, list) and a and all(_inexact(e) and e.dtype in (np.float64,
                                                                            np.complex128)
                                                  for e in a)):
            out.append(i)
    return out


def _closure(func, args, kwargs, pos, conv, leaves, dtype_of):
    base = [conv(a) for a in args]
    kw = {k: conv(v) for k, v in kwargs.items()}

    def f(*xs):
        call = list(base)
        for i, x in zip(pos, xs):
            call[i] = x
        return tuple(leaf for leaf in leaves(func(*call, **kw))
                     if np.dtype(dtype_of(leaf)).kind in "fc")
    return f


def _random_like(rng, x):
    x = np.asarray(x)
    r = rng.standard_normal(x.shape)
    if x.dtype.kind == "c":
        r = r + 1j * rng.standard_normal(x.shape)
    return r.astype(x.dtype)


def check_derivatives(qualname, func, jfunc, args, kwargs, rng, second_order=True):
    pos = diff_positions(args)
    if not pos:
        return
    f = _closure(func, args, kwargs, pos, to_funcgrad, fg.tree.leaves, lambda x: x.dtype)
    xs = [args[i] for i in pos]
    fxs = [to_funcgrad(x) for x in xs]
    kind, out = outcome(lambda: f(*fxs))
    if kind == "raised" or not out:
        return
    tangents = [[_random_like(rng, e) for e in x] if isinstance(x, list) else _random_like(rng, x)
                for x in xs]
    cts = tuple(_random_like(rng, o) for o in out)
    ftan = [to_funcgrad(t) for t in tangents]
    fcts = tuple(to_funcgrad(c) for c in cts)
    if jfunc is None:
        _fd_checks(qualname, f, xs, rng, second_order)
        return
    import jax  # reason: JAX is an optional oracle

    def jleaves(t):
        return jax.tree.leaves(t)

    jf = _closure(jfunc, args, kwargs, pos, to_jax, jleaves, lambda x: x.dtype)
    with jax_x64():
        jxs = [to_jax(x) for x in xs]
        jtan = [to_jax(t) for t in tangents]
        jcts = tuple(to_jax(c) for c in cts)
        jchecks = {"jvp": lambda: jax.jvp(jf, tuple(jxs), tuple(jtan)),
                   "vjp": lambda: jax.vjp(jf, *jxs)[1](jcts)}
        fchecks = {"jvp": lambda: fg.jvp(f, tuple(fxs), tuple(ftan)),
                   "vjp": lambda: fg.vjp(f, *fxs)[1](fcts)}
        if second_order:
            def fh(*ys):
                return fg.vjp(f, *ys)[1](fcts)

            def jh(*ys):
                return jax.vjp(jf, *ys)[1](jcts)
            jchecks["jvp-of-vjp"] = lambda: jax.jvp(jh, tuple(jxs), tuple(jtan))[1]
            jchecks["vjp-of-vjp"] = lambda: jax.vjp(jh, *jxs)[1](tuple(jtan))
            fchecks["jvp-of-vjp"] = lambda: fg.jvp(fh, tuple(fxs), tuple(ftan))[1]
            fchecks["vjp-of-vjp"] = lambda: fg.vjp(fh, *fxs)[1](tuple(ftan))
        # JAX's side as one compiled program (one XLA compile instead of one per operation);
        # op by op where that program fails (one check JAX refuses)
        together = outcome(lambda: jax.jit(lambda: {k: c() for k, c in jchecks.items()})(),
                           seconds=60)
        for check, fcall in fchecks.items():
            want = ("ok", together[1][check]) if together[0] == "ok" else outcome(
                jchecks[check])
            got = outcome(fcall)
            if got[0] == "raised" and want[0] == "raised":
                RESULTS[qualname][check] = "both refuse"
                continue
            check_against(qualname, check, Spec(rtol=1e-6), got, want)


def _fd_checks(qualname, f, xs, rng, second_order):
    """No JAX counterpart: funcgrad's derivatives against central finite differences."""
    if any(isinstance(x, list) or x.dtype.kind != "f" for x in xs):
        return
    for check, fn in (("jvp-fd", _gradcheck.check_jvp), ("vjp-fd", _gradcheck.check_vjp)):
        ok, msg = _attempt(lambda: fn(f, xs, rng))
        verdict(qualname, check, ok, msg)
    if second_order:
        ok, msg = _attempt(lambda: _gradcheck.check_second_order(f, xs, rng))
        verdict(qualname, "second-order-fd", ok, msg)


def check_transforms(qualname, func, jfunc, args, kwargs, eager, spec: Spec):
    """vmap against a loop over the first array argument; jit against eager."""
    arr_pos = array_positions(args)
    if not arr_pos:
        return
    fkw = {k: to_funcgrad(v) for k, v in kwargs.items()}
    base = [to_funcgrad(a) for a in args]

    def g(*arrs):
        call = list(base)
        for i, a in zip(arr_pos, arrs):
            call[i] = a
        return func(*call, **fkw)

    arrs = [base[i] for i in arr_pos]
    if spec.jit:
        got = outcome(lambda: fg.jit(g)(*arrs))
        _transform_verdict(qualname, "jit", got, ("ok", eager), jfunc, args, kwargs, arr_pos)
    if spec.vmap:
        p = arr_pos[0]
        a = np.asarray(base[p])
        a2 = np.flip(a).copy() if a.ndim else a * 0.5

        def h(x):
            return g(x, *arrs[1:])
        got = outcome(lambda: fg.vmap(h)(fnp.asarray(np.stack([a, a2]))))
        loop = outcome(lambda: [as_numpy_tree(h(fnp.asarray(a))), as_numpy_tree(
            h(fnp.asarray(a2)))])
        if loop[0] == "ok":
            loop = ("ok", _stack_trees(*loop[1]))
        _transform_verdict(qualname, "vmap", got, loop, jfunc, args, kwargs, arr_pos, vmap=True)


def array_positions(args):
    """The arguments jit and vmap take as inputs: arrays, and PRNG keys (funcgrad's side is an
    array of key data)."""
    return [i for i, a in enumerate(args) if isinstance(a, np.ndarray) or (
        isinstance(a, Pair) and isinstance(a.fg, fg.Array))]


def _stack_trees(t1, t2):
    if isinstance(t1, (list, tuple)):
        return [_stack_trees(a, b) for a, b in zip(t1, t2)]
    return np.stack([np.asarray(t1), np.asarray(t2)])


def _transform_verdict(qualname, check, got, want, jfunc, args, kwargs, arr_pos, vmap=False):
    if want[0] != "ok":
        return
    if got[0] == "ok":
        ok, msg = _attempt(lambda: assert_same(_listify(as_numpy_tree(got[1])),
                                               _listify(as_numpy_tree(want[1])),
                                               f"{qualname} under {check}"))
        verdict(qualname, check, ok, msg)
        return
    # funcgrad refuses the transform: fine where JAX refuses it too
    jax_refuses = jfunc is not None and _jax_transform_refuses(jfunc, args, kwargs, arr_pos,
                                                               check)
    verdict(qualname, check, jax_refuses and internal_reason(got[1]) is None,
            f"fails under {check} (JAX {'refuses too' if jax_refuses else 'does not'}):\n"
            f"{describe(got[1])}")
    if jax_refuses:
        RESULTS[qualname][check] = "both refuse"


def _listify(v):
    if isinstance(v, (list, tuple)):
        return [_listify(e) for e in v]
    return v


def _jax_transform_refuses(jfunc, args, kwargs, arr_pos, check):
    import jax  # reason: JAX is an optional oracle
    with jax_x64():
        base = [to_jax(a) for a in args]
        jkw = {k: to_jax(v) for k, v in kwargs.items()}

        def g(*arrs):
            call = list(base)
            for i, a in zip(arr_pos, arrs):
                call[i] = a
            return jfunc(*call, **jkw)
        arrs = [base[i] for i in arr_pos]
        if check == "jit":
            res = outcome(lambda: jax.jit(g)(*arrs))
        else:
            import jax.numpy as jnp  # reason: JAX is an optional oracle
            res = outcome(lambda: jax.vmap(lambda x: g(x, *arrs[1:]))(jnp.stack([arrs[0]] * 2)))
    return res[0] == "raised"


__all__ = ["RESULTS", "public_functions", "oracles", "keyword_plan", "make_call", "run_funcgrad",
           "run_numpy", "run_jax", "check_against", "check_weak_types", "check_derivatives",
           "check_transforms", "quiet", "verdict"]
