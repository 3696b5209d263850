"""torch.autograd.functional's strict=True against PyTorch 2.13: an output (or, for hessian,
hvp and vhp, a Jacobian) that does not depend on an input is PyTorch's RuntimeError with its
message; where everything depends, the results are PyTorch's. Skipped without torch."""
from __future__ import annotations

import numpy as np
import pytest

import funcgrad.torch as ft


STRICT = {
    "jacobian_constant": lambda L, F, x, y: F.jacobian(lambda a: L.ones(2), x, strict=True),
    "jacobian_ok": lambda L, F, x, y: F.jacobian(lambda a: a * 2, x, strict=True),
    "jacobian_partial": lambda L, F, x, y: F.jacobian(lambda a, b: a * 2, (x, y), strict=True),
    "jacobian_vectorize": lambda L, F, x, y: F.jacobian(lambda a: a, x, strict=True,
                                                        vectorize=True),
    "jacobian_linear_create_graph": lambda L, F, x, y: F.jacobian(
        lambda a: a * 2, x, strict=True, create_graph=True),
    "vjp_constant": lambda L, F, x, y: F.vjp(lambda a: L.ones(2), x, y, strict=True),
    "vjp_partial": lambda L, F, x, y: F.vjp(lambda a, b: a * 2, (x, y), y, strict=True),
    "vjp_ok": lambda L, F, x, y: F.vjp(lambda a: a.sin(), x, y, strict=True),
    "jvp_constant": lambda L, F, x, y: F.jvp(lambda a: L.ones(2), x, y, strict=True),
    "jvp_partial": lambda L, F, x, y: F.jvp(lambda a, b: a * 2, (x, y), (y, y), strict=True),
    "jvp_ok": lambda L, F, x, y: F.jvp(lambda a: a.exp(), x, y, strict=True),
    "hessian_linear": lambda L, F, x, y: F.hessian(lambda a: a.sum(), x, strict=True),
    "hessian_cross": lambda L, F, x, y: F.hessian(lambda a, b: (a * b).sum(), (x, y),
                                                  strict=True),
    "hessian_ok": lambda L, F, x, y: F.hessian(lambda a: (a ** 3).sum(), x, strict=True),
    "hvp_linear": lambda L, F, x, y: F.hvp(lambda a: a.sum(), x, y, strict=True),
    "hvp_ok": lambda L, F, x, y: F.hvp(lambda a: (a ** 3).sum(), x, y, strict=True),
    "vhp_linear": lambda L, F, x, y: F.vhp(lambda a: a.sum(), x, y, strict=True),
    "vhp_cross": lambda L, F, x, y: F.vhp(lambda a, b: (a * b).sum(), (x, y), (x, y),
                                          strict=True),
    "vhp_ok": lambda L, F, x, y: F.vhp(lambda a: (a.sin() * a).sum(), x, y, strict=True),
}


def _strict(L, case):
    x = L.tensor([0.5, -1.0], dtype=L.float64)
    y = L.tensor([2.0, 0.25], dtype=L.float64)
    try:
        out = STRICT[case](L, L.autograd.functional, x, y)
    except RuntimeError as e:
        return str(e)
    return [np.asarray(t.detach().numpy()).round(12).tolist() for t in _leaves(out)]


def _leaves(x):
    return [t for o in x for t in _leaves(o)] if isinstance(x, (tuple, list)) else [x]


@pytest.mark.parametrize("case", sorted(STRICT))
def test_functional_strict_mode_matches_torch(torch, case):
    assert _strict(ft, case) == _strict(torch, case)
