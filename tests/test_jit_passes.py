"""jit's code-level passes and its cached-call road: each pass shown on its jaxpr or source
before and after, and held to eager evaluation on generated programs (hypothesis).

- buffer reuse (interpreters/buffers.py): in place into a dying operand, or into a dead
  temporary from the pool; never into an input, an output, a view or what an effect was handed;
- scalar literals of ufunc calls as 0-d arrays of the loop's dtype (interpreters/codegen.py);
- x ** 1 removed, x ** 2 and x ** 3 as inline ufunc calls (integer_pow's block);
- 0-d host constants written inline (passes.inline_scalars), so grad's seed 1.0 simplifies away;
- the fast road of a cached call (interpreters/jit_call.py): same results, dtypes, structures and
  cache behaviour as the general road."""
import collections
import types
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import lax
from funcgrad._core.ir import Eqn, Jaxpr, Literal, Var
from funcgrad._core.avals import ShapedArray
from funcgrad.interpreters.buffers import plan_buffers
from funcgrad.interpreters.codegen import _literal_arrays, generate
from funcgrad.interpreters.jit import RetraceWarning
from funcgrad.interpreters.jit_call import fast_signature
from funcgrad.interpreters.passes import inline_scalars, optimize

F32 = np.float32


def _ones(*shape, dtype=np.float64):
    return fnp.asarray(np.linspace(0.5, 1.5, int(np.prod(shape))).reshape(shape).astype(dtype))


def _exact(got, want):
    """Same structure; leafwise Arrays of the same shape, dtype and bits."""
    g_leaves, g_tree = fg.tree.tree_flatten(got)
    w_leaves, w_tree = fg.tree.tree_flatten(want)
    assert g_tree == w_tree
    for g, w in zip(g_leaves, w_leaves):
        assert type(g) is fg.Array
        g, w = np.asarray(g), np.asarray(w)
        assert g.shape == w.shape and g.dtype == w.dtype, (g.shape, g.dtype, w.shape, w.dtype)
        np.testing.assert_array_equal(g, w)


# ---- buffer reuse: the source before and after -----------------------------------------------

def test_buffer_reuse_in_place_source_before_and_after():
    def f(x, y):
        return fnp.tanh(fnp.sin(x) * y + 1.0) * 2.0, fnp.exp(y) - x
    x, y = _ones(3, dtype=F32), _ones(3, dtype=F32)
    lo = fg.jit(f).lower(x, y)
    before, _ = generate(lo.jaxpr, "f", reuse_buffers=False)
    assert before == (
        "def f(a, b):\n"
        "    c = _sin0(a)\n"
        "    d = _multiply1(c, b)\n"
        "    e = _add3(d, _c2)\n"
        "    f = _tanh4(e)\n"
        "    g = _multiply1(f, _c5)\n"
        "    h = _exp6(b)\n"
        "    i = _subtract7(h, a)\n"
        "    return (g, i)\n")
    assert lo.source == (
        "def f(a, b):\n"
        "    c = _sin0(a)\n"
        "    d = _multiply1(c, b, out=c)\n"
        "    e = _add3(d, _c2, out=d)\n"
        "    f = _tanh4(e, out=e)\n"
        "    g = _multiply1(f, _c5, out=f)\n"
        "    h = _exp6(b)\n"
        "    i = _subtract7(h, a, out=h)\n"
        "    return (g, i)\n")
    _exact(fg.jit(f)(x, y), f(x, y))


def test_buffer_reuse_from_the_pool_source():
    def f(x, y):
        s = fnp.sin(x) * fnp.cos(x)   # cos's buffer is dead after the product
        return s, fnp.exp(y)          # exp writes into it
    x, y = _ones(4), _ones(4)
    lo = fg.jit(f).lower(x, y)
    before, _ = generate(lo.jaxpr, "f", reuse_buffers=False)
    assert "out=" not in before
    assert lo.source == (
        "def f(a, b):\n"
        "    c = _sin0(a)\n"
        "    d = _cos1(a)\n"
        "    e = _multiply2(c, d, out=c)\n"
        "    f = _exp3(b, out=d)\n"
        "    return (e, f)\n")
    _exact(fg.jit(f)(x, y), f(x, y))


def test_pool_matches_shape_and_dtype():
    def f(x, y32):
        s = fnp.sin(x) * fnp.cos(x)        # frees a float64[4] buffer
        return s, fnp.exp(y32), fnp.exp(x[:2])   # float32[4] and float64[2]: neither fits
    lo = fg.jit(f).lower(_ones(4), _ones(4, dtype=F32))
    assert "_exp" in lo.source
    for line in lo.source.splitlines():
        if "_exp" in line:
            assert "out=" not in line, lo.source
    _exact(fg.jit(f)(_ones(4), _ones(4, dtype=F32)), f(_ones(4), _ones(4, dtype=F32)))


def test_no_reuse_of_inputs_outputs_or_views():
    def f(x):
        a = fnp.sin(x)
        b = a.reshape(4, 3)         # a view of a: a is never written again
        c = a * 3.0
        d = fnp.exp(c)              # may go into c
        e = fnp.cos(x) + 1.0        # output
        return b, d, e, fnp.tanh(e) * 2.0
    x = _ones(12)
    held = np.asarray(x).copy()
    lo = fg.jit(f).lower(x)
    plan = plan_buffers(lo.jaxpr)
    ins = set(lo.jaxpr.invars) | set(lo.jaxpr.constvars)
    outs = set(lo.jaxpr.outvars)
    viewed = {v for e in lo.jaxpr.eqns if not e.prim.fresh for v in e.invars}
    assert plan and not set(plan.values()) & (ins | outs | viewed)
    for _ in range(2):  # a second call reuses nothing of the first
        _exact(fg.jit(f)(x), f(x))
    np.testing.assert_array_equal(np.asarray(x), held)


def _stand_in(name, fresh=True, effectful=False):
    jit = types.SimpleNamespace(takes_out=True)
    return types.SimpleNamespace(name=name, fresh=fresh, effectful=effectful,
                                 multiple_results=False, jit=jit)


def test_plan_buffers_never_hands_out_what_an_effect_read():
    """An effect (a callback) may keep the array it was handed: its operand is never pooled."""
    aval = ShapedArray((3,), np.dtype("float64"))
    x, t, u, w = (Var(aval) for _ in range(4))
    op, effect = _stand_in("op"), _stand_in("effect", effectful=True)
    eqns = [Eqn(op, [x], [t], {}), Eqn(effect, [t], [], {}), Eqn(op, [x], [u], {}),
            Eqn(op, [u], [w], {})]
    plan = plan_buffers(Jaxpr([], [x], eqns, [w]))
    assert plan == {3: u}       # u in place; t (read last by the effect) never
    pure = [Eqn(op, [x], [t], {}), Eqn(op, [t], [u], {}), Eqn(op, [x], [w], {})]
    u2 = Var(aval)
    pure.append(Eqn(op, [x], [u2], {}))
    assert plan_buffers(Jaxpr([], [x], pure, [u, w, u2])) == {1: t}
    # ... and a temporary dead after a pure read is pooled
    v = Var(aval)
    chain = [Eqn(op, [x], [t], {}), Eqn(op, [x, t], [u], {}), Eqn(op, [x], [v], {})]
    assert plan_buffers(Jaxpr([], [x], chain, [u, v])) == {1: t}
    chain2 = [Eqn(op, [x], [t], {}), Eqn(op, [x], [w], {}), Eqn(op, [t, w], [u], {}),
              Eqn(op, [x], [v], {})]
    assert plan_buffers(Jaxpr([], [x], chain2, [u, v])) == {2: t, 3: w}


# ---- scalar literals as 0-d arrays -------------------------------------------------------------

def test_literals_become_0d_arrays_of_the_loop_dtype():
    f = lambda x: x * 0.1 + 1.0   # noqa: E731
    x = _ones(5, dtype=F32)
    fn = fg.jit(f).lower(x).fn
    consts = {k: v for k, v in fn.__globals__.items() if k.startswith("_c")}
    assert consts and all(type(v) is np.ndarray and v.ndim == 0 and v.dtype == F32
                          and not v.flags.writeable for v in consts.values())
    assert sorted(float(v) for v in consts.values()) == [float(F32(0.1)), 1.0]
    _exact(fg.jit(f)(x), f(x))


@pytest.mark.parametrize("dtype,value,converted", [
    (np.float32, 0.1, True), (np.float64, 1e-8, True), (np.int32, 3, True),
    (np.int8, 300, False),          # numpy raises at the call: left to do so
    (np.float16, 1e10, False),      # the cast overflows (a warning): left as it is
    (np.uint8, -1, False)])
def test_literal_conversion_only_when_exact(dtype, value, converted):
    aval = ShapedArray((2,), np.dtype(dtype))
    lit_aval = ShapedArray((), np.asarray(value).dtype, weak_type=True)
    e = Eqn(None, [Var(aval), Literal(value, lit_aval)], [Var(aval)], {})
    found = _literal_arrays(e, np.add)
    assert (1 in found) is converted
    if converted:
        assert found[1].dtype == dtype and found[1] == np.asarray(value, dtype)


def test_literal_with_a_different_loop_dtype():
    # ldexp's second operand is an integer: the literal 3 becomes an int32, not a float32
    aval = ShapedArray((2,), np.dtype(F32))
    e = Eqn(None, [Var(aval), Literal(3, ShapedArray((), np.dtype("int64"), weak_type=True))],
            [Var(aval)], {})
    found = _literal_arrays(e, np.ldexp)
    assert found[1].dtype == np.dtype("int32")


# ---- integer_pow ----------------------------------------------------------------------------------

def test_integer_pow_one_removed_two_and_three_inline():
    def g(x):
        return x ** 1 * 3.0, x ** 2, x ** 3
    x = _ones(3, dtype=F32)
    traced = [e.prim.name for e in fg.make_jaxpr(g)(x).jaxpr.eqns]
    lo = fg.jit(g).lower(x)
    assert traced.count("integer_pow") == 3
    assert [e.prim.name for e in lo.jaxpr.eqns] == ["mul", "integer_pow", "integer_pow"]
    assert "_square" in lo.source and "_power" in lo.source and ", 3)" in lo.source
    _exact(fg.jit(g)(x), g(x))
    i = fnp.asarray(np.arange(4, dtype=np.int32))
    _exact(fg.jit(g)(i), g(i))


# ---- scalar constants inline ---------------------------------------------------------------------

def test_inline_scalars_lets_grads_seed_simplify_away():
    f = fg.grad(lambda x: fnp.sin(x) * x)
    closed = fg.make_jaxpr(f)(1.0)
    before = str(closed.jaxpr)
    assert closed.jaxpr.constvars and "mul" in before
    jaxpr, consts = inline_scalars(closed.jaxpr, closed.consts)
    assert not jaxpr.constvars and consts == []
    opt, _ = optimize(closed.jaxpr, closed.consts)
    assert [e.prim.name for e in opt.eqns] == ["sin", "cos", "mul", "add"]
    assert str(opt) == ("{ lambda ; a:f64[]. let\n    b:f64[] = sin a\n    c:f64[] = cos a\n"
                        "    d:f64[] = mul a c\n    e:f64[] = add b d\n  in (e,) }")
    _exact(fg.jit(f)(1.3), f(1.3))


def test_inline_scalars_keeps_arrays_and_placed_dtypes():
    c = fnp.asarray(np.array([1.0, 2.0]))
    s = fnp.asarray(np.float32(2.0))
    f = lambda x: x * c + s   # noqa: E731
    lo = fg.jit(f).lower(_ones(2, dtype=F32))
    assert len(lo.consts) == 1 and np.asarray(lo.consts[0]).shape == (2,)
    _exact(fg.jit(f)(_ones(2, dtype=F32)), f(_ones(2, dtype=F32)))


# ---- jit == eager on generated programs --------------------------------------------------------

UNARY = [fnp.sin, fnp.exp, fnp.tanh, fnp.negative, lambda a: a ** 1, lambda a: a ** 2,
         lambda a: a ** 3, fnp.sqrt, lambda a: a.astype(a.dtype)]
BINARY = [lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a - b, lambda a, b: a / b]
CONSTS = [0.1, 1.0, 0.0, 2, -3.5, 1e-8]

program = st.lists(st.tuples(st.integers(0, 2), st.integers(0, 8), st.integers(0, 7),
                             st.integers(0, 5)), min_size=1, max_size=12)


def _run(prog, x, y):
    vals = [x, y]
    for kind, op, src, k in prog:
        a = vals[src % len(vals)]
        if kind == 0:
            r = UNARY[op % len(UNARY)](fnp.abs(a) if op % len(UNARY) == 7 else a)
        elif kind == 1:
            r = BINARY[op % len(BINARY)](a, vals[(src + k) % len(vals)])
        else:
            r = BINARY[op % len(BINARY)](a, CONSTS[k]) if op % 2 else \
                BINARY[op % len(BINARY)](CONSTS[k], a)
        vals.append(r)
    return tuple(vals[2:][-3:]) + (vals[-1] * 1.0,)


@given(prog=program, shape=st.sampled_from([(0,), (1,), (3,), (2, 3), (1, 3)]),
       bshape=st.sampled_from([None, (), (1,)]),
       dtype=st.sampled_from([np.float32, np.float64]))
def test_jit_equals_eager_on_generated_elementwise_programs(prog, shape, bshape, dtype):
    n = int(np.prod(shape))
    x = fnp.asarray(np.linspace(0.3, 1.7, n).reshape(shape).astype(dtype))
    yshape = shape if bshape is None else bshape
    y = fnp.asarray(np.full(yshape, 0.7, dtype))
    held = (np.asarray(x).copy(), np.asarray(y).copy())
    f = lambda x, y: _run(prog, x, y)   # noqa: E731
    with np.errstate(all="ignore"):
        want = f(x, y)
        jf = fg.jit(f)
        got1 = jf(x, y)
        got2 = jf(x, y)      # the fast road
    for got in (got1, got2):
        _exact(got, want)
    np.testing.assert_array_equal(np.asarray(x), held[0])
    np.testing.assert_array_equal(np.asarray(y), held[1])
    assert jf.traces == 1


# ---- the fast road of a cached call --------------------------------------------------------------

State = collections.namedtuple("State", "m v")


def _step(params, state, g):
    m = {k: 0.9 * state.m[k] + 0.1 * g[k] for k in g}
    v = {k: 0.99 * state.v[k] + 0.01 * g[k] ** 2 for k in g}
    return {k: params[k] - 0.1 * m[k] / (fnp.sqrt(v[k]) + 1e-8) for k in g}, State(m, v)


def _tree(dtype, shape=(3,)):
    return {k: _ones(*shape, dtype=dtype) * (i + 1) for i, k in enumerate("abc")}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fast_road_equals_eager_over_steps(dtype):
    p, g = _tree(dtype), _tree(dtype)
    s = State(_tree(dtype), _tree(dtype))
    jstep = fg.jit(_step)
    jstep.clear_cache()  # _step's cache is shared by every jit of it (the other dtype's case)
    pe, se = p, s
    for _ in range(4):
        p, s = jstep(p, s, g)
        pe, se = _step(pe, se, g)
        _exact((p, s), (pe, se))
    assert jstep.traces == 1 and jstep._fast_tree is not None


def test_fast_road_follows_structure_shape_and_dtype_changes():
    f = fg.jit(lambda t: fg.tree.tree_map(lambda a: a * 2.0, t))
    cases = [{"a": _ones(2), "b": _ones(3)}, {"b": _ones(3), "a": _ones(2)},
             {"a": _ones(2), "c": _ones(3)}, {"a": _ones(2, dtype=F32), "b": _ones(3)},
             {"a": _ones(4), "b": _ones(3)}, (_ones(2), _ones(3)), [_ones(2), _ones(3)],
             State(_ones(2), _ones(3)), State(_ones(2), None), {"a": _ones(2), "b": (1.5,)},
             {"a": _ones(2), "b": _ones(3)}]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RetraceWarning)   # retracing is what this test does
        for t in cases * 2:
            _exact(f(t), fg.tree.tree_map(lambda a: a * 2.0, t))
    assert f.traces == 9   # the key order of a dict is not part of the signature


def test_fast_road_python_scalars_keep_their_weak_types():
    f = fg.jit(lambda x, y: x * y)
    y32 = _ones(2, dtype=F32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RetraceWarning)
        for x in [1.5, True, 2, 1 + 2j, 2 ** 40, 1.5, True, 2, 1 + 2j]:
            _exact(f(x, y32), x * y32)
    assert f.traces == 4   # 2 and 2 ** 40 are both int64
    assert fast_signature([1.5])[0] != fast_signature([True])[0]


def test_fast_road_copies_numpy_arguments_and_wraps_scalars():
    f = fg.jit(lambda x, s: (x, x[0] * s, s))
    a = np.arange(3.0)
    for _ in range(2):
        out, first, s = f(a, 2.0)
        assert type(out) is fg.Array and type(first) is fg.Array and type(s) is fg.Array
        assert np.asarray(first).shape == () and np.asarray(s).dtype == np.float64
    a[0] = 100.0
    np.testing.assert_array_equal(np.asarray(out), [0.0, 1.0, 2.0])
    z = fnp.asarray(np.zeros((), np.float32))
    g = fg.jit(lambda z: fnp.sin(z) + 1)
    for _ in range(2):
        _exact(g(z), fnp.sin(z) + 1)


def test_fast_road_no_outputs_kwargs_and_static_arguments():
    f = fg.jit(lambda x: None)
    assert f(_ones(2)) is None and f(_ones(2)) is None
    g = fg.jit(lambda x, *, scale: x * scale)
    for _ in range(2):
        _exact(g(_ones(2), scale=_ones(2)), _ones(2) * _ones(2))
    h = fg.jit(lambda x, n: x * n, static_argnums=1)
    for n in (2, 3, 2):
        _exact(h(_ones(2), n), _ones(2) * n)
    assert h.traces == 2


def test_fast_road_honours_debug_nans():
    f = fg.jit(lambda x: fnp.log(x))
    f(_ones(2))
    f(_ones(2))
    fg.config.update("debug_nans", True)
    try:
        with np.errstate(invalid="ignore"), pytest.raises(FloatingPointError,
                                                           match="debug_nans"):
            f(fnp.asarray(np.array([-1.0, 1.0])))
    finally:
        fg.config.update("debug_nans", False)


def test_fast_road_inside_transforms_traces_through():
    f = fg.jit(lambda x: fnp.sin(x) * x)
    f(_ones(3))
    f(_ones(3))
    g = fg.grad(lambda x: f(x).sum())(_ones(3))
    x = np.asarray(_ones(3))
    np.testing.assert_allclose(np.asarray(g), np.cos(x) * x + np.sin(x), rtol=1e-12)
    v = fg.vmap(f)(_ones(2, 3))
    _exact(v, fnp.sin(_ones(2, 3)) * _ones(2, 3))


def test_no_op_multiplication_and_same_dtype_cast_removed():
    f = lambda x: lax.convert_element_type(x, np.float32) * 1 + fnp.asarray(x, np.float32)  # noqa
    x = _ones(3, dtype=F32)
    traced = [e.prim.name for e in fg.make_jaxpr(f)(x).jaxpr.eqns]
    lo = fg.jit(f).lower(x)
    assert "mul" in traced and [e.prim.name for e in lo.jaxpr.eqns] == ["add"]
    _exact(fg.jit(f)(x), f(x))


def test_cse_keeps_literals_that_compare_equal_but_differ_apart():
    # 0.0 == -0.0 (and hash alike), yet x * 0.0 and x * -0.0 differ in the sign of zeros: merging
    # the two equations made jit differ from eager
    x = fnp.asarray(np.array([1.0, -2.0]))
    f = lambda x: (x * 0.0, x * -0.0)  # noqa: E731
    for a, b in zip(f(x), fg.jit(f)(x)):
        np.testing.assert_array_equal(np.signbit(np.asarray(a)), np.signbit(np.asarray(b)))
