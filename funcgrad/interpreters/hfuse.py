"""Horizontal fusion, the pass `horizontal_fusion`: the same elementwise chain applied to many
small leaves runs once, over one flat buffer.

An optimizer step over a 100-leaf tree applies the same dozen elementwise operations to every
leaf: ~1,200 numpy calls on small arrays, each costing more in dispatch than in arithmetic. This
pass finds such chains and rewrites them to gather the leaves into one contiguous buffer
(flat_buffers.pack: one concatenate, or no copy at all when the leaves are the views the previous
step returned), run each operation once on it, and hand the results back as views of the flat
result (flat_buffers.unpack).

How chains are found. An equation is fusable when its code calls exactly one numpy ufunc whose
result at each element is exact IEEE arithmetic on that element alone (add, subtract, multiply,
divide, sqrt, square, min/max, negative, absolute, comparisons, ...; see `EXACT_UFUNCS`), its
output is not 0-d, its dtype is real (float, int, bool) and every operand either has the
output's shape or is a scalar (a 0-d variable or literal). Fusable equations are joined through
the operands of their own shape into lanes (connected pieces); 0-d operands stay outside, shared.
Two lanes are the same chain when their equations, in order, have the same primitives,
parameters, dtypes, literals and shared scalars, and read their inputs and each other in the same
pattern; their shapes may differ. A group of such lanes is fused when it pays (`_pays`).

Why the result is bitwise the same as eager: every fused operation is computed by the same ufunc
with the same operand dtypes (so the same loop and the same scalar casts), and the ufuncs allowed
compute each element alone, correctly rounded (IEEE add, subtract, multiply, divide and sqrt;
exact min, max, abs, neg, comparisons): the value does not depend on where the element lies in
the array or how long the array is. Transcendental ufuncs (exp, log, sin, tanh, power with an
exponent other than 2, ...) are left alone: numpy picks their kernels by CPU at run time (SVML
on AVX-512, other SIMD code or libm elsewhere), and nothing promises that a SIMD body and its
scalar tail round an element alike. (On the AVX-512 machine this was written on, 300 random
offsets and lengths each gave identical bits for exp, log, sin, cos, tanh, expm1, log1p, arctan
and x**3 in float32 and float64; that is one CPU, not a guarantee.) tests/test_jit_hfuse.py holds
the allowed ufuncs to position independence on generated offsets, lengths and special values.
Selects, casts and rsqrt are not fused either: their code calls the primitive's impl, not one
ufunc, so they end a chain (the chain on either side of them may still fuse).

Lanes that read one another (the chain applied to its own result) are fused in rounds of
independent lanes. The fused equations go where the last lane computed them, and the equations
are then put back in an order that defines each variable before its use (effects keep their
order); should that be impossible, the pass leaves the jaxpr as it was.

Before (two leaves for brevity: it takes MIN_LANES or more), one chain `x * 0.9 + g`:

    a:f32[3] b:f32[2,2] c:f32[3] d:f32[2,2]
    e:f32[3] = mul a 0.9;  f:f32[3] = add e c
    g:f32[2,2] = mul b 0.9;  h:f32[2,2] = add g d      in (f, h)

after:

    i:f32[7] = pack[layout=2x7] a b;  j:f32[7] = pack[layout=2x7] c d
    k:f32[7] = mul i 0.9;  l:f32[7] = add k j;  f:f32[3] h:f32[2,2] = unpack[layout=2x7 site=0] l
"""
from __future__ import annotations

import heapq

import numpy as np

from .._core import backend
from .._core.avals import ShapedArray
from .._core.ir import Eqn, Jaxpr, Literal, Var
from .codegen import Context, default_template
from .flat_buffers import FlatLayout, pack, unpack

# numpy ufuncs whose every element is computed alone and exactly (correctly rounded IEEE
# arithmetic, or exact): an element's bits never depend on its position or the array's length.
EXACT_UFUNCS = (np.add, np.subtract, np.multiply, np.divide, np.sqrt, np.square, np.negative,
                np.positive, np.absolute, np.maximum, np.minimum, np.fmax, np.fmin, np.sign,
                np.floor, np.ceil, np.rint, np.trunc, np.equal, np.not_equal, np.less,
                np.less_equal, np.greater, np.greater_equal, np.bitwise_and, np.bitwise_or,
                np.bitwise_xor, np.invert, np.isfinite, np.isnan, np.isinf, np.signbit,
                np.copysign, np.logical_and, np.logical_or, np.logical_xor, np.logical_not)

# The cost model, in microseconds: one ufunc call on a small array, ravelling and concatenating
# one lane, taking one lane's view back, copying one byte. Measured with
# benchmarks/optim_adam.py's hfuse_sweep() (numpy 2.4, one thread, 2 shared cores under load ~11,
# best of 7 interleaved rounds): a jitted Adam step over 100 leaves of s float32 elements ran at
# 0.30x the unfused code for s = 16, 0.34x at 256, 0.4-0.5x at 1024, 1.0-1.5x at 2048, 0.9-1.6x
# at 4096 and 1.3-1.7x for 20 leaves of 65536; 8 leaves of 64: 0.6x, 4 leaves: 0.8x. So a lane
# of a 14-operation chain with 4 inputs and 3 outputs stops paying near 1500 elements
# (`_lane_pays`), and flat buffers over ~1 MB ran slower than smaller ones (glibc maps and
# unmaps such temporaries on every call), hence MAX_FLAT_BYTES.
CALL_US = 0.5
PACK_LANE_US = 0.2
UNPACK_LANE_US = 0.25
COPY_BYTE_US = 2.2e-4
# the fewest lanes worth fusing, and the most bytes one flat buffer may hold (beyond it, a
# group is fused in several chunks)
MIN_LANES = 4
MAX_FLAT_BYTES = 1 << 20


def _fusable_code(prim, params, nin, cache):
    """Whether the code of `prim` with `params` is one call of an exact ufunc."""
    try:
        key = (prim, tuple(sorted(params.items())) if params else (), nin)
        hash(key)
    except TypeError:
        return False
    got = cache.get(key)
    if got is None:
        template = prim.jit or default_template(prim)
        ctx = Context(np)
        try:
            template(ctx, ["out"], [f"x{i}" for i in range(nin)], params, None)
        except Exception:  # a template that cannot write this call: not fusable
            got = False
        else:
            objs = list(ctx.namespace.values())
            got = len(objs) == 1 and any(objs[0] is u for u in EXACT_UFUNCS)
        cache[key] = got
    return got


def _fusable(e, cache):
    prim = e.prim
    if (prim.multiple_results or len(e.outvars) != 1 or not prim.fresh or prim.effectful
            or not e.invars):
        return False
    out = e.outvars[0].aval
    if out.ndim == 0 or out.dtype.kind not in "fiub":
        return False
    for v in e.invars:
        a = v.aval
        if a.dtype.kind not in "fiub" or (a.ndim and (a.shape != out.shape
                                                     or isinstance(v, Literal))):
            return False
    return _fusable_code(prim, e.params, len(e.invars), cache)


class _Lanes:
    """Union-find over the non-0-d variables of fusable equations."""

    def __init__(self):
        self.parent = {}

    def find(self, v):
        parent = self.parent
        root = parent.setdefault(v, v)
        while parent[root] is not root:
            root = parent[root]
        while v is not root:  # path compression
            parent[v], v = root, parent[v]
        return root

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra is not rb:
            self.parent[ra] = rb


def _lane_signature(eqns, idxs, outside):
    """(signature, lane inputs, lane outputs by local index) of the lane made of eqns[idxs]."""
    names, inputs, sig = {}, [], []
    for k, i in enumerate(idxs):
        e = eqns[i]
        ops = []
        for v in e.invars:
            if isinstance(v, Literal):
                ops.append(v.key())
            elif v.aval.ndim == 0:
                ops.append(("shared", v))
            else:
                name = names.get(v)
                if name is None:
                    name = names[v] = ("in", len(inputs), v.aval.dtype, v.aval.weak_type)
                    inputs.append(v)
                ops.append(name)
        out = e.outvars[0]
        names[out] = ("t", k)
        sig.append((e.prim, tuple(sorted(e.params.items())), tuple(ops), out.aval.dtype,
                    out.aval.weak_type))
    outs = tuple(k for k, i in enumerate(idxs) if eqns[i].outvars[0] in outside)
    return (tuple(sig), outs), inputs, outs


def _pays(n_ops, n_in, n_out, lanes, itemsize):
    """Whether fusing `lanes` (a list of shapes) saves time by the cost model above: n_ops
    calls per lane saved, against packing the n_in inputs and unpacking the n_out outputs."""
    n = len(lanes)
    if n < MIN_LANES:
        return False
    total = sum(int(np.prod(s)) for s in lanes)
    saved = n_ops * (n - 1) * CALL_US
    cost = n_in * (n * PACK_LANE_US + total * itemsize * COPY_BYTE_US) + n_out * n * UNPACK_LANE_US
    return saved > cost


def _lane_pays(n_ops, n_in, n_out, size, itemsize):
    """Whether one lane of `size` elements is worth its place in a fused group."""
    return n_ops * CALL_US > (n_in * (PACK_LANE_US + size * itemsize * COPY_BYTE_US)
                              + n_out * UNPACK_LANE_US)


def horizontal_fusion(jaxpr: Jaxpr, consts: list) -> tuple[Jaxpr, list]:
    """The same elementwise chain over many small leaves, run once over one flat buffer.

    (jaxpr, consts) -> (jaxpr, consts); see the module docstring. Not once a GPU is in use (one
    kernel per leaf is another trade there).

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> def step(ps, gs):
    ...     return [p - 0.1 * g * g for p, g in zip(ps, gs)]
    >>> ps = [fnp.ones(n) for n in range(1, 9)]
    >>> closed = fg.make_jaxpr(step)(ps, ps)
    >>> jaxpr, _ = horizontal_fusion(closed.jaxpr, closed.consts)
    >>> [e.prim.name for e in jaxpr.eqns]
    ['pack', 'mul', 'mul', 'pack', 'sub', 'unpack']
    >>> jaxpr.eqns[-1].outvars[7].aval.shape
    (8,)
    """
    if backend.active or len(jaxpr.eqns) < 2 * MIN_LANES:
        return jaxpr, consts
    eqns, cache = jaxpr.eqns, {}
    fusable = [_fusable(e, cache) for e in eqns]
    lanes = _Lanes()
    for i, e in enumerate(eqns):
        if fusable[i]:
            out = e.outvars[0]
            lanes.find(out)
            for v in e.invars:
                if isinstance(v, Var) and v.aval.ndim > 0:
                    lanes.union(out, v)
    members = {}
    for i, e in enumerate(eqns):
        if fusable[i]:
            members.setdefault(lanes.find(e.outvars[0]), []).append(i)
    # variables read outside their lane: by an equation that is not fusable, or as outputs
    outside = {v for v in jaxpr.outvars if isinstance(v, Var)}
    for i, e in enumerate(eqns):
        if not fusable[i]:
            outside.update(v for v in e.invars if isinstance(v, Var))
    groups = {}
    for idxs in members.values():
        key, inputs, outs = _lane_signature(eqns, idxs, outside)
        groups.setdefault(key, []).append((idxs, inputs, outs))
    groups = [g for g in groups.values() if len(g) >= MIN_LANES]
    if not groups:
        return jaxpr, consts
    new_eqns = {}      # sort key -> equation
    removed = set()
    for group in _independent(eqns, groups):
        _fuse_group(eqns, group, new_eqns, removed)
    if not removed:
        return jaxpr, consts
    for i, e in enumerate(eqns):
        if i not in removed:
            new_eqns[(i, 1, 0)] = e
    ordered = _topological(jaxpr, new_eqns)
    if ordered is None:
        return jaxpr, consts
    return Jaxpr(jaxpr.constvars, jaxpr.invars, ordered, jaxpr.outvars), consts


def _independent(eqns, groups):
    """Each group reduced to lanes none of which reads (through any chain of equations) what
    another computes: a chain applied to x, then to its result, cannot run as one operation."""
    lane_bit, bit = {}, 0
    for group in groups:
        for lane in group:
            for i in lane[0]:
                lane_bit[i] = 1 << bit
            bit += 1
    # dep[v]: the lanes (bits) whose equations the value of v depends on
    dep, reads = {}, []
    for i, e in enumerate(eqns):
        d = 0
        for v in e.invars:
            if isinstance(v, Var):
                d |= dep.get(v, 0)
        reads.append(d)
        d |= lane_bit.get(i, 0)
        for o in e.outvars:
            dep[o] = d
    out = []
    for group in groups:
        left = sorted(group, key=lambda lane: lane[0][0])
        while len(left) >= MIN_LANES:  # rounds: the lanes of one never read each other
            chosen, chosen_reads, kept, rest = 0, 0, [], []
            for lane in left:
                own = lane_bit[lane[0][0]]
                r = 0
                for i in lane[0]:
                    r |= reads[i]
                r &= ~own
                if not r & chosen and not chosen_reads & own:
                    kept.append(lane)
                    chosen |= own
                    chosen_reads |= r
                else:
                    rest.append(lane)
            if len(kept) < MIN_LANES:
                break
            out.append(kept)
            left = rest
    return out


def _fuse_group(eqns, group, new_eqns, removed):
    """Fuse one group of same-chain lanes: the lanes worth it, in chunks whose flat buffers stay
    under MAX_FLAT_BYTES (`_pays`)."""
    idxs0, inputs0, outs = group[0]
    n_ops, n_in, n_out = len(idxs0), len(inputs0), len(outs)
    itemsize = max([v.aval.dtype.itemsize for v in inputs0]
                   + [eqns[i].outvars[0].aval.dtype.itemsize for i in idxs0])
    sized = []
    for lane in sorted(group, key=lambda lane: lane[0][0]):
        shape = eqns[lane[0][0]].outvars[0].aval.shape
        size = int(np.prod(shape))
        if _lane_pays(n_ops, n_in, n_out, size, itemsize):
            sized.append((lane, shape, size))
    chunk, nbytes = [], 0
    for item in sized + [None]:
        if item is None or (chunk and nbytes + item[2] * itemsize > MAX_FLAT_BYTES):
            if _pays(n_ops, n_in, n_out, [s for _, s, _ in chunk], itemsize):
                _fuse_lanes(eqns, group[0], [lane for lane, _, _ in chunk],
                            [s for _, s, _ in chunk], new_eqns, removed)
            chunk, nbytes = [], 0
        if item is not None:
            chunk.append(item)
            nbytes += item[2] * itemsize


def _fuse_lanes(eqns, first, lanes, shapes, new_eqns, removed):
    """Replace `lanes` (each (equation indices, inputs, outputs), the same chain as `first`) by
    the chain over one flat buffer: the fused equations go to `new_eqns`, keyed for placement,
    and the indices of those they replace to `removed`."""
    idxs0, inputs0, outs = first
    n_ops = len(idxs0)
    layout = FlatLayout(shapes)
    flat_aval = lambda a: ShapedArray((layout.total,), a.dtype, a.weak_type)  # noqa: E731
    # where each fused equation goes: where the last lane computed it
    place = [max(lane[0][k] for lane in lanes) for k in range(n_ops)]
    flat_in = [None] * len(inputs0)
    flat_t = []
    local = {eqns[i].outvars[0]: k for k, i in enumerate(idxs0)}
    site = 0
    for k in range(n_ops):
        e0 = eqns[idxs0[k]]
        ops = []
        for v in e0.invars:
            if isinstance(v, Literal) or v.aval.ndim == 0:
                ops.append(v)
            elif v in local:
                ops.append(flat_t[local[v]])
            else:
                j = inputs0.index(v)
                if flat_in[j] is None:
                    flat_in[j] = Var(flat_aval(v.aval))
                    new_eqns[(place[k], 0, j)] = Eqn(pack, [lane[1][j] for lane in lanes],
                                                     [flat_in[j]], {"layout": layout})
                ops.append(flat_in[j])
        t = Var(flat_aval(e0.outvars[0].aval))
        flat_t.append(t)
        new_eqns[(place[k], 1, 0)] = Eqn(e0.prim, ops, [t], e0.params)
        if k in outs:
            new_eqns[(place[k], 2, 0)] = Eqn(
                unpack, [t], [eqns[lane[0][k]].outvars[0] for lane in lanes],
                {"layout": layout, "site": site})
            site += 1
    for lane in lanes:
        removed.update(lane[0])


def _topological(jaxpr, keyed):
    """The equations of `keyed` in an order that defines every variable before its use, as close
    to their keys' order as that allows (effects keep their relative order); None on a cycle."""
    items = sorted(keyed.items(), key=lambda kv: kv[0])
    producer = {}
    for n, (_, e) in enumerate(items):
        for o in e.outvars:
            producer[o] = n
    waiting = [0] * len(items)
    users = [[] for _ in items]
    last_effect = None
    for n, (_, e) in enumerate(items):
        deps = {producer[v] for v in e.invars if isinstance(v, Var) and v in producer}
        if e.prim.effectful:
            if last_effect is not None:
                deps.add(last_effect)
            last_effect = n
        waiting[n] = len(deps)
        for d in deps:
            users[d].append(n)
    ready = [n for n in range(len(items)) if waiting[n] == 0]
    heapq.heapify(ready)
    out = []
    while ready:
        n = heapq.heappop(ready)
        out.append(items[n][1])
        for u in users[n]:
            waiting[u] -= 1
            if waiting[u] == 0:
                heapq.heappush(ready, u)
    return out if len(out) == len(items) else None
