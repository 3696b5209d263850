"""The IR: make_jaxpr's printed form (JAX's layout), constants and literals, pytrees in and out,
graphviz export, the type checker, linearize's linear jaxpr, and evaluating a ClosedJaxpr."""
import re
import shutil
import subprocess

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad._core.ir import ClosedJaxpr, Eqn, Jaxpr, Literal, Var

# ---- printing -----------------------------------------------------------------------------------


def test_one_short_equation_prints_on_one_line():
    assert str(fg.make_jaxpr(fnp.sin)(fnp.ones(3))) == \
        "{ lambda ; a:f64[3]. let b:f64[3] = sin a in (b,) }"
    assert repr(fg.make_jaxpr(fnp.sin)(fnp.ones(3))) == \
        "{ lambda ; a:f64[3]. let b:f64[3] = sin a in (b,) }"


def test_dtype_and_shape_abbreviations():
    x = fnp.ones((2, 3), dtype=np.float32)
    assert str(fg.make_jaxpr(fnp.cos)(x)) == \
        "{ lambda ; a:f32[2,3]. let b:f32[2,3] = cos a in (b,) }"
    s = str(fg.make_jaxpr(lambda i: i > 1)(fnp.arange(4)))
    assert s == "{ lambda ; a:i64[4]. let b:bool[4] = gt a 1 in (b,) }"
    assert str(fg.make_jaxpr(fnp.exp)(1.5)) == \
        "{ lambda ; a:f64[]. let b:f64[] = exp a in (b,) }"


def test_several_equations_print_one_per_line():
    f = lambda x: fnp.sum(fnp.sin(x) * 2.0, axis=0)  # noqa: E731
    assert str(fg.make_jaxpr(f)(fnp.ones((3, 2)))) == (
        "{ lambda ; a:f64[3,2]. let\n"
        "    b:f64[3,2] = sin a\n"
        "    c:f64[3,2] = mul b 2.0\n"
        "    d:f64[2] = reduce_sum[axes=(0,)] c\n"
        "  in (d,) }")


def test_long_single_equation_goes_multi_line():
    big = fnp.zeros((1000, 2000, 30))
    s = str(fg.make_jaxpr(lambda a, b: a * b)(big, big))
    one_line = ("{ lambda ; a:f64[1000,2000,30] b:f64[1000,2000,30]. let "
                "c:f64[1000,2000,30] = mul a b in (c,) }")
    assert len(one_line) > 80
    assert s == ("{ lambda ; a:f64[1000,2000,30] b:f64[1000,2000,30]. let\n"
                 "    c:f64[1000,2000,30] = mul a b\n"
                 "  in (c,) }")


def test_constants_become_constvars():
    c = fnp.array([1.0, 2.0, 3.0])
    s = str(fg.make_jaxpr(lambda x: x * c)(fnp.ones(3)))
    assert s == "{ lambda a:f64[3] ; b:f64[3]. let c:f64[3] = mul b a in (c,) }"
    closed = fg.make_jaxpr(lambda x: x * c + c)(fnp.ones(3))
    assert len(closed.consts) == 1 and len(closed.jaxpr.constvars) == 1  # one constant, used twice
    np.testing.assert_array_equal(np.asarray(closed.consts[0]), [1.0, 2.0, 3.0])
    # a numpy constant too
    s = str(fg.make_jaxpr(lambda x: x + np.arange(3.0))(fnp.ones(3)))
    assert s.startswith("{ lambda a:f64[3] ; b:f64[3]. let")


def test_python_scalars_are_literals():
    closed = fg.make_jaxpr(lambda x: (x * 2.0 + 1) ** 3)(fnp.ones(3))
    s = str(closed)
    assert closed.consts == [] and closed.jaxpr.constvars == []
    assert "mul a 2.0" in s and "add b 1" in s and "integer_pow[y=3] c" in s
    lits = [v for e in closed.eqns for v in e.invars if isinstance(v, Literal)]
    assert [v.val for v in lits] == [2.0, 1]


def test_params_are_printed_in_brackets():
    s = str(fg.make_jaxpr(lambda x: fnp.sum(x, axis=0))(fnp.ones((3, 2))))
    assert s == "{ lambda ; a:f64[3,2]. let b:f64[2] = reduce_sum[axes=(0,)] a in (b,) }"
    s = str(fg.make_jaxpr(lambda x: fnp.sum(x, axis=(0, 1)))(fnp.ones((3, 2))))
    assert "reduce_sum[axes=(0, 1)] a" in s
    s = str(fg.make_jaxpr(lambda x: x.T)(fnp.ones((3, 2))))
    assert "b:f64[2,3] = transpose[permutation=(1, 0)] a" in s
    s = str(fg.make_jaxpr(lambda x: x.astype(np.float32))(fnp.ones(2)))
    assert re.search(r"b:f32\[2\] = convert_element_type\[.*float32.*\] a", s)


def test_inputs_without_equations():
    assert str(fg.make_jaxpr(lambda x: x)(1.0)).startswith("{ lambda ; a:f64[]. let")
    assert str(fg.make_jaxpr(lambda x: x)(1.0)).endswith("in (a,) }")
    assert str(fg.make_jaxpr(lambda x: 2.0)(1.0)).endswith("in (2.0,) }")
    assert str(fg.make_jaxpr(lambda x, y: (y, x))(1.0, fnp.arange(2))).endswith("in (b, a) }")


def test_names_run_past_z():
    def f(x):
        for _ in range(30):
            x = fnp.sin(x)
        return x
    s = str(fg.make_jaxpr(f)(1.0))
    assert "ba:f64[] = sin z" in s and s.endswith("in (be,) }")
    assert s.count("\n") == 31


# ---- pytrees ------------------------------------------------------------------------------------

def _f_tree(p, xs):
    return {"y": p["a"] * xs[0], "z": (xs[1] + 1.0, p["b"])}


P = {"b": fnp.arange(3.0), "a": fnp.ones(2)}
XS = (fnp.array([2.0, 3.0]), 4.0)


def test_pytree_inputs_flatten_in_tree_order():
    closed = fg.make_jaxpr(_f_tree)(P, XS)
    # dicts flatten in sorted key order: a, b, then the tuple's leaves
    assert [a.shape for a in closed.in_avals] == [(2,), (3,), (2,), ()]
    assert str(closed) == (
        "{ lambda ; a:f64[2] b:f64[3] c:f64[2] d:f64[]. let\n"
        "    e:f64[2] = mul a c\n"
        "    f:f64[] = add d 1.0\n"
        "  in (e, f, b) }")


def test_pytree_outputs_and_out_tree():
    closed = fg.make_jaxpr(_f_tree)(P, XS)
    eager = _f_tree(P, XS)
    assert closed.out_tree == fg.tree.tree_structure(eager)
    leaves = fg.tree.tree_leaves((P, XS))
    out = fg.tree.tree_unflatten(closed.out_tree, closed(*leaves))
    assert set(out) == {"y", "z"}
    for o, e in zip(fg.tree.tree_leaves(out), fg.tree.tree_leaves(eager)):
        np.testing.assert_array_equal(np.asarray(o), np.asarray(e))
    assert [a.shape for a in closed.out_avals] == [(2,), (), (3,)]


def test_in_tree_records_the_argument_structure():
    closed = fg.make_jaxpr(_f_tree)(P, XS)
    assert closed.in_tree == fg.tree.tree_structure((P, XS))


def test_static_argnums():
    def f(x, n, flag):
        for _ in range(n):
            x = x * 2.0
        return fnp.sin(x) if flag else x
    closed = fg.make_jaxpr(f, static_argnums=(1, 2))(fnp.ones(2), 3, True)
    assert [e.prim.name for e in closed.eqns] == ["mul"] * 3 + ["sin"]
    assert len(closed.jaxpr.invars) == 1
    closed = fg.make_jaxpr(f, static_argnums=(1, 2))(fnp.ones(2), 1, False)
    assert [e.prim.name for e in closed.eqns] == ["mul"]


def test_kwargs_are_passed_through():
    closed = fg.make_jaxpr(lambda x, scale=1.0: x * scale)(fnp.ones(2), scale=3.0)
    assert "mul a 3.0" in str(closed)


# ---- graphviz --------------------------------------------------------------------------------

_NODE = re.compile(r'^\s*(\w+) \[(.*)\];$')
_EDGE = re.compile(r'^\s*(\w+) -> (\w+);$')


def _parse_dot(src):
    """A strict reader for the subset of DOT that to_dot writes: node statements with attributes
    and edges between declared nodes. Returns ({node: attrs}, [(src, dst)])."""
    lines = src.strip().splitlines()
    assert re.match(r"^digraph \w+ \{$", lines[0]), lines[0]
    assert lines[-1] == "}"
    nodes, edges = {}, []
    for line in lines[1:-1]:
        if re.match(r"^\s*(rankdir|node)\b", line):
            continue
        m = _EDGE.match(line)
        if m:
            edges.append(m.groups())
            continue
        m = _NODE.match(line)
        assert m, f"not a DOT statement: {line!r}"
        assert m.group(2).count('"') % 2 == 0, line
        nodes[m.group(1)] = m.group(2)
    for a, b in edges:
        assert a in nodes and b in nodes, (a, b)
    return nodes, edges


def _dot_example():
    c = fnp.array([1.0, 2.0])
    return fg.make_jaxpr(lambda x, y: (fnp.sum(fnp.sin(x) * c + 2.0), y))(fnp.ones(2), 3.0)


def test_to_dot_structure():
    closed = _dot_example()
    src = closed.to_dot()
    assert src.startswith("digraph ")
    nodes, edges = _parse_dot(src)
    boxes = [n for n, a in nodes.items() if "shape=box" in a]
    assert len(boxes) == len(closed.eqns) == 4
    labels = " ".join(nodes[b] for b in boxes)
    for name in ("sin", "mul", "add", "reduce_sum[axes=(0,)]"):
        assert name in labels
    # inputs and constants are ellipses; every equation's operands are edges into its box
    ellipses = [a for a in nodes.values() if "shape=ellipse" in a]
    assert len(ellipses) == 1 + 2 + 2  # one const, two inputs, two outputs
    n_operands = sum(len(e.invars) for e in closed.eqns) + len(closed.jaxpr.outvars)
    assert len(edges) == n_operands
    # data flows: sin's box feeds mul's box
    sin_box = next(b for b in boxes if "sin" in nodes[b])
    mul_box = next(b for b in boxes if "mul" in nodes[b])
    assert (sin_box, mul_box) in edges
    assert closed.jaxpr.to_dot() == src


def test_to_dot_escapes_labels():
    src = fg.make_jaxpr(lambda x: x[1:, 0])(fnp.ones((3, 2))).to_dot()
    _parse_dot(src)


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz `dot` binary not installed")
def test_to_dot_parses_with_graphviz():
    for closed in (_dot_example(), fg.make_jaxpr(lambda x: x[1:, 0] * 2)(fnp.ones((3, 2)))):
        r = subprocess.run(["dot", "-Tsvg"], input=closed.to_dot(), capture_output=True,
                           text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        assert "<svg" in r.stdout


# ---- type checking --------------------------------------------------------------------------

TRACED = [
    lambda x: fnp.sum(fnp.sin(x) * 2.0),
    lambda x: x.T @ x,
    lambda x: fnp.concatenate([x, x * 2], axis=1),
    lambda x: x[::2, 1],
    lambda x: fnp.argmax(x, axis=0),
    lambda x: fnp.max(x, axis=1, keepdims=True),
    lambda x: fnp.where(x > 2.0, x, 0.0),
    lambda x: x.astype(np.float32) * 2,
    lambda x: fnp.einsum("ij,ij->i", x, x),
    lambda x: tuple(fnp.split(x, 3)),
    lambda x: fnp.mean(x, axis=0) - fnp.var(x),
    lambda x: x.reshape(-1).at[1].add(3.0),
    fg.grad(lambda x: fnp.sum(fnp.tanh(x) ** 2)),
    lambda x: fg.jvp(fnp.sin, (x,), (fnp.ones_like(x),)),
    lambda x: fg.vjp(lambda y: fnp.exp(y) * y, x)[1](fnp.ones_like(x)),
    fg.grad(lambda x: fnp.sum(fg.grad(lambda y: fnp.sum(fnp.sin(y) ** 3))(x))),
]


@pytest.mark.parametrize("f", TRACED, ids=range(len(TRACED)))
def test_traced_jaxprs_typecheck_and_evaluate_like_eager(f):
    x = fnp.arange(6.0).reshape(3, 2) / 3.0
    closed = fg.make_jaxpr(f)(x)
    assert closed.typecheck() is closed
    out = closed(x)
    eager = fg.tree.tree_leaves(f(x))
    assert len(out) == len(eager)
    for o, e in zip(out, eager):
        assert o.dtype == e.dtype and o.shape == e.shape
        np.testing.assert_allclose(np.asarray(o), np.asarray(e), rtol=1e-12, atol=1e-12)


def _traced():
    return fg.make_jaxpr(lambda x: fnp.sum(fnp.sin(x) * 2.0))(fnp.ones(3))


def test_typecheck_rejects_a_wrong_output_type():
    closed = _traced()
    j = closed.jaxpr
    e = j.eqns[0]
    bad = Eqn(e.prim, e.invars, [Var(fg.ShapedArray((4,), np.float64))], e.params)
    corrupt = ClosedJaxpr(Jaxpr(j.constvars, j.invars, [bad] + j.eqns[1:], j.outvars),
                          closed.consts)
    with pytest.raises(fg.JaxprTypeError) as info:
        corrupt.typecheck()
    msg = str(info.value)
    assert "f64[4]" in msg and "f64[3]" in msg and "sin" in msg
    # the equation is named as the printed jaxpr names it
    assert "b:f64[4] = sin a" in msg and "b:f64[4] = sin a" in str(corrupt)


def test_typecheck_rejects_a_wrong_dtype():
    closed = _traced()
    j = closed.jaxpr
    e = j.eqns[1]
    bad = Eqn(e.prim, e.invars, [Var(fg.ShapedArray((3,), np.float32))], e.params)
    corrupt = ClosedJaxpr(Jaxpr(j.constvars, j.invars, [j.eqns[0], bad] + j.eqns[2:],
                                j.outvars), closed.consts)
    with pytest.raises(fg.JaxprTypeError, match=r"f32\[3\]"):
        corrupt.typecheck()


def test_typecheck_rejects_use_before_definition():
    closed = _traced()
    j = closed.jaxpr
    swapped = [j.eqns[1], j.eqns[0]] + j.eqns[2:]
    corrupt = ClosedJaxpr(Jaxpr(j.constvars, j.invars, swapped, j.outvars), closed.consts)
    with pytest.raises(fg.JaxprTypeError, match="before it is defined") as info:
        corrupt.typecheck()
    first_line = str(corrupt).splitlines()[1].strip()
    assert first_line in str(info.value)


def test_typecheck_rejects_undefined_outputs_and_double_definitions():
    closed = _traced()
    j = closed.jaxpr
    corrupt = ClosedJaxpr(Jaxpr(j.constvars, j.invars, j.eqns,
                                [Var(fg.ShapedArray((), np.float64))]), closed.consts)
    with pytest.raises(fg.JaxprTypeError, match="never defined"):
        corrupt.typecheck()
    corrupt = ClosedJaxpr(Jaxpr(j.constvars, j.invars, j.eqns + [j.eqns[0]], j.outvars),
                          closed.consts)
    with pytest.raises(fg.JaxprTypeError, match="defined twice"):
        corrupt.typecheck()
    corrupt = ClosedJaxpr(Jaxpr(j.constvars, j.invars + j.invars, j.eqns, j.outvars),
                          closed.consts)
    with pytest.raises(fg.JaxprTypeError, match="defined twice"):
        corrupt.typecheck()


def test_typecheck_rejects_ill_typed_operands():
    closed = fg.make_jaxpr(lambda a, b: fnp.sin(a + b))(fnp.ones(3), fnp.ones(3))
    j = closed.jaxpr
    b4 = Var(fg.ShapedArray((4,), np.float64))  # an input whose type no longer fits `add`
    e = j.eqns[0]
    eqns = [Eqn(e.prim, [e.invars[0], b4], e.outvars, e.params)] + j.eqns[1:]
    corrupt = ClosedJaxpr(Jaxpr([], [j.invars[0], b4], eqns, j.outvars), [])
    with pytest.raises(fg.JaxprTypeError, match=r"c:f64\[3\] = add a b") as info:
        corrupt.typecheck()
    assert "(3,)" in str(info.value) and "(4,)" in str(info.value)


def test_jaxpr_type_errors_link_to_the_docs():
    closed = _traced()
    j = closed.jaxpr
    corrupt = ClosedJaxpr(Jaxpr(j.constvars, j.invars, j.eqns[1:], j.outvars), closed.consts)
    with pytest.raises(fg.JaxprTypeError, match="docs/errors.md#jaxprtypeerror"):
        corrupt.typecheck()


def test_jaxpr_type_error_is_a_type_error():
    assert issubclass(fg.JaxprTypeError, TypeError)
    assert issubclass(fg.JaxprTypeError, fg.FuncgradError)


# ---- linearize ----------------------------------------------------------------------------------

LINEAR_PRIMS = {"add", "sub", "neg", "mul", "div", "reduce_sum", "broadcast_in_dim", "reshape",
                "transpose", "convert_element_type", "dot_general", "select", "concatenate",
                "slice", "gather", "squeeze", "expand_dims", "pad", "scatter_add",
                "index_update", "dynamic_slice", "cumsum"}


def _assert_linear(closed):
    """Every equation is linear in the tangent inputs: only linear primitives, mul/dot_general
    with one tangent operand, div with the tangent on top, select choosing tangents by a
    non-tangent predicate."""
    j = closed.jaxpr
    dep = set(j.invars)
    for e in j.eqns:
        name = e.prim.name
        assert name in LINEAR_PRIMS, f"non-linear primitive {name} in\n{closed}"
        d = [isinstance(v, Var) and v in dep for v in e.invars]
        if name in ("mul", "dot_general"):
            assert sum(d) <= 1, f"{name} of two tangents in\n{closed}"
        if name == "div":
            assert not d[1], f"division by a tangent in\n{closed}"
        if name == "select":
            assert not d[0]
        if any(d):
            dep.update(e.outvars)


@pytest.mark.parametrize("f", [
    lambda x: fnp.sin(x) * x,
    lambda x: fnp.exp(x) ** 3 / fnp.sum(x),
    lambda x: fnp.tanh(x @ x.T).sum(axis=0),
    lambda x: fnp.where(x > 0.5, fnp.log(x), x ** 2),
    lambda x: fnp.max(x, axis=1) * fnp.sqrt(x[:, 0]),
    lambda x: fnp.concatenate([x, 1 / x], axis=0).T.reshape(-1),
], ids=range(6))
def test_linearize_jaxpr_is_linear(f):
    x = fnp.arange(1.0, 7.0).reshape(3, 2) / 4.0
    y, f_jvp = fg.linearize(f, x)
    closed = f_jvp.jaxpr
    closed.typecheck()
    _assert_linear(closed)
    # numerically linear and equal to jvp
    rng = np.random.default_rng(0)
    u, v = rng.normal(size=(2, 3, 2))
    lu, lv = f_jvp(fnp.array(u)), f_jvp(fnp.array(v))
    np.testing.assert_allclose(np.asarray(f_jvp(fnp.array(2 * u - 3 * v))),
                               2 * np.asarray(lu) - 3 * np.asarray(lv), rtol=1e-10, atol=1e-12)
    yj, tj = fg.jvp(f, (x,), (fnp.array(u),))
    np.testing.assert_allclose(np.asarray(lu), np.asarray(tj), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(y), np.asarray(yj))


def test_linearize_jaxpr_has_no_primal_operations():
    y, f_jvp = fg.linearize(lambda x: fnp.sin(fnp.exp(x)), fnp.ones(3))
    names = [e.prim.name for e in f_jvp.jaxpr.eqns]
    assert "sin" not in names and "exp" not in names and "cos" not in names
    assert len(f_jvp.jaxpr.jaxpr.invars) == 1


# ---- evaluating -------------------------------------------------------------------------------

def test_closed_jaxpr_call_equals_eager_for_new_inputs():
    f = lambda x, y: fnp.sum(fnp.sin(x) * y, axis=0) + fnp.max(y)  # noqa: E731
    closed = fg.make_jaxpr(f)(fnp.zeros((3, 2)), fnp.zeros((3, 2)))
    rng = np.random.default_rng(1)
    a, b = fnp.array(rng.normal(size=(3, 2))), fnp.array(rng.normal(size=(3, 2)))
    (out,) = closed(a, b)
    np.testing.assert_allclose(np.asarray(out), np.asarray(f(a, b)), rtol=1e-14)
    with pytest.raises(TypeError):
        closed(a)


def test_closed_jaxpr_is_differentiable():
    f = lambda x: fnp.sum(fnp.sin(x) ** 2)  # noqa: E731
    x = fnp.array([0.3, 1.2])
    closed = fg.make_jaxpr(f)(x)
    g = fg.grad(lambda x: closed(x)[0])(x)
    np.testing.assert_allclose(np.asarray(g), np.asarray(fg.grad(f)(x)), rtol=1e-14)
