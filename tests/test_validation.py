"""Validation of every argument class at the funcgrad API boundary (issue #20).

One row per bad call: the call (written once, against a namespace `m` that is either funcgrad or
JAX), the exception class funcgrad must raise, and a fragment of the message that names the
argument. The differential part runs the same call in real JAX and asserts funcgrad's exception
is an instance of JAX's class; each deliberate difference is a row with `jax=` naming what JAX
does and why funcgrad differs (docs/errors.md#differences-from-jax lists them). The eager and
jitted forms of the calls that can run under jit raise the same class.
"""
from __future__ import annotations

import types
import warnings
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad._core.validate import check_bool, normalize_axes, normalize_axis, shape_tuple

FG = types.SimpleNamespace(api=fg, np=fnp, lax=fg.lax, nn=fg.nn, random=fg.random)


def _sq(x):
    return (x ** 2).sum()


def _mul(a, b):
    return (a * b).sum()


@dataclass
class Row:
    id: str
    call: Callable[[Any], Any]
    cls: type
    fragment: str
    # None: JAX raises a class funcgrad's is an instance of. Otherwise the reason funcgrad
    # deliberately differs (JAX accepts the call, or raises a class by accident of its internals).
    jax: str | None = None


def R(id, call, cls, fragment, jax=None):
    return Row(id, call, cls, fragment, jax)


IMG, KER = (1, 1, 5, 5), (1, 1, 3, 3)

ROWS = [
    # ---- shapes and sizes -------------------------------------------------------------------
    R("zeros float size", lambda m: m.np.zeros(2.5), TypeError, "`shape` must hold integers"),
    R("zeros str size", lambda m: m.np.zeros("3"), TypeError, "`shape` must be an int"),
    R("zeros negative", lambda m: m.np.zeros(-1), TypeError, "negative size"),
    R("ones float in tuple", lambda m: m.np.ones((2, 3.0)), TypeError, "must hold integers"),
    R("empty negative", lambda m: m.np.empty((2, -1)), TypeError, "negative size"),
    R("full negative", lambda m: m.np.full(-2, 1.0), TypeError, "negative size"),
    R("eye float", lambda m: m.np.eye(2.5), TypeError, "must hold integers"),
    R("reshape float", lambda m: m.np.ones(6).reshape(2.0, 3), TypeError, "must hold integers"),
    R("reshape two -1", lambda m: m.np.ones(6).reshape(-1, -1), TypeError, "only infer one"),
    R("broadcast_to negative", lambda m: m.np.broadcast_to(m.np.ones(3), (-1, 3)), TypeError,
      "negative size"),
    R("lax.reshape float", lambda m: m.lax.reshape(m.np.ones(6), (2.0, 3)), TypeError,
      "`new_sizes` must hold integers"),
    R("random.normal float shape", lambda m: m.random.normal(m.random.PRNGKey(0), (2.5,)),
      TypeError, "must hold integers"),
    R("random.uniform str shape", lambda m: m.random.uniform(m.random.PRNGKey(0), "3"),
      TypeError, "`shape` must be an int"),
    R("random.normal negative", lambda m: m.random.normal(m.random.PRNGKey(0), (-1,)),
      ValueError, "negative size", jax="JAX fails in its MLIR verifier (MLIRError)"),
    R("tile negative reps", lambda m: m.np.tile(m.np.ones(2), -1), ValueError, "`reps`",
      jax="JAX fails in its MLIR verifier (MLIRError)"),
    R("zeros more than int64", lambda m: m.np.zeros((2 ** 40, 2 ** 40)), ValueError,
      "more elements than int64", jax="JAX aborts the whole process (an uncaught C++ error)"),
    R("zeros more than memory", lambda m: m.np.zeros((2 ** 20, 2 ** 20)), MemoryError,
      "more than this machine's", jax="JAX asks XLA to allocate 8 TiB"),
    R("random.normal more than memory",
      lambda m: m.random.normal(m.random.PRNGKey(0), (2 ** 20, 2 ** 20)), MemoryError,
      "more than this machine's", jax="JAX asks XLA to allocate 8 TiB"),
    R("arange more than memory", lambda m: m.np.arange(2 ** 45), MemoryError,
      "more than this machine's", jax="JAX asks XLA to allocate 256 TiB"),
    R("dynamic_slice float size", lambda m: m.lax.dynamic_slice(m.np.arange(3), (0,), (1.5,)),
      TypeError, "`slice_sizes` must hold integers"),
    R("dynamic_slice negative size", lambda m: m.lax.dynamic_slice(m.np.arange(3), (0,), (-1,)),
      TypeError, "negative size"),
    # ---- axes ---------------------------------------------------------------------------------
    R("sum axis out of range", lambda m: m.np.sum(m.np.ones((2, 3)), axis=2), ValueError,
      "axis 2 is out of bounds"),
    R("sum negative axis out of range", lambda m: m.np.sum(m.np.ones((2, 3)), axis=-3),
      ValueError, "axis -3 is out of bounds"),
    R("sum repeated axis", lambda m: m.np.sum(m.np.ones((2, 3)), axis=(0, -2)), ValueError,
      "repeated axis"),
    R("sum float axis", lambda m: m.np.sum(m.np.ones((2, 3)), axis=1.0), TypeError,
      "`axis` must be an integer"),
    R("sum str axis", lambda m: m.np.sum(m.np.ones((2, 3)), axis="0"), TypeError,
      "`axis` must be an integer", jax="JAX takes a string axis for a named (pmap) axis and "
      "raises NameError outside one"),
    R("mean axis out of range", lambda m: m.np.mean(m.np.ones((2, 3)), axis=5), IndexError,
      "axis 5 is out of bounds"),
    R("argmax axis out of range", lambda m: m.np.argmax(m.np.ones((2, 3)), axis=5), IndexError,
      "axis 5"),
    R("max axis out of range", lambda m: m.np.max(m.np.ones((2, 3)), axis=5), ValueError, "axis 5"),
    R("cumsum axis out of range", lambda m: m.np.cumsum(m.np.ones((2, 3)), axis=5), ValueError,
      "axis 5"),
    R("concatenate axis", lambda m: m.np.concatenate([m.np.ones(2), m.np.ones(2)], axis=1),
      ValueError, "axis 1"),
    R("stack axis", lambda m: m.np.stack([m.np.ones(2), m.np.ones(2)], axis=3), ValueError,
      "axis 3"),
    R("expand_dims axis", lambda m: m.np.expand_dims(m.np.ones(2), 3), ValueError, "axis 3"),
    R("squeeze axis", lambda m: m.np.squeeze(m.np.ones((1, 2)), 3), ValueError, "axis 3"),
    R("squeeze size not 1", lambda m: m.np.squeeze(m.np.ones((1, 2)), 1), ValueError, "size 1"),
    R("transpose repeated", lambda m: m.np.transpose(m.np.ones((2, 3)), (0, 0)), TypeError,
      "not a permutation"),
    R("moveaxis", lambda m: m.np.moveaxis(m.np.ones((2, 3)), 0, 5), ValueError, "axis 5"),
    R("swapaxes", lambda m: m.np.swapaxes(m.np.ones((2, 3)), 0, 5), IndexError, "axis 5"),
    R("flip", lambda m: m.np.flip(m.np.ones((2, 3)), 5), ValueError, "axis 5"),
    R("take axis", lambda m: m.np.take(m.np.ones((2, 3)), 0, axis=5), ValueError, "axis 5"),
    R("softmax axis", lambda m: m.nn.softmax(m.np.ones((2, 3)), axis=5), ValueError, "axis 5"),
    R("logsumexp axis", lambda m: m.nn.logsumexp(m.np.ones((2, 3)), axis=5), ValueError,
      "axis 5"),
    R("lax.reduce_sum axes", lambda m: m.lax.reduce_sum(m.np.ones((2, 3)), (5,)), ValueError,
      "axis 5"),
    R("lax.reduce_sum float axis", lambda m: m.lax.reduce_sum(m.np.ones((2, 3)), (1.0,)),
      TypeError, "`axes` must be an integer"),
    R("lax.expand_dims float axis", lambda m: m.lax.expand_dims(m.np.ones(2), (0.5,)), TypeError,
      "`axes` must be an integer"),
    R("lax.transpose permutation", lambda m: m.lax.transpose(m.np.ones((2, 3)), (0, 0)),
      TypeError, "not a permutation"),
    R("one_hot axis", lambda m: m.nn.one_hot(m.np.arange(3), 3, axis=4), ValueError, "axis 4",
      jax="JAX accepts it and returns the one-hot axis last"),
    # ---- indices and slice bounds ---------------------------------------------------------------
    R("float index", lambda m: m.np.arange(3)[1.0], TypeError, "integer or boolean"),
    R("float index is IndexError", lambda m: m.np.arange(3)[1.0], IndexError,
      "integer or boolean", jax="numpy's class: IndexTypeError is both"),
    R("string index", lambda m: m.np.arange(3)["a"], TypeError, "integer or boolean"),
    R("float slice bound", lambda m: m.np.arange(3)[1.5:], TypeError, "slice bounds must be"),
    R("slice step 0", lambda m: m.np.arange(3)[::0], ValueError, "step"),
    R("too many indices", lambda m: m.np.arange(3)[0, 0], IndexError, "too many indices"),
    R(".at float index", lambda m: m.np.arange(3).at[1.0].set(1), TypeError, "integer"),
    # (an index out of bounds clamps reads and drops updates, as in JAX: tests/test_at_jax.py)
    R("dynamic_slice starts length", lambda m: m.lax.dynamic_slice(m.np.arange(3), (0, 0), (1,)),
      ValueError, "one integer scalar start index per axis"),
    R("dynamic_slice size too big", lambda m: m.lax.dynamic_slice(m.np.arange(3), (0,), (5,)),
      TypeError, "do not fit"),
    R("dynamic_update_slice update too big",
      lambda m: m.lax.dynamic_update_slice(m.np.arange(3), m.np.arange(5), (0,)), TypeError,
      "does not fit"),
    R("lax.slice limit out of bounds", lambda m: m.lax.slice(m.np.arange(3), (0,), (5,)),
      TypeError, "do not fit"),
    R("lax.slice float start", lambda m: m.lax.slice(m.np.arange(3), (0.5,), (2,)), TypeError,
      "`start_indices` must be an integer"),
    R("lax.transpose float permutation", lambda m: m.lax.transpose(m.np.ones((2, 3)), (1.0, 0)),
      TypeError, "`permutation` must be an integer"),
    R("lax.slice stride 0", lambda m: m.lax.slice(m.np.arange(3), (0,), (2,), (0,)), ValueError,
      "stride >= 1", jax="JAX divides by the stride: ZeroDivisionError"),
    # ---- control flow ----------------------------------------------------------------------------
    R("fori_loop float bound", lambda m: m.lax.fori_loop(0, 2.5, lambda i, c: c, 0.0), TypeError,
      "`upper` must be an integer"),
    R("fori_loop str bound", lambda m: m.lax.fori_loop(0, "3", lambda i, c: c, 0.0), TypeError,
      "`upper`"),
    R("fori_loop float bounds", lambda m: m.lax.fori_loop(0.0, 2.5, lambda i, c: c + 1, 0.0),
      TypeError, "`lower` must be an integer", jax="JAX loops over floats 0.0, 1.0, 2.0; an "
      "integer step count is meant, so funcgrad asks for one"),
    R("fori_loop body not callable", lambda m: m.lax.fori_loop(0, 3, 5, 0.0), TypeError,
      "`body_fun` must be callable"),
    R("scan length disagrees", lambda m: m.lax.scan(lambda c, x: (c, x), 0.0, m.np.ones(3),
                                                  length=4), ValueError, "length"),
    R("scan xs lengths disagree",
      lambda m: m.lax.scan(lambda c, x: (c, x), 0.0, (m.np.ones(3), m.np.ones(4))), ValueError,
      "disagree"),
    R("scan no xs no length", lambda m: m.lax.scan(lambda c, x: (c, x), 0.0, None), ValueError,
      "length"),
    R("scan negative length", lambda m: m.lax.scan(lambda c, x: (c, c), 0.0, None, length=-1),
      ValueError, "`length` must be >= 0", jax="JAX fails in its MLIR verifier (MLIRError)"),
    R("scan float length", lambda m: m.lax.scan(lambda c, x: (c, c), 0.0, None, length=2.5),
      TypeError, "`length` must be an integer", jax="JAX fails in its MLIR verifier"),
    R("scan f not callable", lambda m: m.lax.scan(3, 0.0, m.np.ones(3)), TypeError,
      "`f` must be callable"),
    R("scan scalar xs", lambda m: m.lax.scan(lambda c, x: (c, x), 0.0, m.np.float64(1.0)),
      ValueError, "leading axis", jax="JAX raises an internal IndexError (tuple index)"),
    R("while_loop cond not callable", lambda m: m.lax.while_loop(1, lambda c: c, 0), TypeError,
      "`cond_fun` must be callable"),
    R("while_loop body not callable", lambda m: m.lax.while_loop(lambda c: c < 3, 1, 0),
      TypeError, "`body_fun` must be callable"),
    R("while_loop non-scalar predicate",
      lambda m: m.lax.while_loop(lambda c: m.np.ones(2) > 0, lambda c: c, 0), TypeError,
      "scalar boolean"),
    R("map f not callable", lambda m: m.lax.map(3, m.np.ones(3)), TypeError, "callable"),
    R("map xs disagree", lambda m: m.lax.map(lambda x: x, (m.np.ones(3), m.np.ones(4))),
      ValueError, "disagree"),
    R("switch float index", lambda m: m.lax.switch(1.5, [lambda: 0.0, lambda: 1.0]), TypeError,
      "integer"),
    R("switch no branches", lambda m: m.lax.switch(0, []), ValueError, "at least one branch"),
    R("switch branch not callable", lambda m: m.lax.switch(0, [1, 2]), TypeError,
      "`branches[0]` must be callable"),
    R("cond branch not callable", lambda m: m.lax.cond(True, 1, 2), TypeError,
      "`true_fun` must be callable"),
    R("cond non-scalar predicate",
      lambda m: m.lax.cond(m.np.ones(2) > 0, lambda: 0.0, lambda: 1.0), TypeError, "scalar"),
    # ---- callables ------------------------------------------------------------------------------
    *[R(f"{t} of a non-callable", (lambda t: lambda m: getattr(m.api, t)(3))(t), TypeError,
        f"{t if t not in ('jacobian',) else 'jacrev'}: `fun` must be callable")
      for t in ("grad", "value_and_grad", "jacrev", "jacfwd", "jacobian", "hessian", "vmap",
                "jit")],
    R("make_jaxpr of a non-callable", lambda m: m.api.make_jaxpr(3), TypeError,
      "`fun` must be callable"),
    R("vjp of a non-callable", lambda m: m.api.vjp(3, 1.0), TypeError, "`fun` must be callable"),
    R("jvp of a non-callable", lambda m: m.api.jvp(3, (1.0,), (1.0,)), TypeError,
      "`fun` must be callable"),
    R("linearize of a non-callable", lambda m: m.api.linearize(3, 1.0), TypeError,
      "`fun` must be callable"),
    *[R(f"{t} of a non-callable", (lambda t: lambda m: getattr(m.api, t)(3))(t), TypeError,
        f"{'checkpoint' if t == 'remat' else t}: `fun` must be callable",
        jax="JAX accepts it and fails at the first call")
      for t in ("checkpoint", "remat", "custom_jvp", "custom_vjp")],
    # ---- argnums, static_argnums, static_argnames, in_axes, out_axes -----------------------------
    R("grad argnums out of range", lambda m: m.api.grad(_sq, argnums=1)(m.np.ones(2)),
      TypeError, "argnums=1 refers to argument 1"),
    R("grad negative argnums out of range", lambda m: m.api.grad(_sq, argnums=-2)(m.np.ones(2)),
      ValueError, "argnums=-2"),
    R("grad float argnums", lambda m: m.api.grad(_sq, argnums=0.0)(m.np.ones(2)), TypeError,
      "`argnums` must be an int"),
    R("grad str argnums", lambda m: m.api.grad(_sq, argnums="0")(m.np.ones(2)), TypeError,
      "`argnums` must be an int"),
    R("grad repeated argnums",
      lambda m: m.api.grad(_mul, argnums=(0, 0))(m.np.ones(2), m.np.ones(2)), TypeError,
      "repeats an argument"),
    R("grad argnums naming one argument twice",
      lambda m: m.api.grad(_mul, argnums=(0, -2))(m.np.ones(2), m.np.ones(2)), TypeError,
      "names one argument twice"),
    R("grad empty argnums", lambda m: m.api.grad(_sq, argnums=())(m.np.ones(2)), ValueError,
      "names no argument"),
    R("grad bool argnums", lambda m: m.api.grad(_sq, True)(m.np.ones(2)), TypeError, "has_aux",
      jax="JAX takes True as argnums=1; it is almost always has_aux passed by position"),
    R("grad str has_aux", lambda m: m.api.grad(_sq, has_aux="False")(m.np.ones(2)), TypeError,
      "`has_aux` must be True or False", jax="JAX takes any truthy value"),
    R("jacrev argnums", lambda m: m.api.jacrev(_sq, argnums=1)(m.np.ones(2)), ValueError,
      "argnums=1"),
    R("jacfwd argnums", lambda m: m.api.jacfwd(_sq, argnums=1)(m.np.ones(2)), ValueError,
      "argnums=1"),
    R("hessian argnums", lambda m: m.api.hessian(_sq, argnums=1)(m.np.ones(2)), ValueError,
      "argnums=1"),
    R("jit static_argnums out of range", lambda m: m.api.jit(lambda x: x, static_argnums=1),
      ValueError, "static_argnums=(1,)"),
    R("jit static_argnums float", lambda m: m.api.jit(lambda x: x, static_argnums=0.5),
      TypeError, "`static_argnums` must be an int"),
    R("jit static_argnums str", lambda m: m.api.jit(lambda x: x, static_argnums="x"), TypeError,
      "`static_argnums` must be an int"),
    R("jit static_argnames int", lambda m: m.api.jit(lambda x: x, static_argnames=0), TypeError,
      "`static_argnames` must be a str"),
    R("jit static_argnames unknown", lambda m: m.api.jit(lambda x: x, static_argnames="y"),
      ValueError, "'y', which is not a parameter"),
    R("vmap in_axes out of range", lambda m: m.api.vmap(lambda x: x, in_axes=1)(m.np.ones(3)),
      ValueError, "in_axes=1 is out of range"),
    R("vmap in_axes float", lambda m: m.api.vmap(lambda x: x, in_axes=0.0), TypeError,
      "in_axes entries must be ints or None"),
    R("vmap in_axes str", lambda m: m.api.vmap(lambda x: x, in_axes="0"), TypeError,
      "in_axes entries must be ints or None"),
    R("vmap in_axes too many",
      lambda m: m.api.vmap(lambda x, y: x, in_axes=(0, 0, 0))(m.np.ones(3), m.np.ones(3)),
      ValueError, "in_axes has 3 entries"),
    R("vmap in_axes tree", lambda m: m.api.vmap(lambda x: x["a"], in_axes=({"b": 0},))(
        {"a": m.np.ones(3)}), ValueError, "does not match the structure"),
    R("vmap out_axes out of range", lambda m: m.api.vmap(lambda x: x, out_axes=2)(m.np.ones(3)),
      ValueError, "out_axes=2 is out of range"),
    R("vmap out_axes float", lambda m: m.api.vmap(lambda x: x, out_axes=1.0), TypeError,
      "out_axes entries must be ints or None"),
    R("vmap out_axes tree", lambda m: m.api.vmap(lambda x: x, out_axes=(0, 0))(m.np.ones(3)),
      ValueError, "does not match the structure"),
    R("vmap sizes disagree", lambda m: m.api.vmap(lambda x, y: x + y)(m.np.ones(3), m.np.ones(4)),
      ValueError, "inconsistent sizes"),
    R("vmap nothing mapped", lambda m: m.api.vmap(lambda x: x, in_axes=None)(m.np.ones(3)),
      ValueError, "at least one"),
    R("vmap of a scalar", lambda m: m.api.vmap(lambda x: x)(1.0), ValueError, "out of range"),
    # ---- config ----------------------------------------------------------------------------------
    R("config x64 as a string", lambda m: m.api.config.update("jax_enable_x64", "False"),
      TypeError, "must be True or False", jax="JAX takes the string 'False' as true and "
      "turns 64-bit types on"),
    R("config debug_nans as a string", lambda m: m.api.config.update("jax_debug_nans", "yes"),
      TypeError, "must be True or False", jax="JAX takes any truthy value"),
    R("config debug_nans as an int", lambda m: m.api.config.update("jax_debug_nans", 1),
      TypeError, "must be True or False", jax="JAX takes any truthy value"),
    R("config unknown option", lambda m: m.api.config.update("jax_no_such_flag", True),
      AttributeError, "unknown config option"),
    # ---- devices ---------------------------------------------------------------------------------
    R("device_put unknown platform", lambda m: m.api.device_put(m.np.ones(2), "tpu"), ValueError,
      "tpu"),
    R("device_put 'banana'", lambda m: m.api.device_put(m.np.ones(2), "banana"), ValueError,
      "banana"),
    R("device_put 'cpu:7'", lambda m: m.api.device_put(m.np.ones(2), "cpu:7"), ValueError,
      "'cpu:7' does not exist"),
    R("device_put 'gpu:7'", lambda m: m.api.device_put(m.np.ones(2), "gpu:7"), ValueError,
      "gpu"),
    R("device_put a string", lambda m: m.api.device_put("abc"), TypeError, "not array data"),
    R("device_put an int", lambda m: m.api.device_put(m.np.ones(2), 3), ValueError, "3"),
    # ---- cotangents and tangents -----------------------------------------------------------------
    R("vjp cotangent shape", lambda m: m.api.vjp(lambda x: x * 2, m.np.ones(3))[1](m.np.ones(4)),
      ValueError, "cotangent of shape (4,)"),
    R("vjp cotangent int dtype", lambda m: m.api.vjp(lambda x: x * 2, m.np.ones(3))[1](
        m.np.ones(3, dtype=m.np.int32)), ValueError, "cotangent of dtype int32"),
    R("vjp cotangent float32 for float64", lambda m: m.api.vjp(lambda x: x * 2, m.np.ones(3))[1](
        m.np.ones(3, dtype=m.np.float32)), ValueError, "cotangent of dtype float32"),
    R("vjp cotangent tree", lambda m: m.api.vjp(lambda x: x * 2, m.np.ones(3))[1](
        (m.np.ones(3), m.np.ones(3))), ValueError, "structure"),
    R("jvp tangent shape", lambda m: m.api.jvp(lambda x: x * 2, (m.np.ones(3),),
                                                (m.np.ones(4),)), ValueError, "tangent 0"),
    R("jvp tangent dtype", lambda m: m.api.jvp(lambda x: x * 2, (m.np.ones(3),),
                                                (m.np.ones(3, dtype=m.np.float32),)),
      TypeError, "tangent 0"),
    R("jvp primals not a tuple", lambda m: m.api.jvp(lambda x: x, m.np.ones(3), m.np.ones(3)),
      TypeError, "tuples or lists"),
    # ---- convolution and pooling -------------------------------------------------------------
    R("conv stride 0", lambda m: m.lax.conv(m.np.ones(IMG), m.np.ones(KER), (0, 0), "VALID"),
      ValueError, "`window_strides` must be a positive integer"),
    R("conv negative stride", lambda m: m.lax.conv(m.np.ones(IMG), m.np.ones(KER), (-1, 1),
                                                   "VALID"), ValueError, "positive"),
    R("conv strides length", lambda m: m.lax.conv(m.np.ones(IMG), m.np.ones(KER), (1,), "VALID"),
      ValueError, "`window_strides` has 1 entries"),
    R("conv padding string", lambda m: m.lax.conv(m.np.ones(IMG), m.np.ones(KER), (1, 1), "FOO"),
      ValueError, "padding must be 'SAME'", jax="JAX raises RuntimeError from its C++ layer; a "
      "bad argument value is a ValueError"),
    R("conv padding pairs count", lambda m: m.lax.conv(m.np.ones(IMG), m.np.ones(KER), (1, 1),
                                                       [(0, 0)]), TypeError, "1 (low, high) pairs"),
    R("conv padding pair shape", lambda m: m.lax.conv(m.np.ones(IMG), m.np.ones(KER), (1, 1),
                                                      [(0, 0, 0), (0, 0)]), ValueError,
      "(low, high) pairs"),
    R("conv rhs_dilation 0", lambda m: m.lax.conv_general_dilated(
        m.np.ones(IMG), m.np.ones(KER), (1, 1), "VALID", rhs_dilation=(0, 1)), TypeError,
      "`rhs_dilation` must be a positive integer"),
    R("conv feature_group_count 0", lambda m: m.lax.conv_general_dilated(
        m.np.ones((1, 2, 5, 5)), m.np.ones(KER), (1, 1), [(0, 0)] * 2, feature_group_count=0),
      ValueError, "`feature_group_count` must be a positive integer"),
    R("conv channels disagree", lambda m: m.lax.conv_general_dilated(
        m.np.ones((1, 2, 5, 5)), m.np.ones(KER), (1, 1), [(0, 0)] * 2), ValueError,
      "input channels 2"),
    R("conv ranks disagree", lambda m: m.lax.conv_general_dilated(
        m.np.ones((1, 1, 5)), m.np.ones(KER), (1, 1), [(0, 0)] * 2), TypeError, "same rank"),
    # ---- dtypes that make no sense for an op -----------------------------------------------------
    R("sigmoid of integers", lambda m: m.nn.sigmoid(m.np.arange(3)), TypeError,
      "sigmoid does not accept dtype int64"),
    R("silu of integers", lambda m: m.nn.silu(m.np.arange(3)), TypeError,
      "silu does not accept dtype int64"),
    R("one_hot float num_classes", lambda m: m.nn.one_hot(m.np.arange(3), 2.5), TypeError,
      "`num_classes` must be an integer"),
    R("one_hot negative num_classes", lambda m: m.nn.one_hot(m.np.arange(3), -1), ValueError,
      "`num_classes` must be >= 0", jax="JAX raises TypeError from its iota shape check; "
      "ArgumentError is a TypeError too"),
]

# Rows the differential part cannot run in JAX: JAX aborts the process, or allocates terabytes.
NOT_IN_JAX = {"zeros more than int64", "zeros more than memory", "arange more than memory",
              "random.normal more than memory"}

# funcgrad-only entry points (no JAX function of that name), same conventions.
FG_ONLY = [
    R("max_pool stride 0", lambda m: m.nn.max_pool(m.np.ones((1, 4, 4, 1)), (2, 2),
                                                   strides=(0, 0)), ValueError, "`strides`"),
    R("max_pool window 0", lambda m: m.nn.max_pool(m.np.ones((1, 4, 4, 1)), (0, 2)), ValueError,
      "`window_shape`"),
    R("max_pool padding", lambda m: m.nn.max_pool(m.np.ones((1, 4, 4, 1)), (2, 2),
                                                  padding="FOO"), ValueError, "padding must be"),
    R("avg_pool negative stride",
      lambda m: m.nn.avg_pool(m.np.ones((1, 4, 4, 1)), (2, 2), strides=(-1, 1)), ValueError,
      "`strides`"),
    R("avg_pool strides length", lambda m: m.nn.avg_pool(m.np.ones((1, 4, 4, 1)), (2, 2),
                                                         strides=(1,)), ValueError, "one entry"),
    R("nn.conv padding pairs", lambda m: m.nn.conv(m.np.ones(IMG), m.np.ones(KER),
                                                   padding=[(1, 1)]), ValueError, "pairs"),
    R("jacrev chunk_size 0", lambda m: m.api.jacrev(_sq, chunk_size=0), ValueError,
      "chunk_size must be a positive integer"),
    R("jacfwd chunk_size float", lambda m: m.api.jacfwd(_sq, chunk_size=1.5), TypeError,
      "`chunk_size` must be an integer"),
    R("vmap axis_size negative", lambda m: m.api.vmap(lambda x: x, axis_size=-1), ValueError,
      "`axis_size` must be >= 0"),
    R("while_loop max_steps float", lambda m: m.lax.while_loop(lambda c: c < 3, lambda c: c + 1,
                                                               0, max_steps=2.5), TypeError,
      "`max_steps`"),
    R("scan reverse as a string", lambda m: m.lax.scan(lambda c, x: (c, x), 0.0, m.np.ones(2),
                                                       reverse="no"), TypeError,
      "`reverse` must be True or False"),
    R("defvjp bwd not callable", lambda m: m.api.custom_vjp(_sq).defvjp(_sq, None), TypeError,
      "`bwd` must be callable"),
    R("checkpoint policy not callable", lambda m: m.api.checkpoint(_sq, policy=3), TypeError,
      "`policy` must be callable"),
    R("config dtype_promotion", lambda m: m.api.config.update("dtype_promotion", "c"),
      ValueError, "dtype_promotion must be 'numpy'"),
]


def _ids(rows):
    return [r.id for r in rows]


@pytest.mark.parametrize("row", ROWS + FG_ONLY, ids=_ids(ROWS + FG_ONLY))
def test_bad_call_raises_a_clear_error(row):
    with pytest.raises(row.cls) as info:
        row.call(FG)
    assert row.fragment in str(info.value), str(info.value)


def test_every_row_is_unique():
    ids = _ids(ROWS + FG_ONLY)
    assert len(ids) == len(set(ids))


@pytest.fixture(scope="module")
def JX():
    jax = pytest.importorskip("jax", reason="the differential rows compare with real JAX")
    import jax.numpy as jnp
    with jax.enable_x64(True):   # funcgrad's default float is float64 too; JAX's flag is global
        yield types.SimpleNamespace(api=jax, np=jnp, lax=jax.lax, nn=jax.nn, random=jax.random)


_DIFFERENTIAL = [r for r in ROWS if r.id not in NOT_IN_JAX]


@pytest.mark.parametrize("row", _DIFFERENTIAL, ids=_ids(_DIFFERENTIAL))
def test_same_exception_class_as_jax(row, JX):
    """funcgrad's exception is an instance of the class JAX raises for the same call; a row
    with `jax=` is a documented difference, and checks that JAX indeed behaves otherwise (so a
    JAX that starts agreeing shows up here)."""
    try:
        with warnings.catch_warnings():  # JAX's own warnings on the way to its error
            warnings.simplefilter("ignore")
            row.call(JX)
        jax_exc = None
    except Exception as e:  # noqa: BLE001  (any class JAX raises is what is compared)
        jax_exc = e
    finally:
        JX.api.config.update("jax_debug_nans", False)
    with pytest.raises(row.cls) as info:
        row.call(FG)
    if row.jax is None:
        assert jax_exc is not None, f"JAX accepted {row.id}"
        assert isinstance(info.value, type(jax_exc)), (
            f"funcgrad raised {type(info.value).__mro__}, JAX {type(jax_exc).__name__}: {jax_exc}")
    else:
        assert jax_exc is None or not isinstance(info.value, type(jax_exc)) \
            or type(jax_exc) in (TypeError, ValueError), (
            f"{row.id} is listed as a difference ({row.jax}), but JAX raises "
            f"{type(jax_exc).__name__} too: drop its jax= note")


# ---- eager and jitted calls raise the same class ---------------------------------------------

JITTABLE = [
    ("sum axis out of range", lambda x: fnp.sum(x, axis=2)),
    ("sum float axis", lambda x: fnp.sum(x, axis=1.0)),
    ("sum repeated axis", lambda x: fnp.sum(x, axis=(0, 0))),
    ("reshape float", lambda x: x.reshape(1.5, 4)),
    ("reshape negative", lambda x: fnp.reshape(x, (-2, 3))),
    ("zeros negative", lambda x: x + fnp.zeros(-1)),
    ("float index", lambda x: x[1.0]),
    ("float slice bound", lambda x: x[1.5:]),
    ("take out of bounds", lambda x: fnp.take(x, fnp.array([0, 7]), axis=1)),
    ("dynamic_slice float size", lambda x: fg.lax.dynamic_slice(x, (0, 0), (1.5, 1))),
    ("fori_loop float bound", lambda x: fg.lax.fori_loop(0, 2.5, lambda i, c: c, x)),
    ("scan negative length", lambda x: fg.lax.scan(lambda c, _: (c, c), x, None, length=-1)),
    ("switch branch not callable", lambda x: fg.lax.switch(0, [1], x)),
    ("vjp cotangent dtype", lambda x: fg.vjp(fnp.sin, x)[1](x.astype(fnp.float32))),
    ("conv stride 0", lambda x: fg.lax.conv(x[None, None], fnp.ones((1, 1, 2, 2)), (0, 1),
                                            "VALID")),
    ("sigmoid of integers", lambda x: fg.nn.sigmoid(x.astype(fnp.int32))),
    ("softmax axis", lambda x: fg.nn.softmax(x, axis=3)),
]


@pytest.mark.parametrize("name,f", JITTABLE, ids=[n for n, _ in JITTABLE])
def test_eager_and_jit_raise_the_same_class(name, f):
    x = fnp.ones((3, 4))
    with pytest.raises(Exception) as eager:
        f(x)
    with pytest.raises(Exception) as jitted:
        fg.jit(f)(x)
    assert type(eager.value) is type(jitted.value), (eager.value, jitted.value)
    assert isinstance(eager.value, (TypeError, ValueError, IndexError)), eager.value


@pytest.mark.parametrize("i", [-5, -4, -1, 0, 3, 4, 7])
def test_traced_index_eager_equals_jit(i):
    """An index known only at run time: the same value or the same error, eager and jitted."""
    x = fnp.arange(4.0)
    fs = [lambda x, i: x[i], lambda x, i: x.at[i].set(9.0), lambda x, i: fnp.take(x, i),
          lambda x, i: fg.lax.dynamic_slice(x, (i,), (2,)),
          lambda x, i: fg.lax.dynamic_update_slice(x, fnp.ones(2), (i,))]
    for f in fs:
        outs = []
        for g in (f, fg.jit(f)):
            try:
                outs.append(np.asarray(g(x, fnp.array(i))).tolist())
            except IndexError as e:
                outs.append(type(e))
        assert outs[0] == outs[1], (i, outs)


# ---- the shared checks themselves ------------------------------------------------------------

@pytest.mark.parametrize("shape,want", [
    (3, (3,)), ((), ()), ((0, 1), (0, 1)), ([2, 3], (2, 3)), (np.int64(4), (4,)),
    ((np.int32(2), 5), (2, 5)), (np.array([2, 3]), (2, 3)), (True, (1,)),
])
def test_shape_tuple_accepts_integer_shapes(shape, want):
    assert shape_tuple(shape, "f") == want


@pytest.mark.parametrize("shape", [2.0, (2, 1.0), "3", (2, "3"), None, (-1,), (3, -2)])
def test_shape_tuple_refuses(shape):
    with pytest.raises(fg.ShapeError):
        shape_tuple(shape, "f")


def test_shape_tuple_infers_one_axis():
    assert shape_tuple((-1, 3), "f", infer=True) == (-1, 3)
    with pytest.raises(fg.ShapeError, match="only infer one"):
        shape_tuple((-1, -1), "f", infer=True)


@pytest.mark.parametrize("ndim", [1, 3])
def test_normalize_axis_matches_numpy(ndim):
    x = np.ones((2,) * ndim)
    for axis in range(-ndim - 2, ndim + 2):
        try:
            want = np.sum(x, axis=axis).shape
        except np.exceptions.AxisError:
            with pytest.raises(np.exceptions.AxisError):
                normalize_axis("sum", axis, ndim)
            continue
        got = normalize_axis("sum", axis, ndim)
        assert np.sum(x, axis=got).shape == want


def test_axis_error_is_numpys_and_funcgrads():
    with pytest.raises(fg.AxisError) as info:
        normalize_axes("sum", (0, 3), 2)
    for cls in (np.exceptions.AxisError, fg.ShapeError, ValueError, IndexError, TypeError):
        assert isinstance(info.value, cls)


@pytest.mark.parametrize("value,ok", [(True, True), (False, True), (np.bool_(True), True),
                                      ("False", False), ("True", False), (1, False), (0, False),
                                      (None, False)])
def test_check_bool_takes_only_booleans(value, ok):
    if ok:
        assert check_bool(value, "f", "flag") is bool(value)
    else:
        with pytest.raises(TypeError, match="must be True or False"):
            check_bool(value, "f", "flag")


def test_config_string_false_changes_nothing():
    before = fg.config.debug_nans
    with pytest.raises(TypeError):
        fg.config.update("debug_nans", "False")
    assert fg.config.debug_nans is before
    fg.config.update("jax_debug_nans", True)   # JAX's name works
    try:
        assert fg.config.debug_nans is True
    finally:
        fg.config.update("debug_nans", False)


def test_repeated_argnums_no_longer_give_a_wrong_gradient():
    # grad(f, argnums=(0, 0)) returned (0, 1) for d(a*b)/da at a = b = 1: silently wrong
    with pytest.raises(fg.ArgumentError):
        fg.grad(_mul, argnums=(0, 0))
    g = fg.grad(_mul, argnums=(0, 1))(fnp.ones(2), fnp.full(2, 3.0))
    np.testing.assert_array_equal(np.asarray(g[0]), [3.0, 3.0])


def test_checks_are_done_when_the_transform_is_made():
    # the type of argnums is known before any call: refused at once, not at the first call
    for t in (fg.grad, fg.value_and_grad, fg.jacrev, fg.jacfwd, fg.hessian):
        with pytest.raises(TypeError, match="argnums"):
            t(_sq, argnums="0")


def test_static_argnums_repeats_are_allowed_as_in_jax():
    f = fg.jit(lambda x, n: x * n, static_argnums=(1, 1))
    assert float(f(2.0, 3)) == 6.0


def test_pool_window_larger_than_input_is_empty():
    assert fg.nn.max_pool(fnp.ones((1, 4, 4, 1)), (5, 5)).shape == (1, 4, 0, 0)
