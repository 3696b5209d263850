"""funcgrad.optim covers optax's public API: every public name of optax's top level and of its
namespaces (tree, tree_utils, losses, schedules, transforms, contrib) exists in funcgrad.optim's
matching namespace, except the names in EXCLUDED, each with the reason it is left out. The
reasons show in the test summary (`pytest -rs`), one skipped test per excluded name.
"""
from __future__ import annotations

import importlib
import types
import warnings

import pytest

optax = pytest.importorskip("optax", reason="optax oracle not installed: "
                            "pip install -e '.[optax]' (make test installs it)")

NAMESPACES = ["", "tree", "tree_utils", "losses", "schedules", "transforms", "contrib"]

_CONTRIB_LATER = ("a contrib optimizer beyond issue 18's list (sam, normalize, schedule_free, "
                  "reduce_on_plateau, dog, dowg, prodigy)")
_DP = "differential privacy (per-example clipping plus Gaussian noise from JAX's PRNG stream)"

EXCLUDED: dict[str, dict[str, str]] = {
    "": {
        "assignment": "a namespace for the Hungarian algorithm (linear assignment), no optimizer",
        "microbatch": "optax.microbatching's batch-splitting helper, which relies on jax.lax.map "
                      "with batch_size and on sharding",
        "nnls": "a non-negative least-squares solver, not a gradient transformation",
        "DifferentiallyPrivateAggregateState": "deprecated at optax's top level (moved to "
                                               "contrib); " + _DP,
        "differentially_private_aggregate": "deprecated at optax's top level (moved to "
                                            "contrib); " + _DP,
        "dpsgd": "deprecated at optax's top level (moved to contrib); " + _DP,
    },
    "tree_utils": {},
    "contrib": {name: _CONTRIB_LATER for name in [
        "DAdaptAdamWState", "dadapt_adamw",
        "GaLoreDimensionNumbers", "GaLoreState", "galore", "scale_by_galore", "HutchinsonState",
        "hutchinson_estimator_diag_hessian", "MadgradState", "madgrad", "scale_by_madgrad",
        "MechanicState", "mechanize", "MomoAdamState", "MomoState", "momo", "momo_adam",
        "MuonDimensionNumbers", "MuonState", "muon", "scale_by_muon",
        "ScaleByAdemamixState", "ScaleBySimplifiedAdEMAMixState", "ademamix",
        "simplified_ademamix", "scale_by_ademamix", "scale_by_simplified_ademamix",
        "SophiaState", "sophia", "SplitRealAndImaginaryState", "split_real_and_imaginary",
        "acprop", "scale_by_acprop", "adopt", "scale_by_adopt"]} | {
        "DifferentiallyPrivateAggregateState": _DP, "differentially_private_aggregate": _DP,
        "dpsgd": _DP},
}


def optax_module(ns: str) -> types.ModuleType:
    return importlib.import_module("optax" + (f".{ns}" if ns else ""))


def public_names(module: types.ModuleType) -> list[str]:
    """What optax exports: its __all__ where it has one, else its public attributes that are
    not modules (optax.tree_utils shows `functools` and `typing`)."""
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in dir(module) if not n.startswith("_")
                 and not isinstance(getattr(module, n), types.ModuleType)]
    return sorted(set(names))


def optax_attr(ns: str, name: str):
    """optax's object for a name, without the DeprecationWarning its moved names raise."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return getattr(optax_module(ns), name)


def ours(ns: str):
    """funcgrad.optim's namespace for optax's `ns`, or None when it does not exist yet."""
    try:
        return importlib.import_module("funcgrad.optim" + (f".{ns}" if ns else ""))
    except ModuleNotFoundError:
        return None


def label(ns: str) -> str:
    return "optax" + (f".{ns}" if ns else "")


@pytest.mark.parametrize("ns", NAMESPACES, ids=[label(n) for n in NAMESPACES])
def test_every_public_name_exists_in_funcgrad(ns):
    module = ours(ns)
    assert module is not None, (f"funcgrad.optim{'.' + ns if ns else ''} does not exist: "
                                f"{label(ns)}'s namespace is missing")
    excluded = EXCLUDED.get(ns, {})
    missing = [n for n in public_names(optax_module(ns))
               if n not in excluded and not hasattr(module, n)]
    assert not missing, (f"{len(missing)} public names of {label(ns)} missing from "
                         f"{module.__name__}:\n  " + " ".join(missing))


@pytest.mark.parametrize("ns", NAMESPACES, ids=[label(n) for n in NAMESPACES])
def test_names_kinds_match(ns):
    """A class in optax (a state NamedTuple, a wrapper class) is a class in funcgrad; a function
    is callable."""
    module = ours(ns)
    if module is None:
        pytest.skip(f"funcgrad.optim has no {ns} namespace yet (the coverage test says so)")
    wrong = []
    for n in public_names(optax_module(ns)):
        theirs, mine = optax_attr(ns, n), getattr(module, n, None)
        if mine is None:
            continue
        if isinstance(theirs, type) and not isinstance(mine, type) and \
                not hasattr(mine, "__origin__"):  # typing aliases stand for classes too
            wrong.append(f"{n} (a class in optax, {type(mine).__name__} here)")
        elif callable(theirs) and not callable(mine):
            wrong.append(f"{n} (callable in optax, not here)")
    assert not wrong, "\n".join(wrong)


def test_exclusions_are_current():
    """Every excluded name is still in optax and still missing from funcgrad: an exclusion
    that funcgrad has since filled, or that optax dropped, must leave the list."""
    stale = []
    for ns, names in EXCLUDED.items():
        theirs, module = public_names(optax_module(ns)), ours(ns)
        for n in names:
            if n not in theirs:
                stale.append(f"{label(ns)}.{n}: no longer in optax")
            elif module is not None and hasattr(module, n):
                stale.append(f"{label(ns)}.{n}: funcgrad has it now")
    assert not stale, "remove from EXCLUDED:\n  " + "\n  ".join(stale)


@pytest.mark.parametrize("ns,name,reason",
                         [(ns, n, r) for ns, names in EXCLUDED.items() for n, r in names.items()],
                         ids=[f"{label(ns)}.{n}" for ns, names in EXCLUDED.items()
                              for n in names])
def test_left_out(ns, name, reason):
    pytest.skip(f"{label(ns)}.{name} is left out: {reason}")
