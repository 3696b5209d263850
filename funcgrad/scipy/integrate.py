"""funcgrad.scipy.integrate: trapezoid, and odeint (jax.experimental.ode's): an adaptive
Dormand-Prince 5(4) solver with a 4th-order dense output, differentiable in reverse mode by the
adjoint method with respect to y0, t and the extra arguments.

odeint is one primitive, `odeint`: its impl steps in numpy, evaluating `func` through a cached
fg.jit of it (eagerly when func cannot be traced); its derivative integrates the adjoint system
backwards with the same primitive, so it is itself differentiable; vmap runs one solve per batch
element (each with its own steps, as a loop would). As JAX's, it has no forward mode."""
from __future__ import annotations

import functools
import math
import types
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import lax
from .. import numpy as fnp
from .. import tree
from .._api import vjp
from ..interpreters.jit import jit
from .._core import backend
from .._core.array import Array, wrap_value
from .._core.avals import ShapedArray
from .._core.errors import ConcretizationError, FuncgradError
from .._core.primitive import NO_ALGEBRA, PURE, RULE_FIRST, Primitive, defvjp_all
from .._core.trace import get_aval
from .._core.typing import ArrayLike
from ..lax._batching import batch_size, to_front


def trapezoid(y: ArrayLike, x: ArrayLike | None = None, dx: ArrayLike = 1.0,
              axis: int = -1) -> Array:
    """The integral of y (samples at x, or spaced dx) along axis by the trapezoidal rule, as
    jax.scipy.integrate.trapezoid (numpy's trapezoid).

    >>> import funcgrad.numpy as fnp
    >>> trapezoid(fnp.array([1.0, 2.0, 3.0]), x=fnp.array([0.0, 1.0, 3.0]))
    Array(6.5, dtype=float64)
    """
    return fnp.trapezoid(y, x=x, dx=dx, axis=axis)


# ---- Dormand-Prince 5(4) tableau ------------------------------------------------------------

_C = np.array([0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0])
_A = [np.array(r) for r in (
    [], [1 / 5], [3 / 40, 9 / 40], [44 / 45, -56 / 15, 32 / 9],
    [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
    [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
    [35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84])]
_B5 = np.array([35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0.0])
_B4 = np.array([5179 / 57600, 0.0, 7571 / 16695, 393 / 640, -92097 / 339200, 187 / 2100,
                1 / 40])
_E = _B5 - _B4
# the solution at the middle of a step (Shampine's dense output of this pair)
_MID = np.array([6025192743 / 30085553152, 0.0, 51252292925 / 65400821598,
                 -2691868925 / 45128329728, 187940372067 / 1594534317056,
                 -1776094331 / 19743644256, 11237099 / 235043384]) / 2
# a theta**4 + b theta**3 + c theta**2 from p(1), p'(1) and p(1/2) of the quartic on [0, 1]
_QUARTIC = np.linalg.inv(np.array([[1.0, 1.0, 1.0], [4.0, 3.0, 2.0], [1 / 16, 1 / 8, 1 / 4]]))
# rows 1-6: [1, A[s]] (the stages), 7: [1, B5] (the 5th-order solution), 8: [0, E] (the error):
# each the coefficients of [y, k0, ..., k6] (the time step scales all but y's)
_TABLEAU = np.zeros((9, 8))
for _s in range(1, 7):
    _TABLEAU[_s, 0], _TABLEAU[_s, 1:_s + 1] = 1.0, _A[_s]
_TABLEAU[7, 0], _TABLEAU[7, 1:], _TABLEAU[8, 1:] = 1.0, _B5, _E
_C_LIST = [float(v) for v in _C]  # Python floats: the stage times are scalar arithmetic


def _rms(v):
    # (np.mean's own sum and division, without its Python wrapper)
    return math.sqrt(float(np.add.reduce(np.abs(v) ** 2) / v.size)) if v.size else 0.0


def _initial_step(rhs, t0, y0, f0, rtol, atol):
    """Hairer, Norsett and Wanner's starting step for a method of order 4 (II.4)."""
    scale = atol + np.abs(y0) * rtol
    d0, d1 = _rms(y0 / scale), _rms(f0 / scale)
    h0 = 1e-6 if d0 < 1e-5 or d1 < 1e-5 else 0.01 * d0 / d1
    f1 = rhs(y0 + h0 * f0, t0 + h0)
    d2 = _rms((f1 - f0) / scale) / h0
    h1 = max(1e-6, h0 * 1e-3) if max(d1, d2) <= 1e-15 else (0.01 / max(d1, d2)) ** (1 / 5)
    return min(100 * h0, h1)


def _solve(rhs, y0, ts, rtol, atol, mxstep, hmax):
    """The adaptive solve in numpy: ys[i] = y(ts[i]), each by dense output inside the accepted
    step that reaches past ts[i] (at most mxstep step attempts per output interval).

    The step loop is serial Python, so each attempt does a fixed, small number of numpy calls
    on preallocated buffers: the stages in one (7, n) array (first-same-as-last: an accepted
    attempt's stages become the next step's, by swapping buffers, not copying), the error norm
    by one dot product, and the dense-output quartic only for the step that reaches an output
    time. y and the stages are carried in float64 (complex128) whatever y0's dtype."""
    dtype = np.result_type(y0.dtype, np.float32)
    ys = np.empty((len(ts),) + y0.shape, dtype)
    if not len(ts):
        return ys
    ys[0] = y0
    if not y0.size:  # nothing to integrate
        return ys
    cd = np.result_type(dtype, np.float64)  # the working precision, as numpy's promotion gives
    t, y = float(ts[0]), y0.astype(dtype)
    f = rhs(y, t)
    dt = min(_initial_step(rhs, t, y, f, rtol, atol), hmax)
    y = y.astype(cd)
    n = y.shape[0]
    # rows [y, k0, ..., k6] of the attempt and of the accepted step: stage s is one dot of
    # row s of _TABLEAU (scaled by dt, y's coefficient kept 1) with the first s + 1 rows
    ky, ky_acc = np.empty((8, n), cd), np.empty((8, n), cd)
    ky_acc[7] = f
    y_new, stage = np.empty(n, cd), np.empty(n, cd)
    scale, scale2 = np.empty(n, y.real.dtype), np.empty(n, y.real.dtype)
    m = _TABLEAU.copy()  # its column 0 (y's coefficients) stays; the rest is dt * _TABLEAU's
    m_scaled, tableau_scaled = m[:, 1:], _TABLEAU[:, 1:]
    # the stages' operands as views, made once (m is rewritten in place; ky and ky_acc swap)
    m_rows = [m[s, :s + 1] for s in range(7)]
    ky_rows, ky_acc_rows = [ky[:s + 1] for s in range(7)], [ky_acc[:s + 1] for s in range(7)]
    ky_out, ky_acc_out = list(ky), list(ky_acc)  # the rows rhs writes: the same views each step
    last_t, dt_acc, stepped = t, 0.0, False  # the accepted step [last_t, t] of length dt_acc
    dot, add, multiply, c = np.dot, np.add, np.multiply, _C_LIST
    for i in range(1, len(ts)):
        target = float(ts[i])
        steps = 0
        while t < target and steps < mxstep and dt > 0:
            multiply(tableau_scaled, dt, out=m_scaled)
            ky[0] = y
            ky[1] = ky_acc[7]
            for s in range(1, 7):
                dot(m_rows[s], ky_rows[s], out=stage)
                rhs(stage, t + c[s] * dt, ky_out[s + 1])
            dot(m[7], ky, out=y_new)
            err = dot(m[8], ky)
            np.abs(y, out=scale)
            np.abs(y_new, out=scale2)
            np.maximum(scale, scale2, out=scale)
            multiply(scale, rtol, out=scale)
            add(scale, atol, out=scale)
            r = np.abs(err) if cd.kind == "c" else err
            np.divide(r, scale, out=r)
            ratio = math.sqrt(float(dot(r, r)) / n)
            if ratio <= 1.0:
                y, y_new = y_new, y
                ky, ky_acc = ky_acc, ky
                ky_rows, ky_acc_rows = ky_acc_rows, ky_rows
                ky_out, ky_acc_out = ky_acc_out, ky_out
                last_t, t, dt_acc, stepped = t, t + dt, dt, True
            # the next step: grow by at most 10, shrink (after a rejection) by at most 5
            if ratio == 0.0:
                dt = dt * 10.0
            else:
                factor = 0.9 * ratio ** -0.2
                dt = dt * min(10.0, max(factor, 1.0 if ratio < 1 else 0.2))
            dt = min(dt, hmax)
            steps += 1
        if not stepped:
            ys[i] = y
        else:
            ys[i] = _dense(ky_acc[0], y, ky_acc[1:], dt_acc, (target - last_t) / (t - last_t))
    return ys


def _dense(y0, y1, k, dt, th):
    """y at theta = th in the step from y0 to y1 of length dt with stages k: the quartic in
    theta that matches y0, y0', y1, y1' and Shampine's midpoint."""
    f = k[0]
    mid = y0 + dt * (_MID @ k)
    rhs_vec = np.stack([y1 - y0 - dt * f, dt * (k[6] - f), mid - y0 - 0.5 * dt * f])
    a4, a3, a2 = _QUARTIC @ rhs_vec
    return (((a4 * th + a3) * th + a2) * th + dt * f) * th + y0


class _Dynamics:
    """A flat right-hand side fn(yv, t, *arg_leaves) -> dy (1-d vectors), hashable by what it is
    built from, so that jit's cache of the odeint primitive sees the same one for the same func;
    `numpy` evaluates it on numpy values through a cached jit of fn, or of `parts`:
    parts(state[:n], t, state[n:2n], *arg_leaves) -> pieces whose concatenation is fn's value
    (the adjoint's, so that its compiled code neither slices nor concatenates)."""

    def __init__(self, key: tuple, fn: Callable[..., Any],
                 parts: Callable[..., Any] | None = None) -> None:
        self.key, self.fn, self.parts = key, fn, parts
        self._jitted = jit(fn)
        self._jitted_parts = None if parts is None else jit(parts)
        self._lowered: dict = {}  # the compiled form (or None) by the operands' signature

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Dynamics) and other.key == self.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __repr__(self) -> str:
        return "dynamics" if self.key[0] == "user" else "adjoint dynamics"

    def numpy(self, y0, t0, arg_leaves):
        """rhs(y, t, out=None) on numpy values (written into out when given): the generated
        code of jit(fn) (or of jit(parts)) called directly (no dispatch per call), or fn itself
        where it cannot be traced (it branches on values)."""
        dtype = y0.dtype
        t0 = np.asarray(t0, dtype)
        n = None if self.parts is None else (
            y0.shape[0] - 1 - sum(a.size for a in arg_leaves)) // 2  # the adjoint's y size
        sig = (y0.shape, y0.dtype, tuple((a.shape, a.dtype) for a in arg_leaves))
        if sig not in self._lowered:
            self._lowered[sig] = _lower(self._jitted, y0, t0, *arg_leaves) if n is None \
                else _lower(self._jitted_parts, y0[:n], t0, y0[n:2 * n], *arg_leaves)
        low = self._lowered[sig]
        if low is not None and n is None:
            fn, consts, time = low.fn, low.consts, dtype.type  # (t as a numpy scalar)

            def rhs(y, t, out=None):
                dy = fn(*consts, y, time(t), *arg_leaves)[0]
                if out is None:
                    return dy
                out[...] = dy
            return rhs
        if low is not None:
            return _parts_rhs(low, n, dtype, arg_leaves)

        def eager(y, t, out=None):
            dy = np.asarray(self.fn(y, np.asarray(t, y.dtype), *arg_leaves))
            if out is None:
                return dy
            out[...] = dy
        return eager

    @functools.cached_property
    def adjoint(self) -> "_Dynamics":
        """The augmented system [y, a, t_bar, args_bar] in reversed time s = -t:
        dy/ds = -f(y, -s), da/ds = a^T df/dy, d t_bar/ds = a^T df/dt,
        d args_bar/ds = a^T df/dargs."""
        fn = self.fn

        def parts(y, s, a, *arg_leaves):  # (the pieces in their own shapes: see _parts_rhs)
            dy, pullback = vjp(fn, y, lax.neg(s), *arg_leaves)
            return [lax.neg(dy)] + list(pullback(a))

        def aug(state, s, *arg_leaves):
            n = (get_aval(state).shape[0] - 1 - sum(_size(a) for a in arg_leaves)) // 2
            return fnp.concatenate([fnp.ravel(p) for p in
                                    parts(state[:n], s, state[n:2 * n], *arg_leaves)])
        return _Dynamics(("adjoint", self.key), aug, parts)


def _parts_rhs(low, n, dtype, arg_leaves):
    """The adjoint's rhs(state, t, out=None) from the compiled parts: each piece is written
    into its slice of out (viewed in the piece's shape, the views made once per out buffer:
    _solve passes the same row views every step), not concatenated."""
    fn, consts, time = low.fn, low.consts, dtype.type  # (t as a numpy scalar)
    shapes = [(n,), (n,), ()] + [a.shape for a in arg_leaves]
    bounds = np.cumsum([0] + [math.prod(s) for s in shapes]).tolist()
    views: dict = {}  # id(out) -> (out, its pieces' views): out is kept, so its id stays its own
    reads: dict = {}  # id(state) -> (state, its y and a views): _solve's stage buffer is reused

    def rhs_parts(state, t, out=None):
        ya = reads.get(id(state))
        if ya is None or ya[0] is not state:
            ya = reads[id(state)] = (state, state[:n], state[n:2 * n])
            if len(reads) > 8:  # states passed once (the first, _initial_step's) go
                reads.clear()
        pieces = fn(*consts, ya[1], time(t), ya[2], *arg_leaves)
        if out is None:
            return np.concatenate([np.ravel(p) for p in pieces]).astype(dtype, copy=False)
        found = views.get(id(out))
        if found is None:
            found = views[id(out)] = (out, [out[lo:hi].reshape(s) for lo, hi, s in
                                            zip(bounds, bounds[1:], shapes)])
        for v, p in zip(found[1], pieces):
            v[...] = p
    return rhs_parts


def _lower(jitted, *args):
    """jitted's compiled form for these numpy arguments, or None where it has none that runs
    on the host (func branches on values)."""
    try:
        low = jitted.lower(*args)
    except ConcretizationError:
        return None
    except FuncgradError:
        raise TypeError(
            "odeint: func closes over a value that a transform is tracing (for example "
            "the parameter being differentiated); pass it to odeint as an extra "
            "argument instead: odeint(func, y0, t, param) calls func(y, t, param)") from None
    return low if low.device is None else None


def _size(x):
    return int(np.prod(get_aval(x).shape))


def _hashable(v):
    try:
        hash(v)
        return v
    except TypeError:  # an array or another unhashable value: the object itself decides
        return ("id", id(v))


def _func_key(func):
    """What func computes: for a plain Python function its code, globals, defaults and the
    values it closes over, so that a lambda written anew on every call (inside a loss) finds
    the compiled right-hand side of the last one; any other callable is its own key."""
    if isinstance(func, types.FunctionType):
        cells = tuple(_hashable(c.cell_contents) for c in func.__closure__ or ())
        return (func.__code__, id(func.__globals__), _hashable(func.__defaults__), cells)
    return func


def _user_dynamics(func, y_tree, y_shapes, args_tree):
    key = (_func_key(func), y_tree, y_shapes, args_tree)
    found = _DYNAMICS.get(key)
    if found is None:
        found = _DYNAMICS[key] = _build_user_dynamics(func, y_tree, y_shapes, args_tree)
        while len(_DYNAMICS) > 256:  # the oldest first
            del _DYNAMICS[next(iter(_DYNAMICS))]
    return found


_DYNAMICS: dict = {}


def _build_user_dynamics(func, y_tree, y_shapes, args_tree):
    def fn(yv, t, *arg_leaves):
        y = _unflatten(yv, y_tree, y_shapes)
        args = tree.tree_unflatten(args_tree, list(arg_leaves))
        dy = func(y, t, *args)
        leaves, out_tree = tree.tree_flatten(dy)
        if out_tree != y_tree or [tuple(fnp.shape(v)) for v in leaves] != list(y_shapes):
            raise ValueError(
                f"odeint: func(y, t, *args) must return dy/dt with y's structure and shapes "
                f"{y_tree} {list(y_shapes)}; got {out_tree} "
                f"{[tuple(fnp.shape(v)) for v in leaves]}")
        return _flatten(leaves, get_aval(yv).dtype)
    return _Dynamics(("user", _func_key(func), y_tree, y_shapes, args_tree), fn)


def _flatten(leaves, dtype):
    if not leaves:
        return fnp.zeros((0,), dtype)
    if len(leaves) == 1:
        v = fnp.asarray(leaves[0])
        aval = get_aval(v)
        if aval.ndim == 1 and aval.dtype == dtype:  # (no operation to record under a transform)
            return v
        return fnp.ravel(v).astype(dtype)
    return fnp.concatenate([fnp.ravel(fnp.asarray(v)).astype(dtype) for v in leaves])


def _unflatten(v, treedef, shapes, lead=()):
    """The leaves of a flat vector (or of rows of one, with leading axes `lead`) as a tree."""
    if len(shapes) == 1 and get_aval(v).shape[-1] == math.prod(shapes[0]):
        shape = tuple(lead) + tuple(shapes[0])
        return tree.tree_unflatten(treedef, [v if get_aval(v).shape == shape else
                                             fnp.reshape(v, shape)])
    out, start = [], 0
    for s in shapes:
        n = int(np.prod(s))
        piece = v[..., start:start + n]
        out.append(fnp.reshape(piece, tuple(lead) + tuple(s)))
        start += n
    return tree.tree_unflatten(treedef, out)


# ---- the primitive ------------------------------------------------------------------------------

odeint_p = Primitive("odeint")


def _odeint_impl(yv, ts, *arg_leaves, dynamics, rtol, atol, mxstep, hmax):
    """The solve on the host (its step loop is serial Python); a result for operands on a GPU
    goes back there."""
    xp = backend.xp_of(yv, ts, *arg_leaves)
    if xp is not np:
        out = _odeint_impl(*[backend.to_host(v) for v in (yv, ts, *arg_leaves)],
                           dynamics=dynamics, rtol=rtol, atol=atol, mxstep=mxstep, hmax=hmax)
        return xp.asarray(out)
    ts = np.asarray(ts)
    if ts.ndim != 1:
        raise ValueError(f"odeint: t must be a 1-d array of times, got shape {ts.shape}")
    if np.any(np.diff(ts) < 0):
        raise ValueError("odeint: the times t must be nondecreasing")
    yv = np.asarray(yv)
    rhs = _on_host(dynamics.numpy, yv, ts[0] if len(ts) else 0.0,
                   [np.asarray(a) for a in arg_leaves])
    return _on_host(_solve, rhs, yv, ts, rtol, atol, mxstep, hmax)


def _on_host(fn, *args):
    """fn(*args) with the host as the default device: func runs where the solve runs (the
    context is entered only where another device is the default)."""
    if backend.default_device() is backend.CPU:
        return fn(*args)
    with backend.using_default_device("cpu"):
        return fn(*args)


def _odeint_abstract_eval(yv, ts, *arg_leaves, dynamics, rtol, atol, mxstep, hmax):
    if ts.ndim != 1:
        raise ValueError(f"odeint: t must be a 1-d array of times, got shape {ts.shape}")
    return ShapedArray((ts.shape[0],) + yv.shape, yv.dtype)


def _odeint_jvp(primals, tangents, **params):
    raise TypeError("can't apply forward-mode autodiff (jvp) to odeint: it has a reverse-mode "
                    "rule only, as JAX's (use fg.grad / fg.vjp / fg.jacrev)")


def _odeint_vjp(ct, ans, args, positions, residuals, *, dynamics, rtol, atol, mxstep, hmax):
    """The adjoint method (see _adjoint_sweep). With every value concrete and on the host (a
    first-order gradient) the sweep runs in numpy, calling the compiled right-hand sides and
    _solve directly; otherwise (a value being traced: higher order, jit, vmap; or on a GPU) with
    funcgrad operations and the odeint primitive, so that it is itself differentiable."""
    yv, ts, *arg_leaves = args
    dtype = get_aval(yv).dtype
    n_args = sum(_size(x) for x in arg_leaves)
    if all(v.__class__ is Array and v._value.__class__ is np.ndarray for v in (ct, ans, *args)):
        ts_h, leaves = ts._value, [x._value for x in arg_leaves]
        f = _on_host(dynamics.numpy, yv._value, ts_h[0] if len(ts_h) else 0.0, leaves)
        adjoint = []  # its rhs, made at the first interval (every interval's state has one shape)

        def solve(state, span):
            if not adjoint:
                adjoint.append(_on_host(dynamics.adjoint.numpy, state, span[0], leaves))
            return _on_host(_solve, adjoint[0], state, span, rtol, atol, mxstep, hmax)[1]
        a, ts_bar, args_bar = _adjoint_sweep(np, f, solve, ans._value, ct._value, ts_h, n_args,
                                              dtype)
        # the cotangents in numpy, each wrapped once (no funcgrad operation per piece)
        cts = [a, ts_bar.astype(ts_h.dtype, copy=False)]
        start = 0
        for x in leaves:
            cts.append(args_bar[start:start + x.size].reshape(x.shape).astype(x.dtype,
                                                                               copy=False))
            start += x.size
        return [wrap_value(cts[p]) for p in positions]
    else:
        def solve(state, span):
            return odeint_p.bind(state, span, *arg_leaves, dynamics=dynamics.adjoint, rtol=rtol,
                                 atol=atol, mxstep=mxstep, hmax=hmax)[1]
        a, ts_bar, args_bar = _adjoint_sweep(
            fnp, lambda y, t: dynamics._jitted(y, t, *arg_leaves), solve, ans, ct, ts, n_args,
            dtype)
    arg_cts = _unflatten(args_bar, tree.tree_structure(list(arg_leaves)),
                         [get_aval(x).shape for x in arg_leaves])
    cts = [a, ts_bar.astype(get_aval(ts).dtype)] + [
        c.astype(get_aval(x).dtype) for c, x in zip(arg_cts, arg_leaves)]
    return [cts[p] for p in positions]


def _adjoint_sweep(xp, f, solve, ys, ct, ts, n_args, dtype):
    """(y0_bar, ts_bar, args_bar) from the solution ys at the times ts and its cotangent ct,
    args_bar the n_args arguments' cotangents flat: from the last time back to the first,
    integrate [y, a, t_bar, args_bar] backwards over each interval by solve(state, [-t_i,
    -t_(i-1)]), adding the output cotangent at each time; f(y, t) is the dynamics (for ts_bar).
    xp: numpy (on values) or funcgrad.numpy (on traced values)."""
    n_t, n = ys.shape[0], ys.shape[1]
    args_bar = xp.zeros((n_args,), dtype)
    if n_t == 0:
        return xp.zeros((n,), dtype), xp.zeros((0,), dtype), args_bar
    a = ct[n_t - 1]
    t0_bar = xp.zeros((1,), dtype)
    t_bars = []
    for i in range(n_t - 1, 0, -1):
        t_bar = xp.sum(f(ys[i], ts[i]) * ct[i])
        t_bars.append(xp.reshape(t_bar, (1,)))
        t0_bar = t0_bar - t_bar
        sol = solve(xp.concatenate([ys[i], a, t0_bar, args_bar]),
                    xp.stack([-ts[i], -ts[i - 1]]))
        a = sol[n:2 * n] + ct[i - 1]
        t0_bar, args_bar = sol[2 * n:2 * n + 1], sol[2 * n + 1:]
    return a, xp.concatenate([t0_bar] + t_bars[::-1]), args_bar


def _odeint_batch(args, dims, **params):
    """One solve per batch element (each with its own step sizes, exactly as a loop)."""
    size = batch_size(args, dims)
    args = [to_front(x, d, size) for x, d in zip(args, dims)]
    if size == 0:
        out = _odeint_abstract_eval(*[ShapedArray(get_aval(x).shape[1:], get_aval(x).dtype)
                                      for x in args], **params)
        return fnp.zeros((0,) + tuple(out.shape), out.dtype), 0
    outs = [odeint_p.bind(*[x[b] for x in args], **params) for b in range(size)]
    return fnp.stack(outs), 0


odeint_p.declare(impl=_odeint_impl, abstract_eval=_odeint_abstract_eval, jvp=_odeint_jvp,
                 batch=_odeint_batch, structured_batch=None, jit=None, fresh=True, **PURE,
                 **RULE_FIRST, **NO_ALGEBRA)
defvjp_all(odeint_p, _odeint_vjp)


def odeint(func: Callable[..., Any], y0: Any, t: ArrayLike, *args: Any, rtol: float = 1.4e-8,
           atol: float = 1.4e-8, mxstep: float = math.inf, hmax: float = math.inf) -> Any:
    """Solve dy/dt = func(y, t, *args) from y(t[0]) = y0 at the times t (nondecreasing), as
    jax.experimental.ode.odeint: y0 a pytree of arrays, the result that pytree with a leading
    axis of len(t). rtol/atol: the error tolerances; mxstep: the most step attempts per output
    interval; hmax: the largest step. Reverse-mode derivatives (adjoint method) with respect to
    y0, t and args; func must reach traced values through args, not through a closure.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> ys = odeint(lambda y, t, k: -k * y, 1.0, fnp.array([0.0, 1.0]), 2.0)
    >>> round(float(ys[1]), 8)  # exp(-2)
    0.13533528
    >>> round(float(fg.grad(lambda k: odeint(lambda y, t, k: -k * y, 1.0,
    ...                                       fnp.array([0.0, 1.0]), k)[1])(2.0)), 6)
    -0.135335
    """
    if not callable(func):
        raise TypeError(f"odeint: func must be callable func(y, t, *args), got {func!r}")
    if not (rtol > 0 and atol >= 0):
        raise ValueError(f"odeint: rtol must be > 0 and atol >= 0, got rtol={rtol}, atol={atol}")
    y_leaves, y_tree = tree.tree_flatten(y0)
    y_leaves = [fnp.asarray(v) for v in y_leaves]
    dtype = np.result_type(*[v.dtype for v in y_leaves], np.float32) if y_leaves \
        else np.dtype(np.float64)
    if dtype.kind not in "fc":
        dtype = np.dtype(np.float64)
    y_shapes = tuple(tuple(v.shape) for v in y_leaves)
    arg_leaves, args_tree = tree.tree_flatten(args)
    arg_leaves = [fnp.asarray(v) for v in arg_leaves]
    arg_leaves = [v.astype(dtype) if v.dtype.kind in "biu" else v for v in arg_leaves]
    t = fnp.asarray(t)
    if t.ndim != 1:
        raise ValueError(f"odeint: t must be a 1-d array of times, got t.shape={t.shape}")
    t = t.astype(np.result_type(t.dtype, np.float32)) if t.dtype.kind != "f" else t
    dynamics = _user_dynamics(func, y_tree, y_shapes, args_tree)
    ys = odeint_p.bind(_flatten(y_leaves, dtype), t, *arg_leaves, dynamics=dynamics,
                       rtol=float(rtol), atol=float(atol), mxstep=mxstep, hmax=float(hmax))
    return _unflatten(ys, y_tree, y_shapes, lead=(t.shape[0],))


__all__ = ["odeint", "trapezoid"]
