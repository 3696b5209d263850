"""funcgrad.optim.losses beside optax.losses (the oracle): every loss on table inputs (size-1
axes, empty batches, logits of +-30, -inf logits where a loss allows them) and on
hypothesis-generated shapes, with every optional argument; values, dtypes and gradients
(funcgrad.grad of ours against jax.grad of optax's) equal in float32 (JAX's x64 off) and float64
(x64 on). Bad shapes and dtypes raise optax's exception classes with messages naming the
argument."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
import funcgrad.scipy.special as fg_special
from funcgrad import optim
from funcgrad.optim import losses as fg_losses

from _optax_oracle import oracle, precision

DTYPES = [np.float32, np.float64]
IDS = ["float32", "float64"]
TOL = {np.dtype(np.float32): dict(rtol=2e-5, atol=2e-6),
       np.dtype(np.float64): dict(rtol=1e-10, atol=1e-12)}


class Lib:
    """What a case needs from one library: its losses, numpy, grad, and a few functions."""

    def __init__(self, ours: bool):
        if ours:
            self.losses, self.np, self.grad = fg_losses, fnp, fg.grad
            self.logsumexp = fg_special.logsumexp
        else:
            jax, jnp, optax = oracle()
            import jax.scipy.special as jsp
            self.losses, self.np, self.grad = optax.losses, jnp, jax.grad
            self.logsumexp = jsp.logsumexp
        self.mean, self.sum = self.np.mean, self.np.sum


def _convert(lib, value):
    if isinstance(value, np.ndarray):
        return lib.np.asarray(value)
    if isinstance(value, str) and value.startswith("lib."):
        return getattr(lib, value[4:])
    return value


def _rng(seed=0):
    return np.random.default_rng(seed)


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _mask(shape, seed=3):
    """A random boolean mask with at least one True along the last axis."""
    m = _rng(seed).random(shape) < 0.6
    m[..., 0] = True
    return m


# Each case: (loss name, make(dtype) -> (args, kwargs), positions of args to differentiate).
# Arrays are numpy, converted for each library; "lib.mean" etc. name a library's function.
def _f(dtype, *shape, scale=1.0, seed=0):
    return (_rng(seed).standard_normal(shape) * scale).astype(dtype)


def _extreme(dtype, *shape):
    x = _f(dtype, *shape, scale=3.0)
    x.flat[0], x.flat[-1] = 30.0, -30.0
    return x


def _dist(dtype, *shape, seed=1):
    return _softmax(_f(np.float64, *shape, seed=seed)).astype(dtype)


def _labels(n, *shape, seed=2):
    return _rng(seed).integers(0, n, shape).astype(np.int32)


CASES = {
    "squared_error": ("squared_error", lambda d: ((_f(d, 3, 4), _f(d, 3, 4, seed=1)), {}),
                      (0, 1)),
    "squared_error(no targets)": ("squared_error", lambda d: ((_f(d, 5),), {}), (0,)),
    "l2_loss": ("l2_loss", lambda d: ((_f(d, 3, 4), _f(d, 3, 4, seed=1)), {}), (0, 1)),
    "l2_loss(size 1)": ("l2_loss", lambda d: ((_f(d, 1),), {}), (0,)),
    "huber_loss": ("huber_loss", lambda d: ((_f(d, 3, 4, scale=2), _f(d, 4, seed=1)), {}),
                   (0, 1)),
    "huber_loss(delta)": ("huber_loss", lambda d: ((_f(d, 6, scale=2),), dict(delta=0.5)),
                          (0,)),
    "log_cosh": ("log_cosh", lambda d: ((_extreme(d, 3, 4), _f(d, 3, 4, seed=1)), {}),
                 (0, 1)),
    "log_cosh(empty)": ("log_cosh", lambda d: ((_f(d, 0, 3),), {}), (0,)),
    "cosine_similarity": ("cosine_similarity",
                          lambda d: ((_f(d, 3, 4), _f(d, 3, 4, seed=1)), {}), (0, 1)),
    "cosine_similarity(epsilon, axis 0)": (
        "cosine_similarity",
        lambda d: ((_f(d, 3, 4, scale=0.1), _f(d, 3, 4, seed=1)), dict(epsilon=0.05, axis=0)),
        (0, 1)),
    "cosine_similarity(where)": (
        "cosine_similarity",
        lambda d: ((_f(d, 3, 4), _f(d, 3, 4, seed=1)), dict(where=_mask((3, 4)))), (0, 1)),
    "cosine_similarity(axis tuple)": (
        "cosine_similarity", lambda d: ((_f(d, 2, 3, 4), _f(d, 2, 3, 4, seed=1)),
                                        dict(axis=(1, 2))), (0, 1)),
    "cosine_distance": ("cosine_distance",
                        lambda d: ((_f(d, 3, 4), _f(d, 3, 4, seed=1)),
                                   dict(where=_mask((3, 4)), epsilon=0.01)), (0, 1)),
    "sigmoid_binary_cross_entropy": (
        "sigmoid_binary_cross_entropy",
        lambda d: ((_extreme(d, 3, 4), _rng(1).random((3, 4)).astype(d)), {}), (0, 1)),
    "sigmoid_binary_cross_entropy(int labels, broadcast)": (
        "sigmoid_binary_cross_entropy",
        lambda d: ((_extreme(d, 3, 4), _labels(2, 4)), {}), (0,)),
    "sigmoid_focal_loss": ("sigmoid_focal_loss",
                           lambda d: ((_extreme(d, 3, 4), _labels(2, 3, 4).astype(d)), {}),
                           (0,)),
    "sigmoid_focal_loss(alpha, gamma, soft labels)": (
        "sigmoid_focal_loss",
        lambda d: ((_extreme(d, 3, 4), _rng(1).random((3, 4)).astype(d)),
                   dict(alpha=0.25, gamma=1.5)), (0,)),
    "sigmoid_focal_loss(gamma 0)": (
        "sigmoid_focal_loss", lambda d: ((_f(d, 5), _labels(2, 5).astype(d)),
                                         dict(alpha=0.7, gamma=0.0)), (0,)),
    "softmax_cross_entropy": ("softmax_cross_entropy",
                              lambda d: ((_extreme(d, 4, 5), _dist(d, 4, 5)), {}), (0, 1)),
    "softmax_cross_entropy(size-1 classes)": (
        "softmax_cross_entropy", lambda d: ((_f(d, 3, 1), np.ones((3, 1), d)), {}), (0, 1)),
    "softmax_cross_entropy(empty batch)": (
        "softmax_cross_entropy", lambda d: ((_f(d, 0, 3), np.ones((0, 3), d)), {}), (0,)),
    "softmax_cross_entropy(axis 0)": (
        "softmax_cross_entropy", lambda d: ((_f(d, 4, 5), _dist(d, 5, 4).T.copy()),
                                            dict(axis=0)), (0, 1)),
    "softmax_cross_entropy(where)": (
        "softmax_cross_entropy",
        lambda d: ((_f(d, 4, 5), _dist(d, 4, 5)), dict(where=_mask((4, 5)))), (0,)),
    "softmax_cross_entropy(where batch)": (
        "softmax_cross_entropy",
        lambda d: ((_f(d, 4, 5), _dist(d, 4, 5)), dict(where=np.array([1, 0, 1, 1], bool))),
        (0,)),
    "softmax_cross_entropy(axis tuple)": (
        "softmax_cross_entropy",
        lambda d: ((_f(d, 2, 3, 4), _dist(d, 2, 12).reshape(2, 3, 4)), dict(axis=(1, 2))),
        (0, 1)),
    "softmax_cross_entropy_with_integer_labels": (
        "softmax_cross_entropy_with_integer_labels",
        lambda d: ((_extreme(d, 4, 5), _labels(5, 4)), {}), (0,)),
    "softmax_cross_entropy_with_integer_labels(axis 0)": (
        "softmax_cross_entropy_with_integer_labels",
        lambda d: ((_f(d, 4, 5), _labels(4, 5)), dict(axis=0)), (0,)),
    "softmax_cross_entropy_with_integer_labels(axis tuple)": (
        "softmax_cross_entropy_with_integer_labels",
        lambda d: ((_f(d, 1, 2, 3, 4), _labels(12, 1, 2)), dict(axis=(2, 3))), (0,)),
    "softmax_cross_entropy_with_integer_labels(axis tuple, where)": (
        "softmax_cross_entropy_with_integer_labels",
        lambda d: ((_f(d, 2, 3, 4), _labels(12, 2)), dict(axis=(1, 2), where=_mask((2, 3, 4)))),
        (0,)),
    "softmax_cross_entropy_with_integer_labels(where)": (
        "softmax_cross_entropy_with_integer_labels",
        lambda d: ((_f(d, 4, 5), _labels(5, 4)), dict(where=_mask((4, 5)))), (0,)),
    "softmax_cross_entropy_with_integer_labels(where batch)": (
        "softmax_cross_entropy_with_integer_labels",
        lambda d: ((_f(d, 4, 5), _labels(5, 4)), dict(where=np.array([1, 0, 1, 1], bool))),
        (0,)),
    "safe_softmax_cross_entropy": (
        "safe_softmax_cross_entropy",
        lambda d: ((np.array([[1.0, -np.inf, 0.5], [-30.0, 30.0, 2.0]], d),
                    np.array([[0.5, 0.0, 0.5], [0.2, 0.3, 0.5]], d)), {}), (0,)),
    "safe_softmax_cross_entropy(finite)": (
        "safe_softmax_cross_entropy", lambda d: ((_f(d, 4, 5), _dist(d, 4, 5)), {}), (0, 1)),
    "poly_loss_cross_entropy": ("poly_loss_cross_entropy",
                                lambda d: ((_extreme(d, 4, 5), _dist(d, 4, 5)), {}), (0, 1)),
    "poly_loss_cross_entropy(epsilon, axis, where)": (
        "poly_loss_cross_entropy",
        lambda d: ((_f(d, 4, 5), _dist(d, 5, 4).T.copy()),
                   dict(epsilon=-1.0, axis=0, where=_mask((5, 4)).T.copy())), (0,)),
    "hinge_loss(int targets)": ("hinge_loss",
                                lambda d: ((_f(d, 5), np.array([1, -1, 1, 1, -1], np.int32)), {}),
                                (0,)),
    "perceptron_loss(int targets)": (
        "perceptron_loss", lambda d: ((_f(d, 5), np.array([1, -1, 1, 1, -1], np.int32)), {}),
        (0,)),
    "squared_error(int targets)": ("squared_error",
                                   lambda d: ((_f(d, 3, 4), _labels(3, 3, 4)), {}), (0,)),
    "huber_loss(int targets)": ("huber_loss", lambda d: ((_f(d, 3, 4), _labels(3, 4)), {}),
                                (0,)),
    "softmax_cross_entropy(int one-hot labels)": (
        "softmax_cross_entropy",
        lambda d: ((_f(d, 4, 5), np.eye(5, dtype=np.int32)[_labels(5, 4)]), {}), (0,)),
    "dice_loss(int targets)": (
        "dice_loss", lambda d: ((_f(d, 2, 4, 3), np.eye(3, dtype=np.int32)[_labels(3, 2, 4)]),
                                {}), (0,)),
    "multiclass_generalized_dice_loss(int targets)": (
        "multiclass_generalized_dice_loss",
        lambda d: ((_f(d, 2, 4, 3), np.eye(3, dtype=np.int32)[_labels(3, 2, 4)]), {}), (0,)),
    "hinge_loss": ("hinge_loss",
                   lambda d: ((_f(d, 3, 4), np.sign(_f(d, 3, 4, seed=1))), {}), (0,)),
    "perceptron_loss": ("perceptron_loss",
                        lambda d: ((_f(d, 6), np.sign(_f(d, 6, seed=1))), {}), (0,)),
    "multiclass_hinge_loss": ("multiclass_hinge_loss",
                              lambda d: ((_f(d, 4, 5), _labels(5, 4)), {}), (0,)),
    "multiclass_perceptron_loss": ("multiclass_perceptron_loss",
                                   lambda d: ((_f(d, 4, 5), _labels(5, 4)), {}), (0,)),
    "kl_divergence": ("kl_divergence",
                      lambda d: ((np.log(_dist(d, 3, 4)), _dist(d, 3, 4, seed=5)), {}), (0, 1)),
    "kl_divergence(zero targets, where, axis)": (
        "kl_divergence",
        lambda d: ((np.log(_dist(d, 3, 4)).T.copy(),
                    np.array([[0.5, 0.5, 0.0, 0.0]] * 3, d).T.copy()),
                   dict(axis=0, where=_mask((4, 3)))), (0,)),
    "kl_divergence_with_log_targets": (
        "kl_divergence_with_log_targets",
        lambda d: ((np.log(_dist(d, 3, 4)), np.log(_dist(d, 3, 4, seed=5))),
                   dict(where=_mask((3, 4)))), (0, 1)),
    "generalized_kl_divergence": (
        "generalized_kl_divergence",
        lambda d: ((_f(d, 3, 4), _rng(5).random((3, 4)).astype(d) + 0.1), {}), (0, 1)),
    "generalized_kl_divergence(axis, where)": (
        "generalized_kl_divergence",
        lambda d: ((_f(d, 3, 4), _rng(5).random((3, 4)).astype(d) + 0.1),
                   dict(axis=None, where=_mask((3, 4)))), (0,)),
    "sparsemax_loss": ("sparsemax_loss",
                       lambda d: ((_f(d, 3, 4, scale=2), _labels(2, 3, 4)), {}), (0,)),
    "multiclass_sparsemax_loss": ("multiclass_sparsemax_loss",
                                  lambda d: ((_f(d, 4, 5), _labels(5, 4)), {}), (0,)),
    "multiclass_sparsemax_loss(one class)": (
        "multiclass_sparsemax_loss", lambda d: ((_f(d, 3, 1), _labels(1, 3)), {}), (0,)),
    "smooth_labels": ("smooth_labels",
                      lambda d: ((np.eye(5, dtype=d)[_labels(5, 4)], 0.1), {}), (0,)),
    "smooth_labels(axis 0, where)": (
        "smooth_labels",
        lambda d: ((np.eye(5, dtype=d)[_labels(5, 4)], 0.2), dict(axis=0, where=_mask((4, 5)))),
        (0,)),
    "smooth_labels(axis tuple)": (
        "smooth_labels", lambda d: ((_dist(d, 2, 3), 0.3), dict(axis=(0, 1))), (0,)),
    "ntxent": ("ntxent",
               lambda d: ((_f(d, 6, 3), np.array([0, 0, 1, 1, 2, 2], np.int32)), {}), (0,)),
    "ntxent(temperature)": (
        "ntxent",
        lambda d: ((_f(d, 5, 4), np.array([0, 1, 0, 1, 1], np.int32)), dict(temperature=0.5)),
        (0,)),
    "triplet_margin_loss": (
        "triplet_margin_loss",
        lambda d: ((_f(d, 4, 3), _f(d, 4, 3, seed=1), _f(d, 4, 3, seed=2)), {}), (0, 1, 2)),
    "triplet_margin_loss(options)": (
        "triplet_margin_loss",
        lambda d: ((_f(d, 3, 4), _f(d, 3, 4, seed=1), _f(d, 3, 4, seed=2)),
                   dict(axis=0, norm_degree=4, margin=2.0, eps=1e-3)), (0, 1, 2)),
    "ranking_softmax_loss": ("ranking_softmax_loss",
                             lambda d: ((_f(d, 3, 5), _labels(3, 3, 5).astype(d)), {}), (0,)),
    "ranking_softmax_loss(where, weights, sum)": (
        "ranking_softmax_loss",
        lambda d: ((_f(d, 3, 5), _labels(3, 3, 5).astype(d)),
                   dict(where=_mask((3, 5)), weights=_rng(4).random((3, 5)).astype(d),
                        reduce_fn="lib.sum")), (0,)),
    "ranking_softmax_loss(where, no reduction)": (
        "ranking_softmax_loss",
        lambda d: ((_f(d, 3, 5), _labels(3, 3, 5)), dict(where=_mask((3, 5)), reduce_fn=None)),
        (0,)),
    "ranking_softmax_loss(a list with no item)": (
        "ranking_softmax_loss",
        lambda d: ((_f(d, 3, 5), _labels(3, 3, 5).astype(d)),
                   dict(where=_mask((3, 5)) & np.array([[1], [0], [1]], bool))), (0,)),
    "dice_loss": ("dice_loss",
                  lambda d: ((_f(d, 2, 4, 4, 3), np.eye(3, dtype=d)[_labels(3, 2, 4, 4)]), {}),
                  (0, 1)),
    "dice_loss(tversky, weights, sum)": (
        "dice_loss",
        lambda d: ((_f(d, 2, 4, 3), np.eye(3, dtype=d)[_labels(3, 2, 4)]),
                   dict(alpha=0.3, beta=0.7, smooth=0.5, reduction="sum",
                        class_weights=np.array([0.2, 0.3, 0.5], d))), (0,)),
    "dice_loss(none, background, axis)": (
        "dice_loss",
        lambda d: ((_f(d, 2, 4, 3), np.eye(3, dtype=d)[_labels(3, 2, 4)]),
                   dict(reduction="none", ignore_background=True, axis=(1,))), (0,)),
    "dice_loss(probabilities)": (
        "dice_loss",
        lambda d: ((_dist(d, 2, 4, 3), np.eye(3, dtype=d)[_labels(3, 2, 4)]),
                   dict(apply_softmax=False)), (0,)),
    "dice_loss(binary)": ("dice_loss",
                          lambda d: ((_f(d, 2, 4), _labels(2, 2, 4).astype(d)[..., None]), {}),
                          (0,)),
    "binary_dice_loss": ("binary_dice_loss",
                         lambda d: ((_extreme(d, 2, 5), _labels(2, 2, 5).astype(d)), {}), (0,)),
    "binary_dice_loss(smooth, trailing 1)": (
        "binary_dice_loss",
        lambda d: ((_f(d, 2, 5, 1), _labels(2, 2, 5, 1).astype(d)), dict(smooth=0.1)), (0,)),
    "multiclass_generalized_dice_loss": (
        "multiclass_generalized_dice_loss",
        lambda d: ((_f(d, 2, 4, 4, 3), np.eye(3, dtype=d)[_labels(3, 2, 4, 4)]), {}), (0,)),
    "multiclass_generalized_dice_loss(options)": (
        "multiclass_generalized_dice_loss",
        lambda d: ((_dist(d, 2, 5, 3), np.eye(3, dtype=d)[_labels(3, 2, 5)]),
                   dict(smooth=0.5, apply_softmax=False, ignore_background=True)), (0,)),
}


def _ctc_inputs(d, blank_id=0):
    logits = _f(d, 2, 6, 4, scale=2)
    logit_paddings = np.array([[0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 1, 1]], d)
    labels = np.array([[1, 2, 2], [3, 1, 0]], np.int32)
    if blank_id:
        labels = np.where(labels == blank_id, 0, labels).astype(np.int32)
    label_paddings = np.array([[0, 0, 0], [0, 0, 1]], d)
    return (logits, logit_paddings, labels, label_paddings), dict(blank_id=blank_id)


CASES.update({
    "ctc_loss": ("ctc_loss", _ctc_inputs, (0,)),
    "ctc_loss(blank 2, log_epsilon)": (
        "ctc_loss", lambda d: (_ctc_inputs(d, 2)[0], dict(blank_id=2, log_epsilon=-1e4)), (0,)),
    "ctc_loss_with_forward_probs": ("ctc_loss_with_forward_probs", _ctc_inputs, (0,)),
    "make_fenchel_young_loss(logsumexp)": (
        "make_fenchel_young_loss", lambda d: ((_f(d, 3, 4), _dist(d, 3, 4)), {}), (0, 1)),
})


def _loss(lib, name):
    if name == "make_fenchel_young_loss":
        return lib.losses.make_fenchel_young_loss(lib.logsumexp)
    return getattr(lib.losses, name)


def _outputs(out):
    return out if isinstance(out, tuple) else (out,)


def _compare(ours, theirs, where):
    a, b = np.asarray(ours), np.asarray(theirs)
    assert a.shape == b.shape, f"{where}: shape {a.shape} != optax's {b.shape}"
    assert a.dtype == b.dtype, f"{where}: dtype {a.dtype} != optax's {b.dtype}"
    scale = max(1.0, float(np.max(np.abs(b[np.isfinite(b)]), initial=0.0)))
    tol = TOL[a.dtype] if a.dtype.kind == "f" else dict(rtol=0, atol=0)
    np.testing.assert_allclose(a, b, rtol=tol["rtol"], atol=tol["atol"] * scale, err_msg=where,
                               equal_nan=True)


def _run(lib, name, args, kwargs, wrt, ours=True):
    """The loss's outputs and the gradient of the sum of its first output w.r.t. args[wrt].
    optax's run under one jax.jit (its eager operations compile one by one: far slower), or
    eagerly where the loss needs concrete values."""
    loss = _loss(lib, name)
    args = [_convert(lib, a) for a in args]
    kwargs = {k: _convert(lib, v) for k, v in kwargs.items()}

    def total(*diff):
        full = list(args)
        for i, x in zip(wrt, diff):
            full[i] = x
        out = _outputs(loss(*full, **kwargs))
        return lib.np.sum(out[0]), out

    diff_args = [args[i] for i in wrt]
    argnums = tuple(range(len(wrt)))
    if ours:
        grads = fg.grad(total, argnums=argnums, has_aux=True)
        return tuple(reversed(grads(*diff_args)))
    jax, _, _ = oracle()
    value_and_grad = jax.value_and_grad(total, argnums=argnums, has_aux=True)
    try:
        (_, out), grads = jax.jit(value_and_grad)(*diff_args)
    except jax.errors.ConcretizationTypeError:
        (_, out), grads = value_and_grad(*diff_args)
    return out, grads


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
@pytest.mark.parametrize("case", list(CASES))
def test_loss_equals_optax(case, dtype):
    oracle()
    name, make, wrt = CASES[case]
    args, kwargs = make(dtype)
    with precision(dtype):
        theirs, their_grads = _run(Lib(False), name, args, kwargs, wrt, ours=False)
        ours, our_grads = _run(Lib(True), name, args, kwargs, wrt)
    assert len(ours) == len(theirs)
    for i, (a, b) in enumerate(zip(ours, theirs)):
        _compare(a, b, f"{case} output {i}")
    for i, (a, b) in zip(wrt, zip(our_grads, their_grads)):
        _compare(a, b, f"{case} gradient w.r.t. argument {i}")


@pytest.mark.parametrize("dtype", DTYPES, ids=IDS)
def test_convex_kl_divergence_is_deprecated_as_in_optax(dtype):
    _, jnp, optax = oracle()
    lp, t = np.log(_dist(dtype, 3, 4)), _dist(dtype, 3, 4, seed=5)
    with precision(dtype):
        with pytest.warns(DeprecationWarning, match="generalized_kl_divergence"):
            theirs = optax.losses.convex_kl_divergence(jnp.asarray(lp), jnp.asarray(t))
        with pytest.warns(DeprecationWarning, match="generalized_kl_divergence"):
            ours = fg_losses.convex_kl_divergence(fnp.asarray(lp), fnp.asarray(t))
    _compare(ours, theirs, "convex_kl_divergence")


def test_losses_jit():
    """Every loss traces: jitted values equal eager ones (CTC's scan included)."""
    for case in ["softmax_cross_entropy(where)", "ctc_loss", "ntxent", "dice_loss",
                 "multiclass_sparsemax_loss", "ranking_softmax_loss(where, weights, sum)",
                 "softmax_cross_entropy_with_integer_labels(axis tuple)", "sigmoid_focal_loss"]:
        name, make, _ = CASES[case]
        args, kwargs = make(np.float64)
        lib = Lib(True)
        loss = _loss(lib, name)
        args = [_convert(lib, a) for a in args]
        kwargs = {k: _convert(lib, v) for k, v in kwargs.items()}
        eager = loss(*args, **kwargs)
        jitted = fg.jit(lambda *a: loss(*a, **kwargs))(*args)
        np.testing.assert_allclose(np.asarray(jitted), np.asarray(eager), rtol=1e-12,
                                   err_msg=case)


shapes = st.lists(st.integers(0, 3), min_size=1, max_size=3).map(tuple)


@settings(max_examples=10)
@given(shape=shapes, seed=st.integers(0, 2 ** 16), scale=st.sampled_from([0.1, 1.0, 30.0]))
def test_elementwise_and_softmax_losses_on_generated_shapes(shape, seed, scale):
    """Shapes with size-0 and size-1 axes, logits up to +-30 (float64)."""
    _, jnp, optax = oracle()
    rng = _rng(seed)
    x = rng.standard_normal(shape) * scale
    y = rng.random(shape)
    names = ["squared_error", "huber_loss", "log_cosh", "sigmoid_binary_cross_entropy",
             "softmax_cross_entropy", "kl_divergence_with_log_targets"]

    def all_losses(lib):
        def run(x, y):
            outs = [getattr(lib.losses, n)(x, y) for n in names]
            return sum(lib.np.sum(o) for o in outs), outs
        return run

    with precision(np.float64):
        jax, _, _ = oracle()
        (_, theirs), their_grad = jax.jit(jax.value_and_grad(all_losses(Lib(False)),
                                                             has_aux=True))(jnp.asarray(x),
                                                                            jnp.asarray(y))
        (_, ours), our_grad = fg.value_and_grad(all_losses(Lib(True)), has_aux=True)(
            fnp.asarray(x), fnp.asarray(y))
    for name, a, b in zip(names, ours, theirs):
        _compare(a, b, f"{name} on {shape}")
    _compare(our_grad, their_grad, f"gradient of the losses' sum on {shape}")


def test_top_level_aliases_are_the_losses():
    _, _, optax = oracle()
    kept = [n for n in dir(optax.losses) if not n.startswith("_") and hasattr(optax, n)
            and getattr(optax, n) is getattr(optax.losses, n)]
    assert len(kept) >= 19, kept
    for name in kept:
        assert getattr(optim, name) is getattr(fg_losses, name), name
        assert name in optim.__all__, name
    public = {n for n in dir(optax.losses) if not n.startswith("_")
              and callable(getattr(optax.losses, n))}
    assert public <= set(fg_losses.__all__), sorted(public - set(fg_losses.__all__))


@pytest.mark.parametrize("call, error, message", [
    (lambda L, np_: L.squared_error(np_.ones(3), np_.ones(4)), ValueError,
     "predictions and targets must have the same shape, got \\(3,\\) and \\(4,\\)"),
    (lambda L, np_: L.squared_error(np_.ones(3, dtype=np_.int32)), TypeError,
     "predictions must have a floating dtype, got int32"),
    (lambda L, np_: L.perceptron_loss(np_.ones(3), np_.ones((3, 1))), ValueError,
     "same shape"),
    (lambda L, np_: L.softmax_cross_entropy_with_integer_labels(np_.ones((2, 3)),
                                                                np_.ones(2)), TypeError,
     "labels must have an integer dtype"),
    (lambda L, np_: L.softmax_cross_entropy_with_integer_labels(
        np_.ones((2, 3)), np_.ones(2, dtype=np_.int32), axis=2), ValueError, "out of bounds"),
    (lambda L, np_: L.softmax_cross_entropy_with_integer_labels(
        np_.ones((2, 3)), np_.ones(2, dtype=np_.int32), axis=[1]), ValueError,
     "axis must be an int or a tuple"),
    (lambda L, np_: L.ctc_loss(np_.ones((2, 3)), np_.zeros((2, 3)), np_.ones((2, 1), np_.int32),
                               np_.zeros((2, 1))), ValueError, "logits must have rank 3"),
    (lambda L, np_: L.ctc_loss(np_.ones((2, 3, 4)), np_.zeros((2, 3)),
                               np_.ones((3, 1), np_.int32), np_.zeros((3, 1))), ValueError,
     "batch size 2"),
    (lambda L, np_: L.ctc_loss(np_.ones((2, 3, 4)), np_.zeros((2, 3)),
                               np_.ones((2, 2), np_.int32), np_.zeros((2, 1))), ValueError,
     "labels and label_paddings must have the same shape"),
    (lambda L, np_: L.ntxent(np_.ones((4, 2)), np_.ones(3, np_.int32)), ValueError,
     "same leading dimension"),
    (lambda L, np_: L.dice_loss(np_.ones((2, 3)), np_.ones((2, 3)), reduction="max"),
     ValueError, "reduction must be one of"),
    (lambda L, np_: L.dice_loss(np_.ones((2, 3)), np_.ones((2, 4))), ValueError,
     "same shape"),
    (lambda L, np_: L.dice_loss(np_.ones((2, 3)), np_.ones((2, 3)), apply_softmax=False),
     ValueError, "summing to 1"),
    (lambda L, np_: L.dice_loss(np_.ones((2, 3)), np_.ones((2, 3)),
                                class_weights=np_.ones((1, 3))), ValueError, "rank 1"),
    (lambda L, np_: L.cosine_similarity(np_.ones(3, np_.int32), np_.ones(3)), TypeError,
     "floating dtype"),
])
def test_bad_inputs_raise_optax_errors(call, error, message):
    """optax's exception class, and a message naming the argument and the shapes."""
    _, jnp, optax = oracle()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(error):
            call(optax.losses, jnp)
    with pytest.raises(error, match=message):
        call(fg_losses, fnp)
