"""Convolutions as JAX's, with the installed JAX as the oracle: lax.conv_general_dilated over
generated configurations (1-D to 3-D, layouts as strings, ConvDimensionNumbers or None, padding
strings and pairs, strides, both dilations, feature and batch groups, precision,
preferred_element_type): values, shapes, jvp and vjp with respect to both operands, vmap and jit;
lax.conv, conv_with_general_padding, conv_transpose and conv_dimension_numbers."""
from __future__ import annotations

import os
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import lax

jax = pytest.importorskip("jax", reason="JAX is the oracle of these tests")
jnp = pytest.importorskip("jax.numpy", reason="JAX is the oracle of these tests")

# the deep versions of the generated tests: opt-in (FUNCGRAD_SLOW=1), a bounded one runs always
OPT_IN = pytest.mark.skipif(os.environ.get("FUNCGRAD_SLOW") != "1",
                            reason="slow: FUNCGRAD_SLOW=1 runs it")

SPATIAL = {1: "W", 2: "HW", 3: "DHW"}


def _close(ours, theirs, dtype=np.float32):
    a, b = np.asarray(ours), np.asarray(theirs)
    assert a.shape == b.shape, (a.shape, b.shape)
    assert a.dtype == b.dtype, (a.dtype, b.dtype)
    tol = 2e-4 if np.dtype(dtype) == np.float32 else 1e-10
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol * max(1.0, float(np.abs(b).max(
        initial=0.0))))


def _layout(draw, nsp):
    """Three layout strings: a random order of the named and spatial axes for each operand."""
    sp = SPATIAL[nsp]
    out = []
    for names in ("NC", "OI", "NC"):
        chars = list(names + sp)
        out.append("".join(draw(st.permutations(chars))))
    return tuple(out)


@st.composite
def configs(draw):
    nsp = draw(st.integers(1, 3))
    spatial = [draw(st.integers(1, 6 if nsp < 3 else 4)) for _ in range(nsp)]
    window = [draw(st.integers(1, 3)) for _ in range(nsp)]
    strides = tuple(draw(st.integers(1, 3)) for _ in range(nsp))
    ld = tuple(draw(st.sampled_from([1, 1, 2])) for _ in range(nsp))
    rd = tuple(draw(st.sampled_from([1, 1, 2])) for _ in range(nsp))
    padding = draw(st.one_of(st.sampled_from(["SAME", "VALID", "SAME_LOWER"]),
                             st.lists(st.tuples(st.integers(-1, 2), st.integers(-1, 2)),
                                      min_size=nsp, max_size=nsp)))
    if isinstance(padding, str):
        # JAX rejects string padding with lhs_dilation (funcgrad pads the dilated input: a
        # documented difference in docs/jax.md)
        ld = (1,) * nsp
    if padding == "VALID" or isinstance(padding, list):
        # keep the output non-empty enough to compare: the window fits the padded input
        lo_hi = [(0, 0)] * nsp if padding == "VALID" else padding
        for i in range(nsp):
            while (spatial[i] - 1) * ld[i] + 1 + sum(lo_hi[i]) < (window[i] - 1) * rd[i] + 1:
                spatial[i] += 1
    fgc, bgc = draw(st.sampled_from([(1, 1), (2, 1), (1, 2)]))
    n = draw(st.integers(1, 2)) * bgc
    cg = draw(st.integers(1, 2))
    o = draw(st.integers(1, 2)) * fgc * bgc
    dn = draw(st.sampled_from(["none", "strings", "object"]))
    layout = _layout(draw, nsp) if dn != "none" else None
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    return dict(nsp=nsp, spatial=spatial, window=window, strides=strides, ld=ld, rd=rd,
                padding=padding, fgc=fgc, bgc=bgc, n=n, c=cg * fgc, cg=cg, o=o, dn=dn,
                layout=layout, dtype=dtype)


def _operands(cfg):
    """lhs and rhs in their layouts (logical NC.../OI... shapes permuted by the layout)."""
    r = np.random.default_rng(0)
    lshape = [cfg["n"], cfg["c"], *cfg["spatial"]]
    rshape = [cfg["o"], cfg["cg"], *cfg["window"]]
    lhs = r.standard_normal(lshape).astype(cfg["dtype"])
    rhs = r.standard_normal(rshape).astype(cfg["dtype"])
    if cfg["layout"] is None:
        return lhs, rhs, None
    sp = SPATIAL[cfg["nsp"]]
    perms = []
    for spec, names in zip(cfg["layout"][:2], ("NC", "OI")):
        logical = names + sp  # the logical order of lhs/rhs above
        perms.append([logical.index(ch) for ch in spec])
    lhs, rhs = lhs.transpose(perms[0]), rhs.transpose(perms[1])
    if cfg["dn"] == "object":
        return lhs, rhs, "object"
    return lhs, rhs, cfg["layout"]


def _call(L, cfg, lhs, rhs, dn):
    if dn == "object":
        dn = L.lax.conv_dimension_numbers(lhs.shape, rhs.shape, cfg["layout"])
    return L.lax.conv_general_dilated(
        lhs, rhs, cfg["strides"], cfg["padding"], cfg["ld"], cfg["rd"], dn,
        feature_group_count=cfg["fgc"], batch_group_count=cfg["bgc"])


@settings(deadline=None, max_examples=5)
@given(cfg=configs())
def test_conv_general_dilated_values_and_derivatives_match_jax(cfg):
    _check_config(cfg)


@pytest.mark.slow
@OPT_IN
@settings(deadline=None, max_examples=60)
@given(cfg=configs())
def test_conv_general_dilated_values_and_derivatives_match_jax_deep(cfg):
    _check_config(cfg)


def _check_config(cfg):
    lhs, rhs, dn = _operands(cfg)
    dt = cfg["dtype"]
    if cfg["bgc"] > 1 and (cfg["ld"] != (1,) * cfg["nsp"]):
        cfg = dict(cfg, ld=(1,) * cfg["nsp"])  # keep JAX's batch-group gradients simple
    with jax.enable_x64(dt == np.float64):
        want = _call(jax, cfg, jnp.asarray(lhs), jnp.asarray(rhs), dn)
        ours = _call(fg, cfg, fnp.asarray(lhs), fnp.asarray(rhs), dn)
        _close(ours, want, dt)
        _close(fg.jit(lambda a, b: _call(fg, cfg, a, b, dn))(lhs, rhs), want, dt)
        if want.size == 0:
            return
        ct = np.random.default_rng(1).standard_normal(want.shape).astype(dt)
        jl = lambda L, m: lambda a, b: m.sum(_call(L, cfg, a, b, dn) * ct)  # noqa: E731
        gw = jax.grad(jl(jax, jnp), argnums=(0, 1))(lhs, rhs)
        go = fg.grad(jl(fg, fnp), argnums=(0, 1))(lhs, rhs)
        _close(go[0], gw[0], dt)
        _close(go[1], gw[1], dt)
        tl, tr = (np.random.default_rng(2).standard_normal(x.shape).astype(dt)
                  for x in (lhs, rhs))
        jw = jax.jvp(lambda a, b: _call(jax, cfg, a, b, dn), (lhs, rhs), (tl, tr))
        jo = fg.jvp(lambda a, b: _call(fg, cfg, a, b, dn), (lhs, rhs), (tl, tr))
        _close(jo[1], jw[1], dt)


@settings(deadline=None, max_examples=2)
@given(cfg=configs())
def test_conv_general_dilated_vmap_matches_jax(cfg):
    lhs, rhs, dn = _operands(cfg)
    dt = cfg["dtype"]
    lhs2 = np.stack([lhs, lhs[::-1] * 0.5])
    rhs2 = np.stack([rhs, rhs * -1.5])
    with jax.enable_x64(dt == np.float64):
        for axes in [(0, 0), (0, None), (None, 0)]:
            args = [lhs2 if axes[0] == 0 else lhs, rhs2 if axes[1] == 0 else rhs]
            want = jax.vmap(lambda a, b: _call(jax, cfg, a, b, dn), in_axes=axes)(*args)
            _close(fg.vmap(lambda a, b: _call(fg, cfg, a, b, dn), in_axes=axes)(*args), want,
                   dt)


def test_conv_and_general_padding_and_precision_match_jax():
    r = np.random.default_rng(0)
    x = r.standard_normal((2, 3, 6, 5)).astype(np.float32)
    w = r.standard_normal((4, 3, 3, 2)).astype(np.float32)
    for L in (fg, jax):
        assert repr(L.lax.Precision.HIGHEST) == "Precision.HIGHEST" or L is jax
    _close(lax.conv(x, w, (1, 2), "SAME", precision=lax.Precision.HIGHEST),
           jax.lax.conv(x, w, (1, 2), "SAME", precision=jax.lax.Precision.HIGHEST))
    _close(lax.conv_with_general_padding(x, w, (2, 1), [(1, 2), (0, 1)], (2, 1), (1, 2)),
           jax.lax.conv_with_general_padding(x, w, (2, 1), [(1, 2), (0, 1)], (2, 1), (1, 2)))
    _close(lax.conv(x, w, (1, 1), "VALID", precision="highest"),
           jax.lax.conv(x, w, (1, 1), "VALID", precision="highest"))
    # preferred_element_type widens the result
    with jax.enable_x64(True):
        _close(lax.conv(x, w, (1, 1), "VALID", preferred_element_type=np.float64),
               jax.lax.conv(x, w, (1, 1), "VALID", preferred_element_type=np.float64),
               np.float64)


@pytest.mark.parametrize("padding", ["SAME", "VALID", [(1, 0), (0, 2)]], ids=str)
@pytest.mark.parametrize("transpose_kernel", [False, True])
@pytest.mark.parametrize("strides", [(1, 1), (2, 3)], ids=str)
def test_conv_transpose_matches_jax(padding, transpose_kernel, strides):
    r = np.random.default_rng(0)
    x = r.standard_normal((2, 4, 5, 3)).astype(np.float32)   # NHWC
    w = r.standard_normal((3, 2, 3, 6)).astype(np.float32)   # HWIO
    if transpose_kernel:
        w = w.transpose(0, 1, 3, 2)  # HWOI: the kernel of the forward convolution
    want = jax.lax.conv_transpose(x, w, strides, padding, transpose_kernel=transpose_kernel)
    _close(lax.conv_transpose(x, w, strides, padding, transpose_kernel=transpose_kernel), want)
    g = lambda L, m: lambda a, b: m.sum(L.lax.conv_transpose(  # noqa: E731
        a, b, strides, padding, transpose_kernel=transpose_kernel) ** 2)
    for a, b in zip(fg.grad(g(fg, fnp), argnums=(0, 1))(x, w),
                    jax.grad(g(jax, jnp), argnums=(0, 1))(x, w)):
        _close(a, b)
    _close(lax.conv_transpose(x.transpose(0, 3, 1, 2), w, strides, padding,
                              dimension_numbers=("NCHW", "HWIO", "NCHW"),
                              transpose_kernel=transpose_kernel),
           jax.lax.conv_transpose(x.transpose(0, 3, 1, 2), w, strides, padding,
                                  dimension_numbers=("NCHW", "HWIO", "NCHW"),
                                  transpose_kernel=transpose_kernel))


@pytest.mark.parametrize("dn", [None, ("NCHW", "OIHW", "NCHW"), ("NHWC", "HWIO", "NHWC"),
                                ("NWHC", "WHOI", "CNHW"), ("NCHW", "IOWH", "NHWC")], ids=str)
def test_conv_dimension_numbers_match_jax(dn):
    shapes = ((1, 2, 3, 4), (5, 6, 7, 8))
    assert tuple(lax.conv_dimension_numbers(*shapes, dn)) == tuple(
        jax.lax.conv_dimension_numbers(*shapes, dn))
    assert type(lax.conv_dimension_numbers(*shapes, dn)).__name__ == "ConvDimensionNumbers"
    obj = lax.ConvDimensionNumbers((0, 1, 2), (0, 1, 2), (0, 1, 2))
    assert lax.conv_dimension_numbers((1, 1, 1), (1, 1, 1), obj) is obj
    assert repr(obj) == repr(jax.lax.ConvDimensionNumbers((0, 1, 2), (0, 1, 2), (0, 1, 2)))


BAD = [  # (id, call(L)): JAX's class for each
    ("dimension_numbers letters", lambda L: L.lax.conv_general_dilated(
        np.ones((1, 1, 4, 4)), np.ones((1, 1, 2, 2)), (1, 1), "VALID",
        dimension_numbers=("NXHW", "OIHW", "NCHW"))),
    ("dimension_numbers spatial sets", lambda L: L.lax.conv_general_dilated(
        np.ones((1, 1, 4, 4)), np.ones((1, 1, 2, 2)), (1, 1), "VALID",
        dimension_numbers=("NCHW", "OIHD", "NCHW"))),
    ("dimension_numbers duplicate", lambda L: L.lax.conv_dimension_numbers(
        (1, 1, 4, 4), (1, 1, 2, 2), ("NCHH", "OIHW", "NCHW"))),
    ("both group counts", lambda L: L.lax.conv_general_dilated(
        np.ones((2, 2, 4)), np.ones((2, 1, 2)), (1,), "VALID", feature_group_count=2,
        batch_group_count=2)),
    ("batch groups do not divide the batch", lambda L: L.lax.conv_general_dilated(
        np.ones((3, 1, 4)), np.ones((2, 1, 2)), (1,), "VALID", batch_group_count=2)),
    ("ranks disagree", lambda L: L.lax.conv_dimension_numbers((1, 1, 4), (1, 1, 2, 2), None)),
]


@pytest.mark.parametrize("name,call", BAD, ids=[b[0] for b in BAD])
def test_bad_configurations_raise_jax_classes(name, call):
    with pytest.raises(Exception) as theirs:
        call(jax)
    with pytest.raises(type(theirs.value)) as ours:
        call(fg)
    assert len(str(ours.value)) > 30


def test_torch_layer_convolution_still_matches_torch():
    torch = pytest.importorskip("torch", reason="PyTorch is the oracle of this test")
    import funcgrad.torch as ft
    r = np.random.default_rng(0)
    x = r.standard_normal((2, 3, 8, 8)).astype(np.float32)
    w = r.standard_normal((4, 3, 3, 3)).astype(np.float32)
    want = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), stride=2, padding=1)
    got = ft.nn.functional.conv2d(ft.tensor(x), ft.tensor(w), stride=2, padding=1)
    np.testing.assert_allclose(got.detach().numpy(), want.numpy(), rtol=1e-4, atol=1e-4)
