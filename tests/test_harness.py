"""The every-function harness (issues #17 and #19): every public function of funcgrad.numpy (with
.linalg and .fft), funcgrad.scipy (every submodule present at run time), funcgrad.lax,
funcgrad.nn and funcgrad.random, found by introspection so that a new function cannot escape it,
is called on valid generated inputs and held against its oracles:

- numpy / scipy: values, shapes, dtypes, and the error class where the oracle refuses the call;
- JAX 0.10.2 under x64 (funcgrad's default dtypes are 64-bit): values, dtypes, weak types (once
  funcgrad's arrays carry the flag), error classes, and the derivatives: jvp and vjp, and to
  second order forward-over-reverse and reverse-over-reverse (against finite differences,
  tests/_gradcheck.py, where JAX has no such function);
- vmap against a Python loop, and jit against eager.

Each keyword a function takes (from its signature) is passed with each of its valid values
(tests/_harness_inputs.py KEYWORD_VALUES, or the function's spec), or is skipped with a reason;
the inputs come from a spec per function family (tests/_harness_specs.py). What is not checked
is listed with its reason in the test summary: EXCLUDED functions, skipped keywords, and KNOWN
differences (each failing check in KNOWN is reported instead of failed).

The default run is bounded (1 generated call per function besides the keyword sweep);
FUNCGRAD_HYPOTHESIS=deep (`make test-long`) runs 40 per function, FUNCGRAD_HARNESS_EXAMPLES=n
sets the number. docs/coverage.md is generated from the same tables (docs/gen_coverage.py)."""
from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings, strategies as st

from _harness_checks import (RESULTS, check_against, check_derivatives, check_transforms,
                             check_weak_types, keyword_plan, make_call, oracles, public_functions,
                             run_funcgrad, run_jax, run_numpy, sweep_shape)
from _harness_inputs import Ctx
from _harness_specs import EXCLUDED, FAMILIES, SPECS, spec_for

FUNCS = public_functions()
DEEP = os.environ.get("FUNCGRAD_HYPOTHESIS") == "deep"
EXAMPLES = int(os.environ.get("FUNCGRAD_HARNESS_EXAMPLES", 40 if DEEP else 1))
# No shrinking: a failing call is reported as drawn (its message names the arguments), and a
# failure does not cost the run hundreds of further calls.
harness_settings = settings(max_examples=EXAMPLES, deadline=None, database=None,
                            derandomize=not DEEP, suppress_health_check=list(HealthCheck),
                            phases=[Phase.explicit, Phase.generate])

try:
    import jax  # noqa: F401  (the oracle of lax/nn/random and of every derivative)
    HAVE_JAX = True
except ImportError:
    HAVE_JAX = False


def _one_call(qualname, func, spec, np_f, jax_f, args, kwargs, rng, full):
    """One call against the oracles; `full`: with derivatives and transforms. JAX's values are
    compared in the generated calls, and in the keyword sweep only where numpy has no such
    function (a JAX call compiles: the bounded run keeps them few)."""
    got = run_funcgrad(func, args, kwargs)
    use_jax = jax_f is not None and (full or np_f is None or DEEP)
    jres = run_jax(jax_f, args, kwargs) if use_jax else None
    if np_f is not None:
        want = run_numpy(np_f, args, kwargs)
        if want is not None:
            check_against(qualname, "numpy", spec, got, want, lambda: jres if jres else (
                run_jax(jax_f, args, kwargs) if jax_f is not None else None))
    if jres is not None:
        check_against(qualname, "jax", spec, got, jres)
        if full and got[0] == "ok" and jres[0] == "ok":
            check_weak_types(qualname, func, args, kwargs, jres[1])
    if not full or got[0] != "ok":
        return
    if spec.diff:
        check_derivatives(qualname, func, jax_f, args, kwargs, rng,
                          second_order=spec.order > 1)
    check_transforms(qualname, func, jax_f, args, kwargs, got[1], spec)


@pytest.mark.parametrize("qualname", list(FUNCS))
def test_function_against_oracles(qualname, request):
    try:
        _against_oracles(qualname)
    finally:
        # the summary's data, carried on the test's report (so that it reaches the summary from
        # pytest-xdist's worker processes too)
        request.node.user_properties.append(("harness", (qualname,
                                                        dict(RESULTS.get(qualname, {})))))


def _against_oracles(qualname):
    if qualname in EXCLUDED:
        pytest.skip(f"not in the harness: {EXCLUDED[qualname]}")
    func = FUNCS[qualname]
    spec = spec_for(qualname, func)
    np_f, jax_f = oracles(qualname, spec)
    if not HAVE_JAX:
        jax_f = None
        if np_f is None:
            pytest.skip("JAX is this function's oracle: pip install -e '.[test,jax]'")
    # 1. The keyword sweep: every keyword with each of its valid values, on one nonempty call,
    # against the oracles (and an out-of-range axis, for the error class), values only.
    shape = sweep_shape(spec)
    ctx, args = make_call(spec, 0, shape, spec.dtypes[0])
    plan, _, _ = keyword_plan(func, spec, ctx)
    rng = np.random.default_rng(0)
    _one_call(qualname, func, spec, np_f, jax_f, args, {}, rng, full=False)
    for name, vals in plan.items():
        for v in vals:
            _one_call(qualname, func, spec, np_f, jax_f, args, {name: v}, rng, full=False)
    if "axis" in plan and ctx.ndim:
        _one_call(qualname, func, spec, np_f, jax_f, args, {"axis": ctx.ndim + 2}, rng,
                  full=False)
    # ... and the edges every run covers: a size-0 and a size-1 shape, and each other dtype
    edges = [(s, spec.dtypes[0]) for s in (_first(spec.shapes, 0), _first(spec.shapes, 1))
             if s is not None] + [(shape, d) for d in dict.fromkeys(spec.dtypes[1:])]
    for s, d in edges:
        _, edge_args = make_call(spec, 1, s, d)
        _one_call(qualname, func, spec, np_f, jax_f, edge_args, {}, rng, full=False)

    # 2. Generated calls: a drawn shape, dtype and subset of the keywords, with every check.
    @harness_settings
    @given(st.data())
    def generated(data):
        shape = data.draw(st.sampled_from(spec.shapes), label="shape")
        dtype = data.draw(st.sampled_from(spec.dtypes), label="dtype")
        seed = data.draw(st.integers(0, 2 ** 16), label="seed")
        ctx, args = make_call(spec, seed, shape, dtype)
        plan, _, _ = keyword_plan(func, spec, ctx)
        kwargs = {}
        for name, vals in plan.items():
            if data.draw(st.booleans(), label=f"pass {name}"):
                kwargs[name] = data.draw(st.sampled_from(vals), label=name)
        _one_call(qualname, func, spec, np_f, jax_f, args, kwargs, np.random.default_rng(seed),
                  full=True)

    generated()
    if not RESULTS.get(qualname):
        pytest.fail(f"{qualname}: no check ran (no oracle answered and nothing was "
                    f"differentiable): give it a spec in tests/_harness_specs.py or an EXCLUDED "
                    f"entry with the reason", pytrace=False)


def test_every_keyword_is_generated_or_skipped_with_a_reason():
    """Each keyword of each function's signature has valid values in the harness, or a reason
    why it is not passed (tests/_harness_inputs.py KEYWORD_SKIPS, or the spec's skip_kw)."""
    missing = {}
    for qualname, func in FUNCS.items():
        if qualname in EXCLUDED:
            continue
        spec = spec_for(qualname, func)
        shape = sweep_shape(spec)
        _, _, miss = keyword_plan(func, spec, Ctx(0, shape, spec.dtypes[0]))
        if miss:
            missing[qualname] = miss
    assert not missing, ("keywords with no valid values and no reason to skip them "
                         f"(tests/_harness_specs.py): {missing}")


def test_the_tables_name_real_functions():
    """Every EXCLUDED and spec'd name is a public function (a spec may name a funcgrad.scipy
    function ahead of the branch that adds it)."""
    named = set(EXCLUDED) | set(SPECS) | {n for names, _ in FAMILIES for n in names}
    stale = sorted(n for n in named if n not in FUNCS and not n.startswith("funcgrad.scipy.")
                   and n not in ("funcgrad.numpy.einsum_path",))
    assert not stale, stale


def test_enumeration_finds_every_module():
    mods = {q.rsplit(".", 1)[0] for q in FUNCS}
    for m in ("funcgrad.numpy", "funcgrad.numpy.linalg", "funcgrad.numpy.fft", "funcgrad.lax",
              "funcgrad.nn", "funcgrad.random", "funcgrad.scipy.special"):
        assert m in mods, m


def test_coverage_page_is_up_to_date():
    """docs/coverage.md is what docs/gen_coverage.py writes from these tables now."""
    import importlib.util  # reason: docs/gen_coverage.py is a script, not a package module
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs",
                        "gen_coverage.py")
    spec = importlib.util.spec_from_file_location("gen_coverage", path)
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    with open(gen.PAGE) as f:
        committed = f.read()
    assert committed == gen.render(), ("docs/coverage.md is out of date: run "
                                       "`python docs/gen_coverage.py`")


def write_summary(section, line, recorded):
    """The test summary's lists (tests/conftest.py calls this at the end of a run, with the
    (qualname, results) pairs the tests recorded)."""
    from _harness_inputs import KEYWORD_SKIPS  # reason: the summary's own table
    ran = {q: r for q, r in recorded if r}
    if not ran:
        return
    section("every-function harness: functions not checked (tests/_harness_specs.py EXCLUDED)")
    for name, why in sorted(EXCLUDED.items()):
        line(f"{name}: {why}")
    section("every-function harness: keywords not passed")
    by_reason = {}
    for qualname, func in FUNCS.items():
        if qualname in EXCLUDED:
            continue
        spec = spec_for(qualname, func)
        _, skipped, _ = keyword_plan(func, spec, Ctx(0, sweep_shape(spec), spec.dtypes[0]))
        for kw, why in skipped.items():
            by_reason.setdefault((kw, why), []).append(qualname.replace("funcgrad.", ""))
    for (kw, why), names in sorted(by_reason.items()):
        shown = names if kw not in KEYWORD_SKIPS else [f"{len(names)} functions"]
        line(f"{kw}= ({', '.join(shown)}): {why}")
    known = sorted((q, c, r) for q, res in ran.items() for c, r in res.items()
                   if r.startswith(("known", "fixed")))
    if known:
        section("every-function harness: known differences (reported, not failed)")
        for q, c, r in known:
            line(f"{q} [{c}]: {r}" if r.startswith("known") else
                 f"{q} [{c}]: NOW PASSES, remove its KNOWN entry ({r[7:]})")
    n_checks = sum(len(r) for r in ran.values())
    line(f"harness: {len(ran)} functions, {n_checks} distinct checks passed or known; "
         f"{len(EXCLUDED)} functions excluded")


def _first(shapes, size):
    """The first of `shapes` with `size` elements and at least one axis, or None."""
    return next((s for s in shapes if len(s) and int(np.prod(s)) == size), None)
