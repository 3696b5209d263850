"""The op table of tests/test_ops.py against PyTorch (CPU, float64) as an oracle: for every entry
with a torch counterpart, the values and the gradient of sum(f(x) * w) (w random) equal those
of torch.autograd. Skipped when torch is not installed (the `oracle` extra)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp

from test_ops import OPS, _op_params, cases, is_diff_arg

TORCH_OPS = [op for op in OPS if op.torch is not None]


def _leaves(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def test_oracle_covers_a_broad_subset():
    """Most of the table (every elementwise family, reductions, shapes, indexing, products) is
    held against torch."""
    assert len(TORCH_OPS) >= 60, len(TORCH_OPS)


@pytest.mark.parametrize("op", _op_params(TORCH_OPS))
def test_values_and_gradients_match_torch(op, torch):
    @settings(database=None)
    @given(data=st.data())
    def run(data):
        case = data.draw(cases(op, derivative=True))
        n = len(case.args)
        diff = [i for i in range(n) if is_diff_arg(op, i, n)]
        t_args = [torch.tensor(a, requires_grad=i in diff) for i, a in enumerate(case.args)]
        t_out = op.torch(torch, *t_args, **case.params)
        assume(t_out is not None)  # a case with no torch counterpart (e.g. a negative step)
        t_leaves = _leaves(t_out)

        fg_args = [fg.Array(a) for a in case.args]
        out = _leaves(op.fn(*fg_args, **case.params))
        assert len(out) == len(t_leaves)
        for o, t in zip(out, t_leaves):
            assert o.shape == tuple(t.shape), (o.shape, tuple(t.shape))
            np.testing.assert_allclose(np.asarray(o), t.detach().numpy(), rtol=1e-10,
                                       atol=1e-10)

        ws = [case.rng.standard_normal(o.shape) for o in out]

        def loss(*xs):
            full = list(fg_args)
            for i, x in zip(diff, xs):
                full[i] = x
            return sum(fnp.sum(o * w) for o, w in zip(_leaves(op.fn(*full, **case.params)), ws))

        grads = fg.grad(loss, argnums=tuple(range(len(diff))))(*[fg_args[i] for i in diff])
        t_loss = sum((t * torch.tensor(w)).sum() for t, w in zip(t_leaves, ws))
        if t_loss.requires_grad:
            t_loss.backward()
        for g, i in zip(grads, diff):
            tg = t_args[i].grad
            want = np.zeros(case.args[i].shape) if tg is None else tg.numpy()
            np.testing.assert_allclose(np.asarray(g), want, rtol=1e-9, atol=1e-10,
                                       err_msg=f"gradient of argument {i}")
    run()
