"""torch.nn.functional's vision functions: pad, pixel_shuffle/pixel_unshuffle, interpolate and
upsample."""
from __future__ import annotations

import math

import numpy as np

from .... import lax
from ..._dispatch import apply_op
from ._common import _const, _ntuple

__all__ = ["pad", "pixel_shuffle", "pixel_unshuffle", "interpolate", "upsample"]


# ---- padding -----------------------------------------------------------------------------------

def pad(input, pad, mode="constant", value=None):
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError("Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(pad)} and input of dimension "
                           f"{input.ndim}")
    n = len(pad) // 2
    widths = [(0, 0)] * (input.ndim - n) + [(pad[2 * (n - 1 - i)], pad[2 * (n - 1 - i) + 1])
                                            for i in range(n)]
    padded = [s + lo + hi for s, (lo, hi) in zip(input.shape, widths)]
    if mode == "constant":
        if any(p < 0 for p in padded):
            raise RuntimeError("narrow(): length must be non-negative.")
        v = 0 if value is None else value

        def fn(x):
            return lax.pad(x, _const(v, x), [(lo, hi, 0) for lo, hi in widths])
        return apply_op("ConstantPadNdBackward0", fn, [input])
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    np_mode = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
    if any(p < 1 for p in padded[input.ndim - n:]):
        letters = ("D", "H", "W")[3 - n:] if n <= 3 else tuple(str(i) for i in range(n))
        sp = input.shape[input.ndim - n:]
        raise RuntimeError(f"input ({', '.join(f'{c}: {s}' for c, s in zip(letters, sp))}) is "
                           f"too small. Calculated output "
                           f"{' '.join(f'{c}: {p}' for c, p in zip(letters, padded[-n:]))}")
    if mode == "reflect":
        for k, (lo, hi) in enumerate(widths[input.ndim - n:]):
            dim = input.ndim - n + k
            if lo >= input.shape[dim] or hi >= input.shape[dim]:
                raise RuntimeError(f"Argument #4: Padding size should be less than the "
                                   f"corresponding input dimension, but got: padding ({lo}, {hi})"
                                   f" at dimension {dim} of input {list(input.shape)}")
    # the padded tensor as a gather of the input (index arithmetic done by numpy's pad)
    grids = [np.pad(np.arange(s), w, mode=np_mode) for s, w in zip(input.shape, widths)]
    index = np.ix_(*grids)
    name = {"reflect": f"ReflectionPad{n}DBackward0", "replicate": f"ReplicationPad{n}DBackward0",
            "circular": "CopySlices"}[mode]
    return apply_op(name, lambda x: x[index], [input])

def pixel_shuffle(input, upscale_factor):
    r = upscale_factor
    if input.ndim < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got "
                           f"input with {input.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)={c} "
                           f"is not divisible by {r * r}")
    oc = c // (r * r)
    x = input.reshape(*lead, oc, r, r, h, w)
    n = len(lead)
    x = x.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return x.reshape(*lead, oc, h * r, w * r)


def pixel_unshuffle(input, downscale_factor):
    r = downscale_factor
    *lead, c, h, w = input.shape
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    n = len(lead)
    x = x.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return x.reshape(*lead, c * r * r, h // r, w // r)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial axes: 'nearest', or the separable 'linear'/'bilinear'/'trilinear'
    (with align_corners), with PyTorch's source-coordinate conventions."""
    nd = input.ndim - 2
    if (size is None) == (scale_factor is None):
        raise ValueError("only one of size or scale_factor should be defined" if size is not None
                         else "either size or scale_factor should be defined")
    if size is not None and isinstance(size, (list, tuple)) and len(size) != nd:
        raise ValueError(f"Input and output must have the same number of spatial dimensions, "
                         f"but got input with spatial dimensions of {list(input.shape[2:])} and "
                         f"output size of {size}. Please provide input tensor in (N, C, d1, d2, "
                         f"...,dK) format and output size in (o1, o2, ...,oK) format.")
    linear_modes = {"linear": 1, "bilinear": 2, "trilinear": 3}
    if mode not in ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area",
                    "nearest-exact"):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                                  f"{input.ndim}D) for the modes: nearest | linear | bilinear | "
                                  f"bicubic | trilinear | lanczos | area | nearest-exact (got "
                                  f"{mode})")
    if mode in linear_modes:
        if linear_modes[mode] != nd:
            raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs "
                                      f"{linear_modes[mode] + 2}D input")
    elif mode != "nearest":
        raise NotImplementedError(f"funcgrad.torch: interpolate mode={mode!r} is not supported "
                                  "(nearest, linear, bilinear, trilinear are)")
    elif align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    in_sp = tuple(input.shape[2:])
    if size is not None:
        out = _ntuple(nd)(size)
        given = [None] * nd
    else:
        sf = list(scale_factor) if isinstance(scale_factor, (list, tuple)) else \
            [scale_factor] * nd
        out = tuple(int(math.floor(i * s)) for i, s in zip(in_sp, sf))
        given = [None if recompute_scale_factor else float(s) for s in sf]
    if any(o <= 0 for o in out) or any(i <= 0 for i in in_sp):
        letters = ("D", "H", "W")[3 - nd:]
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input "
                           f"({', '.join(f'{c}: {i}' for c, i in zip(letters, in_sp))}) output "
                           f"({', '.join(f'{c}: {o}' for c, o in zip(letters, out))})")
    if mode == "nearest":
        scales = [1.0 / g if g else i / o for g, i, o in zip(given, in_sp, out)]
        grids = [np.minimum(np.floor(np.arange(o) * np.float32(sc)).astype(np.int64), i - 1)
                 for o, sc, i in zip(out, scales, in_sp)]
        index = (slice(None), slice(None)) + np.ix_(*grids)
        return apply_op(f"UpsampleNearest{nd}DBackward0", lambda x: x[index], [input])
    axes = []
    for k, (i, o, g) in enumerate(zip(in_sp, out, given)):
        dst = np.arange(o, dtype=np.float64)
        if align_corners:
            src = dst * ((i - 1) / (o - 1) if o > 1 else 0.0)
        else:
            sc = 1.0 / g if g else i / o
            src = np.maximum((dst + 0.5) * sc - 0.5, 0.0)
        i0 = np.minimum(np.floor(src).astype(np.int64), i - 1)
        i1 = np.minimum(i0 + 1, i - 1)
        lam = src - i0
        axes.append((i0, i1, lam))

    def fn(x):
        for k, (i0, i1, lam) in enumerate(axes):
            ax = 2 + k
            shape = [1] * x.ndim
            shape[ax] = lam.shape[0]
            w = _const(lam.reshape(shape), x)
            lo = x[(slice(None),) * ax + (i0,)]
            hi = x[(slice(None),) * ax + (i1,)]
            x = lo + (hi - lo) * w
        return x
    names = {1: "UpsampleLinear1DBackward0", 2: "UpsampleBilinear2DBackward0",
             3: "UpsampleTrilinear3DBackward0"}
    return apply_op(names[nd], fn, [input])


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    return interpolate(input, size, scale_factor, mode, align_corners)
