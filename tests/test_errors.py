"""Each error class, by its message: what went wrong (shapes, dtypes, argument names), where (the
user's own line), the fix as code, and a link to its entry in docs/errors.md."""
import inspect
import os
import re

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ERRORS_MD = os.path.join(REPO, "docs", "errors.md")

# every anchor a message in this file links to (checked against docs/errors.md at the end)
ANCHORS = set()


def raises(cls, fn, anchor):
    """Run fn, expect `cls`, check the doc link, and return the message."""
    with pytest.raises(cls) as info:
        fn()
    assert type(info.value) is cls
    msg = str(info.value)
    link = f"docs/errors.md#{anchor}"
    assert link in msg, msg
    ANCHORS.add(anchor)
    assert "Tracer" not in msg.replace("UnexpectedTracerError", "").replace(
        "TracerArrayConversionError", ""), msg  # no internal class leaks
    return msg


def this_line(offset=0):
    """'test_errors.py:<line>' of the caller's line (+ offset)."""
    f = inspect.currentframe().f_back
    return f"test_errors.py:{f.f_lineno + offset}"


def test_error_hierarchy():
    for cls in (fg.ConcretizationError, fg.UnexpectedTracerError, fg.ShapeError,
                fg.JaxprTypeError, fg.InPlaceUpdateError, fg.GradInputError,
                fg.GradOutputError, fg.TracerArrayConversionError):
        assert issubclass(cls, fg.FuncgradError)
    for cls in (fg.InPlaceUpdateError, fg.GradInputError, fg.GradOutputError,
                fg.ConcretizationError, fg.TracerArrayConversionError, fg.JaxprTypeError):
        assert issubclass(cls, TypeError)
    assert issubclass(fg.ShapeError, ValueError)


# ---- GradOutputError ----------------------------------------------------------------------------

def test_grad_of_non_scalar_output():
    def predict(w):
        return w * 2.0
    msg = raises(fg.GradOutputError, lambda: fg.grad(predict)(fnp.ones((3, 2))),
                 "gradoutputerror")
    assert "shape (3, 2)" in msg and "float64" in msg
    assert "predict(x).sum()" in msg          # the fix: reduce to a scalar
    assert "fg.jacrev(predict)" in msg        # or the full Jacobian
    assert "fg.vjp(predict" in msg
    assert "fg.grad(predict)(fnp.ones((3, 2)))" in msg  # the user's line


def test_grad_of_non_scalar_output_value_and_grad_too():
    msg = raises(fg.GradOutputError, lambda: fg.value_and_grad(lambda x: x[:2])(fnp.ones(3)),
                 "gradoutputerror")
    assert "(2,)" in msg and ".sum()" in msg


def test_grad_of_a_tuple_output_suggests_has_aux():
    msg = raises(fg.GradOutputError, lambda: fg.grad(lambda x: (x, x))(3.0), "gradoutputerror")
    assert "tuple" in msg and "has_aux=True" in msg


def test_grad_of_an_integer_output():
    msg = raises(fg.GradOutputError, lambda: fg.grad(lambda x: fnp.argmax(x))(fnp.ones(3)),
                 "gradoutputerror")
    assert "int64" in msg and "float" in msg


# ---- GradInputError ----------------------------------------------------------------------------

def test_grad_of_an_integer_input():
    def loss(w, n):
        return w * n
    msg = raises(fg.GradInputError, lambda: fg.grad(loss, argnums=1)(2.0, 3), "gradinputerror")
    assert "`n`" in msg and "int64" in msg
    assert "allow_int=True" in msg
    assert "3.0" in msg  # the fix: pass a float


def test_grad_input_error_names_the_leaf_in_a_pytree():
    msg = raises(fg.GradInputError,
                 lambda: fg.grad(lambda p: p["w"] * 2.0)({"w": fnp.array(1), "b": 1.0}),
                 "gradinputerror")
    assert "p['w']" in msg and "allow_int" in msg


def test_grad_of_a_boolean_input():
    msg = raises(fg.GradInputError, lambda: fg.grad(lambda b: 1.0)(fnp.array([True])),
                 "gradinputerror")
    assert "bool" in msg


# ---- InPlaceUpdateError -------------------------------------------------------------------------

def test_in_place_update():
    x = fnp.zeros((3, 4))

    def write():
        x[1, 2:] = 5.0
    msg = raises(fg.InPlaceUpdateError, write, "inplaceupdateerror")
    assert "x = x.at[1, 2:].set(value)" in msg
    assert "x[1, 2:] = 5.0" in msg  # the user's line
    assert "(3, 4)" in msg
    assert isinstance(fg.InPlaceUpdateError("m"), TypeError)


# ---- ShapeError ---------------------------------------------------------------------------------

def test_binary_op_shape_mismatch_names_both_shapes():
    a, b = fnp.ones((2, 3)), fnp.ones((4,))
    msg = raises(fg.ShapeError, lambda: a + b, "shapeerror")
    assert "(2, 3)" in msg and "(4,)" in msg and "add" in msg
    assert "a + b" in msg  # the user's line
    msg = raises(fg.ShapeError, lambda: fnp.multiply(a, fnp.ones((3, 1))), "shapeerror")
    assert "(2, 3)" in msg and "(3, 1)" in msg


def test_shape_mismatch_under_transforms_is_the_same_error():
    def f(x):
        return fnp.sum(x + fnp.ones(4))
    msg = raises(fg.ShapeError, lambda: fg.grad(f)(fnp.ones(3)), "shapeerror")
    assert "(3,)" in msg and "(4,)" in msg and "x + fnp.ones(4)" in msg
    msg = raises(fg.ShapeError, lambda: fg.make_jaxpr(f)(fnp.ones(3)), "shapeerror")
    assert "(3,)" in msg and "(4,)" in msg


def test_matmul_and_dot_mismatch_names_both_shapes():
    a, b = fnp.ones((2, 3)), fnp.ones((2, 5))
    msg = raises(fg.ShapeError, lambda: a @ b, "shapeerror")
    assert "(2, 3)" in msg and "(2, 5)" in msg and "matmul" in msg
    assert "b.T" in msg or "transpose" in msg
    msg = raises(fg.ShapeError, lambda: fnp.dot(a, b), "shapeerror")
    assert "(2, 3)" in msg and "(2, 5)" in msg and "dot" in msg
    msg = raises(fg.ShapeError, lambda: fnp.matmul(fnp.ones((4, 2, 3)), fnp.ones((5, 2))),
                 "shapeerror")
    assert "(4, 2, 3)" in msg and "(5, 2)" in msg
    msg = raises(fg.ShapeError, lambda: fnp.ones(3) @ fnp.ones(4), "shapeerror")
    assert "(3,)" in msg and "(4,)" in msg


def test_reshape_mismatch():
    msg = raises(fg.ShapeError, lambda: fnp.ones((2, 3)).reshape(4, 2), "shapeerror")
    assert "(2, 3)" in msg and "(4, 2)" in msg


# ---- ConcretizationError ------------------------------------------------------------------------

def test_if_on_a_traced_value_under_make_jaxpr():
    def f(x):
        if x > 0:
            return x
        return -x
    # JAX's class for bool() of a tracer (a ConcretizationError, so older handlers catch it)
    msg = raises(fg.errors.TracerBoolConversionError, lambda: fg.make_jaxpr(f)(1.0),
                 "concretizationerror")
    assert "`x`" in msg                  # the argument
    assert "if x > 0:" in msg            # the user's source line
    assert "test_errors.py" in msg
    assert "fnp.where" in msg            # the fix
    assert "make_jaxpr" in msg


def test_concretization_names_the_pytree_leaf_and_conversion():
    def f(params, n):
        return float(params["w"]) * n
    msg = raises(fg.errors.ConcretizationTypeError,
                 lambda: fg.make_jaxpr(f)({"w": 1.0, "b": 2.0}, 3.0), "concretizationerror")
    assert "params['w']" in msg and "params['b']" not in msg and "`n`" not in msg
    assert "float()" in msg
    assert 'float(params["w"]) * n' in msg


def test_concretization_for_index_and_loop_bounds():
    msg = raises(fg.errors.TracerIntegerConversionError,
                 lambda: fg.make_jaxpr(lambda x, i: x[0] * list(range(5))[i])(fnp.ones(3), 2),
                 "concretizationerror")
    assert "`i`" in msg and "index" in msg


def test_static_argnums_avoid_the_error():
    def f(x, n):
        return x * 2.0 if n > 0 else x
    assert len(fg.make_jaxpr(f, static_argnums=1)(1.0, 3).eqns) == 1


# ---- UnexpectedTracerError ----------------------------------------------------------------------

def test_tracer_leaked_out_of_grad_via_a_list():
    kept = []

    def loss(w):
        h = w * 3.0
        kept.append(h)
        return h ** 2
    created = this_line(1)
    fg.grad(loss)(2.0)
    leaked = kept[0]

    def use():
        return leaked + 1.0
    msg = raises(fg.UnexpectedTracerError, use, "unexpectedtracererror")
    assert "grad" in msg
    assert created in msg                     # where the transform that created it was called
    assert "fg.grad(loss)(2.0)" in msg
    assert "leaked + 1.0" in msg              # where it was used
    assert "has_aux=True" in msg              # the fix: return it


def test_tracer_leaked_out_of_make_jaxpr_and_vjp():
    kept = []
    fg.make_jaxpr(lambda x: kept.append(fnp.sin(x)) or x)(1.0)
    msg = raises(fg.UnexpectedTracerError, lambda: fnp.cos(kept[0]), "unexpectedtracererror")
    assert "make_jaxpr" in msg and "cos" in msg


# ---- TracerArrayConversionError -----------------------------------------------------------------

def test_np_asarray_of_a_tracer_inside_grad():
    def f(x):
        return float(np.asarray(x).sum())
    msg = raises(fg.TracerArrayConversionError, lambda: fg.grad(f)(fnp.ones(3)),
                 "tracerarrayconversionerror")
    assert "f64[3]" in msg and "grad" in msg
    assert "np.asarray(x).sum()" in msg         # the user's line
    assert "funcgrad.numpy" in msg or "fnp." in msg


def test_np_array_of_a_tracer_inside_make_jaxpr():
    msg = raises(fg.TracerArrayConversionError,
                 lambda: fg.make_jaxpr(lambda x: np.array(x))(fnp.ones(2)),
                 "tracerarrayconversionerror")
    assert "make_jaxpr" in msg


# ---- the documentation ------------------------------------------------------------------------

def _github_slug(heading):
    s = heading.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def _doc_anchors(text):
    anchors, fenced = set(), False
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        if fenced:
            continue  # a `# comment` in a code block is no heading
        m = re.match(r"^#{1,6}\s+(.*?)\s*$", line)
        if m:
            h = m.group(1)
            explicit = re.search(r"\{#([\w\-]+)\}\s*$", h)
            if explicit:
                anchors.add(explicit.group(1))
                h = h[:explicit.start()]
            anchors.add(_github_slug(re.sub(r"[`*]", "", h)))
        anchors.update(re.findall(r'<a\s+(?:id|name)="([\w\-]+)"', line))
    return anchors


ALL_ANCHORS = {"gradoutputerror", "gradinputerror", "inplaceupdateerror", "shapeerror",
               "concretizationerror", "unexpectedtracererror", "tracerarrayconversionerror",
               "jaxprtypeerror"}


def test_docs_have_a_heading_for_every_linked_anchor():
    # the anchors this file's messages link to are all known ones
    assert ANCHORS <= ALL_ANCHORS
    if not os.path.exists(ERRORS_MD):
        pytest.skip("docs/errors.md is not written yet")
    with open(ERRORS_MD, encoding="utf-8") as f:
        anchors = _doc_anchors(f.read())
    missing = sorted(ALL_ANCHORS - anchors)
    assert not missing, f"docs/errors.md has no heading for {missing}"
