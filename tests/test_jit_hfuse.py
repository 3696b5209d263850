"""Horizontal fusion (funcgrad/interpreters/hfuse.py): the jaxpr before and after, jit held
bitwise to eager on generated pytrees, outputs fed back as inputs (no copy), the optimizers'
steps, the ufuncs it trusts held to position independence, and no fusion where it does not pay."""
from unittest import mock

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import optim
from funcgrad._core.ir import ClosedJaxpr
from funcgrad.interpreters import flat_buffers, hfuse
from funcgrad.interpreters.buffers import plan_buffers
from funcgrad.interpreters.hfuse import EXACT_UFUNCS, horizontal_fusion


def _bits(x):
    x = np.asarray(x)
    return x.dtype, x.shape, np.ascontiguousarray(x).view(np.uint8).tobytes()


def _assert_bitwise(got, want):
    gl, gt = fg.tree.tree_flatten(got)
    wl, wt = fg.tree.tree_flatten(want)
    assert gt == wt
    for g, w in zip(gl, wl):
        assert _bits(g) == _bits(w)


def _prims(jaxpr):
    return [e.prim.name for e in jaxpr.eqns]


def _momentum(p, m, g):
    """A chain per leaf: m' = 0.9 m + g; p' = p - 0.1 * m' (4 operations, 3 inputs, 2 outputs)."""
    m = {k: 0.9 * m[k] + g[k] for k in m}
    return {k: p[k] - 0.1 * m[k] for k in p}, m


def _tree(shapes, dtype, seed):
    rng = np.random.default_rng(seed)
    return {f"x{i:02d}": fnp.asarray(rng.standard_normal(s).astype(dtype))
            for i, s in enumerate(shapes)}


# --- the jaxpr before and after -------------------------------------------------------------------

def test_jaxpr_before_and_after():
    shapes = [(3,), (2, 2), (5,), (1,)]
    p, m, g = (_tree(shapes, np.float32, s) for s in range(3))
    closed = fg.make_jaxpr(_momentum)(p, m, g)
    before = closed.jaxpr
    assert _prims(before) == ["mul", "add"] * 4 + ["mul", "sub"] * 4
    after, consts = horizontal_fusion(before, closed.consts)
    # the four lanes' chains become one chain over a flat buffer of 3 + 4 + 5 + 1 elements:
    # the inputs packed, each operation once, the two outputs unpacked as views
    assert _prims(after) == ["pack", "mul", "pack", "add", "unpack", "mul", "pack", "sub",
                             "unpack"]
    assert [e.outvars[0].aval.shape for e in after.eqns if e.prim.name != "unpack"] == [(13,)] * 7
    assert after.outvars == before.outvars and after.invars == before.invars
    text = str(after)
    assert "pack[layout=4x13]" in text and "unpack[layout=4x13, site=0]" in text
    # it is well typed, and evaluates (through bind) to what the original does
    fused = ClosedJaxpr(after, consts).typecheck()
    flat_args = fg.tree.tree_leaves((p, m, g))
    _assert_bitwise(fused(*flat_args), ClosedJaxpr(before, closed.consts)(*flat_args))
    # and the code jit writes for it
    source = fg.jit(_momentum).lower(p, m, g).source
    assert "= _pack" in source and "= _unpack" in source


def test_lanes_of_another_chain_or_dtype_are_not_fused_together():
    shapes = [(3,)] * 4
    p32, m32, g32 = (_tree(shapes, np.float32, s) for s in range(3))
    p64, m64, g64 = (_tree(shapes, np.float64, s) for s in range(3, 6))

    def f(a, b):
        return _momentum(*a), fg.tree.tree_map(lambda x: x * 2.0 - 1.0, b)

    low = fg.jit(f).lower((p32, m32, g32), (p64, m64, g64))
    packs = [e for e in low.jaxpr.eqns if e.prim.name == "pack"]
    # float32 momentum: 3 packs of 4 lanes; float64 `x * 2 - 1` over 3 x 4 leaves: one of 12
    assert sorted(len(e.invars) for e in packs) == [4, 4, 4, 12]
    for e in packs:
        assert len({v.aval.dtype for v in e.invars}) == 1
        assert e.outvars[0].aval.dtype == e.invars[0].aval.dtype
    _assert_bitwise(fg.jit(f)((p32, m32, g32), (p64, m64, g64)),
                    f((p32, m32, g32), (p64, m64, g64)))


def test_lanes_differing_in_the_sign_of_a_zero_literal_are_not_one_chain():
    xs = [fnp.asarray(np.array([1.0, -2.0, 0.5]) * i) for i in range(1, 9)]

    def f(xs):
        return [(x * (0.0 if i % 2 else -0.0)) * 2.0 - x * x for i, x in enumerate(xs)]

    low = fg.jit(f).lower(xs)
    assert sorted(len(e.invars) for e in low.jaxpr.eqns if e.prim.name == "pack") == [4, 4]
    _assert_bitwise(fg.jit(f)(xs), f(xs))


# --- jit against eager, bitwise -------------------------------------------------------------------

_shapes = st.lists(st.integers(0, 4), min_size=0, max_size=3).map(tuple)


def _chain(x, y, s):
    """Every fusable kind of operation, with a shared traced scalar `s` and literals."""
    a = fnp.sqrt(fnp.abs(x) * s + 1.0)
    b = fnp.maximum(a, y) - fnp.minimum(-a, y * y) / (fnp.abs(y) + 0.5)
    c = fnp.where(x > y, b, -b)  # a select: not fusable, it splits the chain
    return c * c + a


@given(st.lists(st.tuples(_shapes, st.sampled_from([np.float32, np.float64])), min_size=1,
                max_size=50), st.integers(0, 2**31 - 1))
def test_jit_equals_eager_bitwise_on_generated_pytrees(leaves, seed):
    rng = np.random.default_rng(seed)
    xs = [fnp.asarray((rng.standard_normal(s) * 3).astype(d)) for s, d in leaves]
    ys = [fnp.asarray((rng.standard_normal(s) * 3).astype(d)) for s, d in leaves]
    s = fnp.asarray(np.float32(1.5))

    def f(xs, ys, s):
        return [_chain(x, y, s) for x, y in zip(xs, ys)]

    jf = fg.jit(f)
    _assert_bitwise(jf(xs, ys, s), f(xs, ys, s))
    low = jf.lower(xs, ys, s)
    for e in low.jaxpr.eqns:
        if e.prim.name == "pack":  # lanes of one dtype only
            assert len({v.aval.dtype for v in e.invars}) == 1


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_outputs_fed_back_take_no_copy_and_stay_equal(dtype):
    shapes = [(7,), (3, 2), (0,), (1,), (4, 1, 2), (16,)]
    p, m, g = (_tree(shapes, dtype, s) for s in range(3))
    step = fg.jit(_momentum)
    pe, me = p, m
    pj, mj = step(p, m, g)
    pe, me = _momentum(pe, me, g)
    kept = [np.array(v) for v in fg.tree.tree_leaves((pj, mj))]
    held = (pj, mj)
    with mock.patch.object(np, "concatenate", wraps=np.concatenate) as concat:
        for _ in range(5):
            pj, mj = step(pj, mj, g)
            pe, me = _momentum(pe, me, g)
            _assert_bitwise((pj, mj), (pe, me))
    # each step packs p, m (the previous step's views: no copy) and g (copied)
    assert concat.call_count == 5
    # outputs are views of one flat buffer each
    bases = {id(np.asarray(v._value).base) for v in pj.values()}
    assert len(bases) == 1
    # the first step's outputs, fed back, were never written
    for a, b in zip(kept, fg.tree.tree_leaves(held)):
        assert _bits(a) == _bits(b)


def test_views_in_another_order_are_copied():
    shapes = [(3,)] * 5
    p, m, g = (_tree(shapes, np.float64, s) for s in range(3))
    step = fg.jit(_momentum)
    pj, mj = step(p, m, g)
    keys = list(pj)
    swapped = {k: pj[keys[(i + 1) % len(keys)]] for i, k in enumerate(keys)}
    _assert_bitwise(step(swapped, mj, g), _momentum(swapped, mj, g))
    # and m's views where p's are expected
    _assert_bitwise(step(mj, pj, g), _momentum(mj, pj, g))


def test_the_buffer_pass_never_writes_packed_or_unpacked_buffers():
    shapes = [(5,)] * 6
    p, m, g = (_tree(shapes, np.float32, s) for s in range(3))
    jaxpr = fg.jit(_momentum).lower(p, m, g).jaxpr
    plan = plan_buffers(jaxpr)
    protected = set()
    for e in jaxpr.eqns:
        if e.prim.name in ("pack", "unpack"):
            protected.update(e.outvars)
            protected.update(e.invars)
    assert plan and not protected & set(plan.values())


# --- the optimizers --------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [lambda: optim.adam(1e-3), lambda: optim.sgd(0.1, momentum=0.9),
                                  lambda: optim.adamw(1e-3, weight_decay=1e-2)],
                         ids=["adam", "sgd_momentum", "adamw"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_optimizer_steps_jitted_equal_eager(make, dtype):
    opt = make()
    shapes = [(8,)] * 6 + [(4, 4)] * 6 + [(1,), (0,)] + [(33,)] * 4
    params, grads = _tree(shapes, dtype, 0), _tree(shapes, dtype, 1)

    def step(p, s, g):
        u, s = opt.update(g, s, p)
        return optim.apply_updates(p, u), s

    jstep = fg.jit(step)
    pe, se = params, opt.init(params)
    pj, sj = params, opt.init(params)
    for _ in range(4):
        pe, se = step(pe, se, grads)
        pj, sj = jstep(pj, sj, grads)
        _assert_bitwise((pj, sj), (pe, se))
    assert "pack" in _prims(jstep.lower(pj, sj, grads).jaxpr)


# --- when it does not pay --------------------------------------------------------------------------

def test_no_fusion_when_it_does_not_pay():
    few = [(3,)] * (hfuse.MIN_LANES - 1)
    assert "pack" not in _prims(fg.jit(_momentum).lower(*(_tree(few, np.float32, s)
                                                            for s in range(3))).jaxpr)
    # large leaves: the copy into a flat buffer costs more than the calls it saves
    big = [(1 << 16,)] * 8
    assert "pack" not in _prims(fg.jit(_momentum).lower(*(_tree(big, np.float32, s)
                                                           for s in range(3))).jaxpr)
    # one operation per leaf, two inputs: packing costs what the calls cost
    xs, ys = (_tree([(4,)] * 20, np.float32, s) for s in range(2))
    low = fg.jit(lambda a, b: {k: a[k] + b[k] for k in a}).lower(xs, ys)
    assert "pack" not in _prims(low.jaxpr)
    # transcendental operations are never fused (the products and sums between them may be)
    low = fg.jit(lambda a: {k: fnp.exp(fnp.sin(v) * 2.0) + 1.0 for k, v in a.items()}).lower(xs)
    assert [e.outvars[0].aval.shape for e in low.jaxpr.eqns
            if e.prim.name in ("sin", "exp")] == [(4,)] * 40


def test_lanes_that_read_each_other_are_not_fused_together():
    def f(x):
        for _ in range(8):  # the same chain, each time on the previous one's result
            x = fnp.sin(x) * 1.01 + 0.5
        return x

    x = fnp.asarray(np.linspace(-2, 2, 5))
    assert "pack" not in _prims(fg.jit(f).lower(x).jaxpr)
    _assert_bitwise(fg.jit(f)(x), f(x))

    def g(xs):  # four leaves, each a chain of two rounds: the leaves fuse, the rounds do not
        return [f(x) for x in xs]

    xs = [x * i for i in range(4)]
    low = fg.jit(g).lower(xs)
    assert [len(e.invars) for e in low.jaxpr.eqns if e.prim.name == "pack"] == [4] * 8
    _assert_bitwise(fg.jit(g)(xs), g(xs))


def test_small_leaves_among_large_ones_are_fused_alone():
    shapes = [(4,)] * 8 + [(1 << 16,)] * 2
    p, m, g = (_tree(shapes, np.float32, s) for s in range(3))
    jaxpr = fg.jit(_momentum).lower(p, m, g).jaxpr
    packs = [e for e in jaxpr.eqns if e.prim.name == "pack"]
    assert packs and all(len(e.invars) == 8 for e in packs)
    _assert_bitwise(fg.jit(_momentum)(p, m, g), _momentum(p, m, g))


def test_flat_buffers_are_chunked():
    shapes = [(100,)] * 12  # 400 bytes a lane in float32: 4 lanes a flat buffer
    p, m, g = (_tree(shapes, np.float32, s) for s in range(3))
    with mock.patch.object(hfuse, "MAX_FLAT_BYTES", 4 * 400):
        jaxpr = fg.jit(_momentum).lower(p, m, g).jaxpr
        _assert_bitwise(fg.jit(_momentum)(p, m, g), _momentum(p, m, g))
    packs = [e for e in jaxpr.eqns if e.prim.name == "pack"]
    assert sorted(len(e.invars) for e in packs) == [4] * 9


# --- the ufuncs the pass trusts ---------------------------------------------------------------------

_SPECIAL = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-310, 3.0, -2.5]


@given(st.sampled_from(EXACT_UFUNCS), st.sampled_from([np.float32, np.float64]),
       st.integers(0, 40), st.integers(0, 130), st.integers(0, 2**31 - 1))
def test_exact_ufuncs_do_not_depend_on_position(ufunc, dtype, offset, length, seed):
    """Each element of a trusted ufunc's result has the same bits wherever it lies in the array
    and however long the array is (SIMD bodies and scalar tails alike)."""
    rng = np.random.default_rng(seed)
    n = offset + length + 17

    def data():
        if ufunc in (np.bitwise_and, np.bitwise_or, np.bitwise_xor, np.invert):
            return rng.integers(-2**40, 2**40, n)
        x = rng.standard_normal(n) * 10.0 ** rng.integers(-3, 4, n)
        x[rng.integers(0, n, 4)] = rng.choice(_SPECIAL, 4)
        return x.astype(dtype)

    args = [data() for _ in range(ufunc.nin)]
    with np.errstate(all="ignore"):
        whole = ufunc(*args)
        part = ufunc(*[a[offset:offset + length].copy() for a in args])
    assert _bits(whole[offset:offset + length]) == _bits(part)


def test_pack_and_unpack_keep_shapes_and_order():
    layout = flat_buffers.FlatLayout([(2, 3), (0,), (1,), (4,)])
    xs = [np.arange(6.).reshape(2, 3), np.zeros(0), np.array([7.]), np.arange(4.) + 10]
    flat = layout.pack(*xs)
    assert flat.shape == (11,) and list(flat) == [0, 1, 2, 3, 4, 5, 7, 10, 11, 12, 13]
    views = layout.unpacker(0)(flat)
    assert [v.shape for v in views] == [(2, 3), (0,), (1,), (4,)]
    assert all(np.shares_memory(v, flat) for v in views if v.size)
    assert layout.pack(*views) is flat
    assert layout.pack(*[v.copy() for v in views]) is not flat
