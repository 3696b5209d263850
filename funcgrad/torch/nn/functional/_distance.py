"""torch.nn.functional's distance functions: cosine_similarity and pairwise_distance."""
from __future__ import annotations


from .... import lax
from .... import numpy as fnp
from ..._dispatch import apply_op, broadcast_shapes_checked
from ..._reductions import p_norm
from ..._storage import wrap_dim
from ._common import _const

__all__ = ["cosine_similarity", "pairwise_distance"]


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    nd = max(x1.ndim, x2.ndim)
    d = wrap_dim(dim, nd)

    def fn(a, b):
        a, b = fnp.broadcast_to(a, broadcast_shapes_checked(a.shape, b.shape)), b
        b = fnp.broadcast_to(b, a.shape)
        na, nb = p_norm(a, 2, d), p_norm(b, 2, d)  # the gradient 0 at a zero vector
        return fnp.sum(a * b, axis=d) / (lax.maximum(na, _const(eps, na))
                                         * lax.maximum(nb, _const(eps, nb)))
    return apply_op("SumBackward1", fn, [x1, x2])


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    def fn(a, b):
        diff = a - b + eps
        if p == 2:
            return lax.sqrt(fnp.sum(diff * diff, axis=-1, keepdims=keepdim))
        return fnp.sum(lax.abs(diff) ** p, axis=-1, keepdims=keepdim) ** (1.0 / p)
    return apply_op("NormBackward1", fn, [x1, x2])
