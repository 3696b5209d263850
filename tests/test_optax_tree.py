"""funcgrad.optim.tree (optax.tree) and funcgrad.optim.tree_utils (optax.tree_utils) against
optax, on nested trees (dicts, tuples, None leaves, 0-d and empty leaves) in float32 and float64:
values, dtypes and structures."""
from __future__ import annotations

import collections

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import optim, tree
from funcgrad.optim import tree as otree

from _optax_oracle import assert_same_tree, oracle, precision, to_funcgrad, to_jax

DTYPES = [np.float32, np.float64]


def trees(dtype, seed=0):
    """Two trees of one structure (a nested dict with a tuple, None, a 0-d and an empty leaf),
    and a third for three-way operations."""
    rng = np.random.default_rng(seed)

    def arr(*shape):
        return rng.standard_normal(shape).astype(dtype)

    def one():
        return {"layer": ({"w": arr(3, 2)}, {"b": arr(2), "s": arr()}), "empty": arr(0),
                "none": None, "m": arr(1, 1)}
    return one(), one(), one()


# (name, call(lib_tree_namespace, x, y, z)): every arithmetic / reduction / constructor
CASES = [
    ("add", lambda t, x, y, z: t.add(x, y)),
    ("add3", lambda t, x, y, z: t.add(x, y, z)),
    ("sub", lambda t, x, y, z: t.sub(x, y)),
    ("mul", lambda t, x, y, z: t.mul(x, y)),
    ("div", lambda t, x, y, z: t.div(x, y)),
    ("scale", lambda t, x, y, z: t.scale(0.5, x)),
    ("add_scale", lambda t, x, y, z: t.add_scale(x, -0.25, y)),
    ("vdot", lambda t, x, y, z: t.vdot(x, y)),
    ("sum", lambda t, x, y, z: t.sum(x)),
    ("sum_assoc", lambda t, x, y, z: t.sum(x, associative_reduction=True)),
    ("max", lambda t, x, y, z: t.max(x)),
    ("min", lambda t, x, y, z: t.min(x)),
    ("norm", lambda t, x, y, z: t.norm(x)),
    ("norm2_sq", lambda t, x, y, z: t.norm(x, ord=2, squared=True)),
    ("norm1", lambda t, x, y, z: t.norm(x, ord=1)),
    ("norm1_sq", lambda t, x, y, z: t.norm(x, ord=1, squared=True)),
    ("norm_inf", lambda t, x, y, z: t.norm(x, ord="inf")),
    ("norm_infinity_sq", lambda t, x, y, z: t.norm(x, ord="infinity", squared=True)),
    ("zeros_like", lambda t, x, y, z: t.zeros_like(x)),
    ("zeros_like_i32", lambda t, x, y, z: t.zeros_like(x, dtype=np.int32)),
    ("ones_like", lambda t, x, y, z: t.ones_like(x)),
    ("full_like", lambda t, x, y, z: t.full_like(x, 3)),
    ("full_like_f16", lambda t, x, y, z: t.full_like(x, 1.5, dtype=np.float16)),
    ("clip", lambda t, x, y, z: t.clip(x, -0.5, 0.5)),
    ("clip_low", lambda t, x, y, z: t.clip(x, min_value=0.0)),
    ("conj", lambda t, x, y, z: t.conj(x)),
    ("real", lambda t, x, y, z: t.real(x)),
    ("where_true", lambda t, x, y, z: t.where(True, x, y)),
    ("where_false", lambda t, x, y, z: t.where(False, x, y)),
    ("batch_shape", lambda t, x, y, z: t.batch_shape(x, (2,))),
    ("batch_shape_2d", lambda t, x, y, z: t.batch_shape(x, (1, 3))),
    ("cast_f16", lambda t, x, y, z: t.cast(x, np.float16)),
    ("cast_none", lambda t, x, y, z: t.cast(x, None)),
    ("cast_like", lambda t, x, y, z: t.cast_like(x, t.cast(y, np.float16))),
    ("allclose_self", lambda t, x, y, z: t.allclose(x, x)),
    ("allclose_other", lambda t, x, y, z: t.allclose(x, y)),
    ("update_moment", lambda t, x, y, z: t.update_moment(x, y, 0.9, 2)),
    ("update_infinity_moment", lambda t, x, y, z: t.update_infinity_moment(x, y, 0.9, 1e-8)),
    ("update_moment_per_elem_norm", lambda t, x, y, z: t.update_moment_per_elem_norm(
        x, t.sub(y, y), 0.99, 2)),
    ("bias_correction", lambda t, x, y, z: t.bias_correction(x, 0.9, np.int32(3))),
]


def run_both(call, dtype, jit=False, seed=0):
    jax, _, optax = oracle()
    x, y, z = trees(dtype, seed)
    with precision(dtype):
        theirs = call(optax.tree, *to_jax((x, y, z)))
        ours_fn = (lambda *a: call(otree, *a))
        if jit:
            ours_fn = fg.jit(ours_fn)
        ours = ours_fn(*to_funcgrad((x, y, z)))
    return ours, theirs


def assert_same(ours, theirs, dtype):
    if isinstance(theirs, (bool, int, float)) and not isinstance(ours, fg.Array):
        assert type(ours) is type(theirs) and ours == theirs
        return
    assert_same_tree(ours, theirs, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,call", CASES, ids=[c[0] for c in CASES])
def test_tree_function_matches_optax(name, call, dtype):
    ours, theirs = run_both(call, dtype)
    assert_same(ours, theirs, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["add", "add_scale", "vdot", "norm", "norm1", "norm_inf",
                                  "max", "update_moment", "bias_correction", "where_false"])
def test_tree_function_matches_optax_under_jit(name, dtype):
    call = dict(CASES)[name]
    ours, theirs = run_both(call, dtype, jit=True, seed=3)
    assert_same(ours, theirs, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_size_and_dtype(dtype):
    _, _, optax = oracle()
    x, _, _ = trees(dtype)
    with precision(dtype):
        assert otree.size(to_funcgrad(x)) == optax.tree.size(to_jax(x)) == 10
        assert otree.dtype(to_funcgrad(x)) == optax.tree.dtype(to_jax(x)) == np.dtype(dtype)
        mixed = {"a": np.ones(2, dtype), "b": np.ones(1, np.float16), "c": np.ones(1, np.int8)}
        for handler in ("promote", "highest", "lowest"):
            assert otree.dtype(to_funcgrad(mixed), handler) == \
                optax.tree.dtype(to_jax(mixed), handler), handler
        with pytest.raises(ValueError):
            optax.tree.dtype(to_jax(mixed))
        with pytest.raises(ValueError, match="mixed_dtype_handler"):
            otree.dtype(to_funcgrad(mixed))
        with pytest.raises(ValueError, match="Invalid value"):
            otree.dtype(to_funcgrad(mixed), "widest")


@pytest.mark.parametrize("empty", [{}, (), None, {"a": None}])
def test_empty_trees(empty):
    _, _, optax = oracle()
    with precision(np.float64):
        for name in ("sum", "vdot", "max", "min", "size", "allclose"):
            f = {"vdot": lambda t, x: t.vdot(x, x), "allclose": lambda t, x: t.allclose(x, x)
                 }.get(name, lambda t, x, n=name: getattr(t, n)(x))
            ours, theirs = f(otree, empty), f(optax.tree, empty)
            assert float(ours) == float(theirs), name
        assert_same_tree(otree.norm(empty), optax.tree.norm(empty), np.float64)
        assert_same_tree(otree.zeros_like(empty), optax.tree.zeros_like(empty))


def test_complex_leaves():
    _, _, optax = oracle()
    z = {"a": np.array([1 + 2j, -3j]), "b": np.array(2 - 1j)}
    with precision(np.float64):
        for name in ("conj", "real"):
            assert_same_tree(getattr(otree, name)(to_funcgrad(z)),
                             getattr(optax.tree, name)(to_jax(z)))
        for ord_ in (None, 1, "inf"):
            assert_same_tree(otree.norm(to_funcgrad(z), ord_), optax.tree.norm(to_jax(z), ord_))
        assert_same_tree(otree.vdot(to_funcgrad(z), to_funcgrad(z)),
                         optax.tree.vdot(to_jax(z), to_jax(z)))
        assert_same_tree(
            otree.update_moment_per_elem_norm(to_funcgrad(z), otree.real(to_funcgrad(z)), 0.5, 3),
            optax.tree.update_moment_per_elem_norm(to_jax(z), optax.tree.real(to_jax(z)), 0.5, 3))


def test_norm_rejects_an_unknown_ord():
    with pytest.raises(ValueError, match="ord"):
        otree.norm({"a": fnp.ones(2)}, ord=3)


def test_global_norm_matches_optax():
    _, _, optax = oracle()
    for dtype in DTYPES:
        x, _, _ = trees(dtype)
        with precision(dtype):
            with pytest.warns(DeprecationWarning):  # optax deprecates it for tree.norm
                theirs = optax.global_norm(to_jax(x))
            assert_same_tree(optim.global_norm(to_funcgrad(x)), theirs, dtype)


# ---- state lookup: get_all_with_path, get, set, map_params, NamedTupleKey ----------------------

def _states(lib, dtype):
    params = {"w": np.ones((2, 3), dtype), "b": np.zeros(3, dtype)}
    p = to_jax(params) if lib.__name__ == "optax" else to_funcgrad(params)
    opt = lib.chain(lib.add_decayed_weights(1e-4), lib.scale_by_adam(), lib.scale(-0.1))
    return p, opt, opt.init(p)


@pytest.mark.parametrize("key", ["count", "mu", "nu", "ScaleByAdamState", "w", "missing"])
def test_get_all_with_path_matches_optax(key):
    _, _, optax = oracle()
    with precision(np.float32):
        _, _, s_t = _states(optax, np.float32)
        _, _, s_o = _states(optim, np.float32)
        theirs = optax.tree.get_all_with_path(s_t, key)
        ours = otree.get_all_with_path(s_o, key)
        assert [str(k) for p, _ in ours for k in p] == [str(k) for p, _ in theirs for k in p]
        assert [type(k).__name__ for p, _ in ours for k in p] == \
            [type(k).__name__ for p, _ in theirs for k in p]
        for (_, a), (_, b) in zip(ours, theirs):
            assert_same_tree(a, b, np.float32)


def test_get_and_set_match_optax():
    _, _, optax = oracle()
    with precision(np.float32):
        _, _, s_t = _states(optax, np.float32)
        _, _, s_o = _states(optim, np.float32)
        assert_same_tree(otree.get(s_o, "count"), optax.tree.get(s_t, "count"), np.float32)
        assert otree.get(s_o, "absent", default=7) == optax.tree.get(s_t, "absent", default=7)
        with pytest.raises(KeyError):
            optax.tree.get(s_t, "w")
        with pytest.raises(KeyError, match="filtering"):
            otree.get(s_o, "w")
        only_mu = lambda path, v: any(getattr(k, "name", None) == "mu" for k in path)  # noqa
        assert_same_tree(otree.get(s_o, "w", filtering=only_mu),
                         optax.tree.get(s_t, "w", filtering=only_mu), np.float32)
        new_o = otree.set(s_o, count=np.int32(5))
        new_t = optax.tree.set(s_t, count=np.int32(5))
        assert_same_tree(new_o, new_t, np.float32)
        keep_b = lambda path, v: True  # noqa: E731
        assert_same_tree(otree.set(s_o, keep_b, b=np.ones(3, np.float32)),
                         optax.tree.set(s_t, keep_b, b=np.ones(3, np.float32)), np.float32)
        with pytest.raises(KeyError):
            optax.tree.set(s_t, absent=1)
        with pytest.raises(KeyError, match="absent"):
            otree.set(s_o, absent=1)


def test_named_tuple_key_and_tree_utils_names():
    _, _, optax = oracle()
    k = otree.NamedTupleKey("ScaleByAdamState", "mu")
    assert str(k) == str(optax.tree_utils.NamedTupleKey("ScaleByAdamState", "mu"))
    from funcgrad.optim import tree_utils
    for name in [n for n in dir(optax.tree_utils) if n.startswith("tree_")]:
        assert getattr(tree_utils, name) is getattr(otree, name[len("tree_"):]), name


def test_map_params_matches_optax():
    _, _, optax = oracle()
    with precision(np.float32):
        _, opt_t, s_t = _states(optax, np.float32)
        _, opt_o, s_o = _states(optim, np.float32)
        theirs = optax.tree.map_params(opt_t, lambda p: p * 2, s_t,
                                       transform_non_params=lambda v: None)
        ours = otree.map_params(opt_o, lambda p: p * 2, s_o,
                                transform_non_params=lambda v: None)
        assert_same_tree(ours, theirs, np.float32)
        # the init function itself works too, and `rest` trees ride along
        extra = {"w": np.full((2, 3), 3, np.float32), "b": np.full(3, 3, np.float32)}
        theirs = optax.tree.map_params(opt_t.init, lambda p, e: p + e, s_t, to_jax(extra))
        ours = otree.map_params(opt_o.init, lambda p, e: p + e, s_o, to_funcgrad(extra))
        assert_same_tree(ours, theirs, np.float32)


def test_random_trees_have_optax_shapes_and_dtypes():
    jax, _, optax = oracle()
    x, _, _ = trees(np.float32)
    x = {k: v for k, v in x.items() if k != "none"}
    with precision(np.float32):
        theirs = optax.tree.random_like(jax.random.PRNGKey(0), to_jax(x))
        ours = otree.random_like(fg.random.PRNGKey(0), to_funcgrad(x))
        tree.map(lambda a, b: (a.shape == b.shape and a.dtype == b.dtype) or
                 pytest.fail(f"{a.shape}/{a.dtype} != {b.shape}/{b.dtype}"), ours, theirs)
        ours16 = otree.random_like(fg.random.PRNGKey(0), to_funcgrad(x), dtype=np.float64)
        assert {leaf.dtype for leaf in tree.leaves(ours16)} == {np.dtype(np.float64)}
        keys_o = otree.split_key_like(fg.random.PRNGKey(0), to_funcgrad(x))
        keys_t = optax.tree.split_key_like(jax.random.PRNGKey(0), to_jax(x))
        assert tree.structure(keys_o).num_leaves == jax.tree.structure(keys_t).num_leaves
        distinct = {tuple(np.asarray(k)) for k in tree.leaves(keys_o)}
        assert len(distinct) == tree.structure(keys_o).num_leaves
        big = otree.random_like(fg.random.PRNGKey(1), {"a": fnp.zeros(20000, fnp.float32)})
        assert abs(float(fnp.mean(big["a"]))) < 0.05 and abs(float(fnp.std(big["a"])) - 1) < 0.05
        data = otree.unwrap_random_key_data({"k": fg.random.PRNGKey(3), "x": fnp.ones(2)})
        assert data["k"].dtype == np.uint32 and data["k"].shape == (2,)


Hyper = collections.namedtuple("Hyper", "lr momentum")


def test_set_replaces_a_whole_named_tuple_by_class_name():
    _, _, optax = oracle()
    t = {"h": Hyper(0.1, 0.9), "x": 1.0}
    assert otree.set(t, Hyper=(1, 2)) == optax.tree.set(t, Hyper=(1, 2))
    assert otree.set(t, lr=0.5) == optax.tree.set(t, lr=0.5)
    assert [str(k) for k in otree.get_all_with_path(t, "momentum")[0][0]] == \
        [str(k) for k in optax.tree.get_all_with_path(t, "momentum")[0][0]]
