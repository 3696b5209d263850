"""x[idx], x[idx] = v and torch.tensor(data) with every Python form of index and data (ranges,
tuples of ranges, bool lists, numpy arrays, 0-d tensors, Ellipsis/None mixes), held against
PyTorch: values, dtypes, and the exception class for bad ones (hypothesis draws the forms)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, strategies as st

import funcgrad.torch as ft

torch = pytest.importorskip("torch", reason="PyTorch oracle not installed: pip install "
                            "'funcgrad[oracle]'")


def _outcome(L, fn):
    """fn(L)'s (dtype, shape, values) or its exception's class and message, with warnings
    silenced (both libraries warn for the same deprecated forms; test_warnings_match checks
    those)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            r = fn(L)
        except Exception as e:  # noqa: BLE001  (the class and message are what is compared)
            return type(e).__name__, str(e)
    if isinstance(r, L.Tensor):
        return str(r.dtype).rsplit(".", 1)[-1], tuple(r.shape), r.tolist()
    return r


def _same(torch, fn):
    want, got = _outcome(torch, fn), _outcome(ft, fn)
    assert got == want, f"funcgrad {got!r} != torch {want!r}"
    return want


# ---- index forms, drawn ---------------------------------------------------------------------

def _component(draw, n):
    """One index entry for a dimension of size n, as a recipe: (kind, payload); the recipe is
    turned into the same Python object for each library (a tensor is each library's own)."""
    kind = draw(st.sampled_from(["int", "slice", "list", "range", "bools", "np", "np_bools",
                                 "tensor0", "tensor", "tuple"]))
    pos = st.integers(-n, n - 1) if n else st.just(0)
    if kind == "int":
        return kind, draw(pos)
    if kind == "slice":
        return kind, slice(draw(st.none() | st.integers(-n - 1, n + 1)),
                           draw(st.none() | st.integers(-n - 1, n + 1)),
                           draw(st.none() | st.integers(1, 3)))
    if kind == "range":
        a = draw(st.integers(0, n))
        return kind, range(a, draw(st.integers(a, n)))
    if kind in ("bools", "np_bools"):
        return kind, draw(st.lists(st.booleans(), min_size=n, max_size=n))
    if kind == "tensor0":
        return kind, draw(pos)
    return kind, draw(st.lists(pos, min_size=1 if n else 0, max_size=3))


def _build(L, recipe):
    kind, p = recipe
    if kind in ("int", "slice", "range", "none", "ellipsis"):
        return {"none": None, "ellipsis": Ellipsis}.get(kind, p)
    if kind in ("list", "bools"):
        return list(p)
    if kind == "tuple":
        return tuple(p)
    if kind == "np":
        return np.array(p, dtype=np.int64)
    if kind == "np_bools":
        return np.array(p, dtype=bool)
    if kind == "tensor0":
        return L.tensor(p)
    return L.tensor(p, dtype=L.int64)


@st.composite
def _index(draw):
    shape = tuple(draw(st.lists(st.integers(0, 4), min_size=1, max_size=3)))
    recipes, dim = [], 0
    ellipsis = False
    while dim < len(shape) and draw(st.booleans()):
        if draw(st.integers(0, 5)) == 0:
            recipes.append(("none", None))
            continue
        if not ellipsis and draw(st.integers(0, 5)) == 0:
            recipes.append(("ellipsis", None))
            ellipsis = True
            dim = len(shape) - 1  # at most one more entry, which the ellipsis lines up at the end
            continue
        recipes.append(_component(draw, shape[dim]))
        dim += 1
    lone = len(recipes) == 1 and draw(st.booleans())
    return shape, recipes, lone


def _x(L, shape, dtype="float32"):
    return L.arange(int(np.prod(shape)), dtype=getattr(L, dtype)).reshape(shape)


def _idx(L, recipes, lone):
    items = [_build(L, r) for r in recipes]
    return items[0] if lone else tuple(items)


@given(_index())
def test_getitem_matches_torch(case):
    shape, recipes, lone = case
    _same(torch, lambda L: _x(L, shape)[_idx(L, recipes, lone)])


@given(_index(), st.sampled_from(["scalar", "tensor", "broadcast"]))
def test_setitem_matches_torch(case, value):
    shape, recipes, lone = case
    target = _outcome(torch, lambda L: _x(L, shape)[_idx(L, recipes, lone)])
    failed = len(target) == 2

    def run(L):
        x = _x(L, shape)
        if value == "scalar" or failed:
            v = -1.5
        else:
            vshape = target[1] if value == "tensor" else target[1][-1:]
            v = -L.arange(int(np.prod(vshape)), dtype=L.float32).reshape(vshape) - 1
        x[_idx(L, recipes, lone)] = v
        return x
    _same(torch, run)


@given(_index())
def test_setitem_with_grad_matches_torch(case):
    """An assignment into a non-leaf that requires grad: values and the gradient that flows."""
    shape, recipes, lone = case

    def run(L):
        w = L.ones(shape, requires_grad=True)
        x = w * 2
        x[_idx(L, recipes, lone)] = 0.0
        x.sum().backward()
        return w.grad
    _same(torch, run)


# ---- fixed forms: named cases -----------------------------------------------------------------

GET = {
    "range": lambda L: _x(L, (3, 4))[range(1, 3)],
    "tuple_of_ranges": lambda L: _x(L, (3, 4))[range(2), range(1, 3)],
    "bool_list": lambda L: _x(L, (3, 4))[[True, False, True]],
    "python_true": lambda L: _x(L, (3, 4))[True],
    "python_false": lambda L: _x(L, (3, 4))[False],
    "true_and_int": lambda L: _x(L, (3, 4))[True, 1],
    "none_ellipsis_tensor0": lambda L: _x(L, (2, 3, 4))[None, ..., L.tensor(1)],
    "ellipsis_none_list": lambda L: _x(L, (2, 3, 4))[..., None, [0, 3]],
    "numpy_int32": lambda L: _x(L, (3, 4))[np.array([2, 0], dtype=np.int32)],
    "numpy_bool_2d": lambda L: _x(L, (3, 4))[np.eye(3, 4, dtype=bool)],
    "numpy_scalar": lambda L: _x(L, (3, 4))[np.int64(2)],
    "tensor0_int": lambda L: _x(L, (3, 4))[L.tensor(2)],
    "tensor0_bool": lambda L: _x(L, (3, 4))[L.tensor(True)],
    "list_of_lists": lambda L: _x(L, (3, 4))[[[0, 1], [2, 0]]],
    "list_as_tuple": lambda L: _x(L, (3, 4))[[[0, 1], [2, 3]]],
    "list_with_slice": lambda L: _x(L, (3, 4))[[slice(None), 1]],
    "list_of_tensors": lambda L: _x(L, (3, 4))[[L.tensor(0), L.tensor(2)]],
    "split_advanced": lambda L: _x(L, (2, 3, 4))[[0, 1], :, [1, 2]],
    "empty_list": lambda L: _x(L, (3, 4))[[]],
    "empty_tuple": lambda L: _x(L, (3, 4))[()],
    "uint8_mask": lambda L: _x(L, (3,))[L.tensor([1, 0, 1], dtype=L.uint8)],
    "zero_size": lambda L: _x(L, (0, 4))[:, [1, 2]],
    # bad ones: the exception class
    "out_of_range": lambda L: _x(L, (3, 4))[3],
    "out_of_range_list": lambda L: _x(L, (3, 4))[[0, 5]],
    "too_many": lambda L: _x(L, (3, 4))[0, 0, 0],
    "float_index": lambda L: _x(L, (3, 4))[1.0],
    "float_tensor": lambda L: _x(L, (3, 4))[L.tensor([1.0])],
    "float_list": lambda L: _x(L, (3, 4))[[0.5, 1.0]],
    "mask_shape": lambda L: _x(L, (3, 4))[[True, False]],
    "broadcast_mismatch": lambda L: _x(L, (3, 4))[[0, 1], [0, 1, 2]],
    "string": lambda L: _x(L, (3, 4))["a"],
    "zero_step": lambda L: _x(L, (3, 4))[::0],
    "negative_step": lambda L: _x(L, (3, 4))[::-1],
}


@pytest.mark.parametrize("name", sorted(GET))
def test_index_forms_match_torch(name):
    _same(torch, GET[name])


SET = {
    "range": lambda L, x: x.__setitem__(range(1, 3), 7.0),
    "bool_list": lambda L, x: x.__setitem__([True, False, True], L.tensor([1.0, 2, 3, 4])),
    "python_true": lambda L, x: x.__setitem__(True, 5.0),
    "python_false": lambda L, x: x.__setitem__(False, 5.0),
    "tensor0": lambda L, x: x.__setitem__(L.tensor(1), L.tensor(9.0)),
    "ellipsis_list": lambda L, x: x.__setitem__((..., [0, 2]), -1.0),
    "numpy_mask": lambda L, x: x.__setitem__(x.numpy() > 5, 0.0),
    "tuple_of_ranges": lambda L, x: x.__setitem__((range(2), range(2)), L.tensor([8.0, 9.0])),
    "int_value_into_float": lambda L, x: x.__setitem__([0, 1], 3),
    "dtype_mismatch_put": lambda L, x: x.__setitem__([0, 1], L.tensor([[1, 2, 3, 4]] * 2,
                                                                     dtype=L.float64)),
    "masked_fill_other_dtype": lambda L, x: x.__setitem__(x > 3, L.tensor(2, dtype=L.int64)),
    "basic_other_dtype": lambda L, x: x.__setitem__(1, L.tensor([1, 2, 3, 4])),
    "shape_mismatch": lambda L, x: x.__setitem__([0, 1], L.ones(3)),
    "out_of_range": lambda L, x: x.__setitem__([0, 3], 1.0),
}


@pytest.mark.parametrize("name", sorted(SET))
def test_setitem_forms_match_torch(name):
    def run(L):
        x = _x(L, (3, 4))
        SET[name](L, x)
        return x
    _same(torch, run)


# ---- torch.tensor(data) -----------------------------------------------------------------------

DATA = {
    "range": lambda L: range(4),
    "tuple_of_ranges": lambda L: (range(2), range(3, 5)),
    "list_of_ranges": lambda L: [range(3), range(3)],
    "bools": lambda L: [True, False],
    "mixed_bool_int": lambda L: [True, 2],
    "mixed_int_float": lambda L: [1, 2.5],
    "complex": lambda L: [1, 2j],
    "numpy_int32": lambda L: np.arange(3, dtype=np.int32),
    "numpy_scalars": lambda L: [np.float64(1.5), np.int32(2)],
    "numpy_0d": lambda L: np.array(3.0),
    "tensors0": lambda L: [L.tensor(1), L.tensor(2)],
    "tensor0_float_int": lambda L: [L.tensor(1.5), 2],
    "tensors1": lambda L: [L.tensor([1, 2]), L.tensor([3, 4])],
    "empty": lambda L: [],
    "empty_nested": lambda L: [[], []],
    "scalar": lambda L: 3,
    "bool_scalar": lambda L: True,
    "ragged": lambda L: [[1, 2], [3]],
    "ragged_scalar_first": lambda L: [1, [2]],
    "ragged_list_first": lambda L: [[1], 2],
    "string": lambda L: ["a"],
    "none": lambda L: [None],
    "overflow": lambda L: [2 ** 64],
}


@pytest.mark.parametrize("dtype", [None, "float64", "int32", "bool", "complex64"])
@pytest.mark.parametrize("name", sorted(DATA))
def test_tensor_from_data_matches_torch(name, dtype):
    _same(torch, lambda L: L.tensor(DATA[name](L),
                                    dtype=None if dtype is None else getattr(L, dtype)))


@given(st.recursive(st.integers(-5, 5) | st.floats(-5, 5, width=32) | st.booleans(),
                    lambda inner: st.lists(inner, min_size=1, max_size=3).map(tuple)
                    | st.lists(inner, max_size=3), max_leaves=12))
def test_tensor_from_drawn_nested_data_matches_torch(data):
    _same(torch, lambda L: L.tensor(data))


@pytest.mark.parametrize("idx, warns", [
    ([[0, 1], [1, 2]], True), ([slice(None), 1], True), ([0, 1], False), ((0, 1), False)])
def test_warnings_match_torch(idx, warns):
    """A non-tuple sequence read as a tuple of indices warns as PyTorch does; a plain list does
    not."""
    for L in (torch, ft):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            L.arange(12).reshape(3, 4)[idx]
        assert any(issubclass(x.category, UserWarning) for x in w) == warns, L.__name__


SCATTER = {
    "scatter_0d_index_value": lambda L: L.zeros(3).scatter_(0, L.tensor(1), value=1),
    "scatter_0d_index_src": lambda L: L.zeros(3).scatter(0, L.tensor(1), L.tensor(5.0)),
    "scatter_add_0d": lambda L: L.zeros(3).scatter_add(0, L.tensor(2), L.tensor(5.0)),
    "scatter_reduce_0d": lambda L: L.ones(3).scatter_reduce(0, L.tensor(2), L.tensor(5.0),
                                                            "prod"),
    "scatter_0d_on_2d": lambda L: L.zeros(2, 3).scatter(0, L.tensor(1), 1.0),
    "range_and_tensor": lambda L: L.arange(6.0).reshape(2, 3)[range(2), L.tensor([1, 0])],
}


@pytest.mark.parametrize("name", sorted(SCATTER))
def test_scatter_and_tutorial_forms_match_torch(name):
    _same(torch, SCATTER[name])


BINCOUNT = {
    "counts": lambda L: L.bincount(L.tensor([0, 2, 2, 1])),
    "minlength": lambda L: L.bincount(L.tensor([1, 1]), minlength=3),
    "float_weights": lambda L: L.bincount(L.tensor([1, 1, 3]), weights=L.tensor([0.5, 1.0, 2])),
    "double_weights": lambda L: L.bincount(L.tensor([1]), L.tensor([2.0], dtype=L.float64)),
    "int_weights": lambda L: L.bincount(L.tensor([1, 1]), weights=L.tensor([1, 2])),
    "empty": lambda L: L.bincount(L.tensor([], dtype=L.int64)),
    "empty_minlength": lambda L: L.bincount(L.tensor([], dtype=L.int64), minlength=2),
    "int32": lambda L: L.bincount(L.tensor([3, 0], dtype=L.int32)),
    "method": lambda L: L.tensor([0, 2, 2, 1]).bincount(),
    "negative": lambda L: L.bincount(L.tensor([-1])),
    "two_dims": lambda L: L.bincount(L.tensor([[1]])),
    "float_input": lambda L: L.bincount(L.tensor([1.0])),
    "bad_minlength": lambda L: L.bincount(L.tensor([1]), minlength=-1),
    "weights_length": lambda L: L.bincount(L.tensor([1, 2]), weights=L.tensor([1.0])),
}


@pytest.mark.parametrize("name", sorted(BINCOUNT))
def test_bincount_matches_torch(name):
    _same(torch, BINCOUNT[name])
