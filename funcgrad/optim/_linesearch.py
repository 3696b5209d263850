"""Line searches: transformations that pick the step size along the incoming update direction by
evaluating the objective there, as optax's do. `scale_by_backtracking_linesearch` shrinks the
step until it decreases the objective enough (Armijo); `scale_by_zoom_linesearch` finds a step
satisfying the strong Wolfe conditions (sufficient decrease and small curvature) by growing an
interval, then zooming into it with cubic/quadratic interpolation or bisection.

Both are GradientTransformationExtraArgs: their `update` takes the objective's `value` and `grad`
at the current parameters and the objective itself (`value_fn`), plus any keyword arguments
`value_fn` accepts (data, say). The search is a `lax.while_loop`, so a whole solver step jits,
and runs inside a user's own while_loop.

funcgrad has no x64 switch: where optax makes a scalar in JAX's default dtype (which follows
`jax_enable_x64`), these make it in the parameters' precision, float64/int64 for float64
parameters (what optax gives under x64) and float32/int32 for float32 ones (optax without x64).
"""
from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from .. import debug
from .. import numpy as fnp
from .. import tree
from .._api import value_and_grad
from .._core.array import Array
from .._core.typing import PyTree
from ..lax import cond, while_loop
from ._base import GradientTransformationExtraArgs, OptState, Params, Updates
from ._numerics import default_int
from . import _tree_ops as otree
from ._tree_state import get as tree_get

# ---- helpers shared with L-BFGS and contrib -----------------------------------------------------


def value_dtype(params: PyTree) -> np.dtype:
    """The real dtype of the first leaf: what optax computes values and step sizes in."""
    leaves = tree.tree_leaves(params)
    if not leaves:
        raise ValueError("a line search needs parameters with at least one array leaf; got "
                         f"{params!r}")
    dtype = np.dtype(fnp.asarray(leaves[0]).dtype)
    return np.dtype(np.finfo(dtype).dtype) if dtype.kind in "fc" else np.dtype(np.float64)


def ieee_divide(num: Any, den: Any) -> Array:
    """num / den with IEEE results where den == 0 (inf, -inf, or nan for 0/0), as JAX computes
    them, without numpy's divide-by-zero warnings."""
    num, den = fnp.asarray(num), fnp.asarray(den)
    zero = den == 0
    quotient = num / fnp.where(zero, fnp.ones_like(den), den)
    at_zero = fnp.where(num == 0, fnp.nan, fnp.where(num > 0, fnp.inf, -fnp.inf))
    return fnp.where(zero, at_zero.astype(quotient.dtype), quotient)


def real_vdot(a: PyTree, b: PyTree) -> Array:
    """Re <a, b> over all leaves (a conjugated), as optax takes slopes and curvatures."""
    return fnp.real(fnp.asarray(otree.vdot(a, b)))


def safe_divide(num: Any, den: Any, where_zero: Any) -> Array:
    """num / den, or `where_zero` where den == 0, without numpy's divide-by-zero warning. (The
    interpolations below take nan there: JAX's inf or nan, which they treat alike, as "not a
    valid point".)"""
    zero = den == 0
    return fnp.where(zero, where_zero, num / fnp.where(zero, fnp.ones_like(den), den))


def _split_fn_kwargs(who: str, value_fn: Callable[..., Any], extra_args: dict) -> dict:
    """The extra arguments value_fn takes; any other is an error, as in optax."""
    names = set(inspect.signature(value_fn).parameters)
    unused = sorted(k for k in extra_args if k not in names)
    if unused:
        raise TypeError(f"Unexpected keyword arguments passed to `{who}.update`. These arguments "
                        f"were not consumed by `value_fn`: {unused}. Ensure that all extra "
                        "keyword arguments are accepted by `value_fn`.")
    return {k: v for k, v in extra_args.items() if k in names}


def _require(who: str, value: Any, grad: Any, value_fn: Any) -> None:
    missing = [n for n, v in (("value", value), ("grad", grad), ("value_fn", value_fn))
               if v is None]
    if missing:
        raise TypeError(
            f"{who}.update() needs the keyword argument(s) {missing}: the objective's value and "
            "gradient at the current parameters and the objective itself, e.g. "
            "`value, grad = value_and_grad(fn)(params); opt.update(grad, state, params, "
            "value=value, grad=grad, value_fn=fn)`")


def _cond_print(flag: Any, message: str, **values: Any) -> Array:
    """Print `message` (formatted with `values` at run time) when `flag` holds, under jit too.
    Returns a zero the caller adds into its result: under jit, funcgrad drops a cond whose
    outputs go unused, and an operation whose arguments all come from outside a branch runs
    outside it, so the flag and the values go in as the branch's operands."""
    def say(flag, v):
        debug.print(message, flag, **v)
        return fnp.zeros((), fnp.int32)

    return cond(flag, say, lambda flag, v: fnp.zeros((), fnp.int32), flag,
                {k: fnp.asarray(x) for k, x in values.items()})


def _nan_to_inf(x):
    return fnp.where(fnp.isnan(x), fnp.inf, x)


# ---- backtracking (Armijo) ---------------------------------------------------------------------


class BacktrackingLinesearchInfo(NamedTuple):
    """How the last backtracking search went: its number of trials and the final sufficient
    decrease error (0 when it succeeded)."""
    num_linesearch_steps: Array
    decrease_error: Array


class ScaleByBacktrackingLinesearchState(NamedTuple):
    """The state of `scale_by_backtracking_linesearch`: the step size it chose last, the
    objective's value there, its gradient (with store_grad=True, else None) and search info."""
    learning_rate: Array
    value: Array
    grad: PyTree
    info: BacktrackingLinesearchInfo


class _Backtrack(NamedTuple):
    learning_rate: Array
    new_value: Array
    new_grad: PyTree
    decrease_error: Array
    iter_num: Array


def scale_by_backtracking_linesearch(
        max_backtracking_steps: int, slope_rtol: float = 1e-4, decrease_factor: float = 0.8,
        increase_factor: float = 1.5, max_learning_rate: float = 1.0, atol: float = 0.0,
        rtol: float = 0.0, store_grad: bool = False,
        verbose: bool = False) -> GradientTransformationExtraArgs:
    """Scale the updates u by a step size eta meeting the sufficient decrease (Armijo) criterion
    f(w + eta u) <= (1 + rtol) f(w) + eta slope_rtol <u, grad f(w)> + atol. The search starts
    from min(increase_factor * last step, max_learning_rate) and multiplies by decrease_factor
    until the criterion holds or max_backtracking_steps trials are spent; a step that only
    reaches inf or nan values becomes 0. With store_grad=True the gradient at the accepted point
    is kept in the state, for `value_and_grad_from_state` to reuse. `verbose=True` prints what
    went wrong when a search fails.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> from funcgrad import optim
    >>> fn = lambda w: fnp.sum(w ** 2)
    >>> solver = optim.chain(optim.sgd(1.0),
    ...                      scale_by_backtracking_linesearch(max_backtracking_steps=15))
    >>> w = fnp.array([1.0, 2.0, 3.0])
    >>> state = solver.init(w)
    >>> value, grad = fg.value_and_grad(fn)(w)
    >>> updates, state = solver.update(grad, state, w, value=value, grad=grad, value_fn=fn)
    >>> print(f"{fn(optim.apply_updates(w, updates)):.2E}")
    5.04E+00
    """
    who = "scale_by_backtracking_linesearch"

    def init(params):
        dtype = value_dtype(params)
        return ScaleByBacktrackingLinesearchState(
            learning_rate=fnp.asarray(1.0, dtype), value=fnp.asarray(np.inf, dtype),
            grad=otree.zeros_like(params) if store_grad else None,
            info=BacktrackingLinesearchInfo(fnp.asarray(0, default_int(dtype)),
                                            fnp.asarray(np.inf, dtype)))

    def update(updates, state, params=None, *, value=None, grad=None, value_fn=None,
               **extra_args):
        _require(who, value, grad, value_fn)
        fn_kwargs = _split_fn_kwargs(who, value_fn, extra_args)
        dtype = value_dtype(params)
        slope = real_vdot(updates, otree.conj(grad))

        def decrease_error(lr, new_value):
            err = new_value - (1.0 + rtol) * value - lr * slope_rtol * slope
            return fnp.maximum(_nan_to_inf(err), 0.0)

        def keep_going(s):
            return ~(s.decrease_error <= atol) & (s.iter_num <= max_backtracking_steps)

        def trial(s):
            lr = fnp.where(s.iter_num > 0, decrease_factor * s.learning_rate, s.learning_rate)
            candidate = otree.add_scale(params, lr, updates)
            new_value = value_fn(candidate, **fn_kwargs)
            err = decrease_error(lr, new_value)
            new_grad = s.new_grad
            if store_grad:  # the gradient only at the point the search stops on
                new_grad = cond((err <= atol) | (s.iter_num == max_backtracking_steps),
                                lambda p: value_and_grad(value_fn)(p, **fn_kwargs)[1],
                                lambda p: s.new_grad, candidate)
            return otree.cast_like(_Backtrack(lr, new_value, new_grad, err, s.iter_num + 1), s)

        start = _Backtrack(
            learning_rate=fnp.asarray(fnp.minimum(increase_factor * state.learning_rate,
                                                  max_learning_rate), dtype),
            new_value=fnp.asarray(value, dtype), new_grad=otree.zeros_like(params),
            decrease_error=fnp.asarray(np.inf, dtype),
            iter_num=fnp.asarray(0, default_int(dtype)))
        s = while_loop(keep_going, trial, start)
        lr = fnp.where(fnp.isinf(s.decrease_error), 0.0, s.learning_rate)
        if verbose:
            said = _cond_print(s.decrease_error > atol,
                        "INFO: scale_by_backtracking_linesearch: no stepsize ensuring sufficient "
                        "decrease found.\nValue at current params: {value},\nSlope along update "
                        "direction: {slope}\nStepsize: {stepsize}\nDecrease Error: {error}",
                        value=fnp.asarray(value), slope=slope, stepsize=s.learning_rate,
                        error=s.decrease_error)
            said = said + _cond_print(fnp.isinf(s.decrease_error),
                                      "Using a stepsize of 0 to avoid infinite or nan values.")
            s = s._replace(iter_num=s.iter_num + said)  # + 0: keeps the prints under jit
        new_state = ScaleByBacktrackingLinesearchState(
            learning_rate=lr, value=s.new_value, grad=s.new_grad if store_grad else None,
            info=BacktrackingLinesearchInfo(s.iter_num, s.decrease_error))
        return otree.scale(lr, updates), otree.cast_like(new_state, state)

    return GradientTransformationExtraArgs(init, update)


# ---- zoom (strong Wolfe) -----------------------------------------------------------------------


class ZoomLinesearchInfo(NamedTuple):
    """How the last zoom search went: its number of trials and the final sufficient decrease
    and curvature errors (0 when the criterion holds)."""
    num_linesearch_steps: Array
    decrease_error: Array
    curvature_error: Array


class ScaleByZoomLinesearchState(NamedTuple):
    """The state of `scale_by_zoom_linesearch`: the step size it chose last, the objective's
    value and gradient there (reusable by `value_and_grad_from_state`) and search info."""
    learning_rate: Array
    value: Array
    grad: PyTree
    info: ZoomLinesearchInfo


class _Point(NamedTuple):
    """A step size along the direction, the value there and the slope (directional derivative)."""
    step: Array
    value: Array
    slope: Array


class _Zoom(NamedTuple):
    count: Any
    guess: Array          # the first step size tried
    current: _Point       # the last point tried
    grad: PyTree          # the gradient at `current`
    decrease_error: Array
    curvature_error: Array
    interval_found: Array
    done: Array
    failed: Array
    low: _Point           # value(low) <= value(high); low may be the larger step
    high: _Point
    ref: _Point           # the third point the cubic interpolation goes through (slope unused)
    safe: _Point          # the best point with sufficient decrease so far (slope unused)
    safe_grad: PyTree


def _cubic_minimizer(a, fa, slope_a, b, fb, c, fc):
    # The critical point of the cubic through (a, fa), (b, fb), (c, fc) with slope slope_a at a;
    # nan when there is none (scipy's line search does the same interpolation).
    db, dc = b - a, c - a
    rb, rc = fb - fa - slope_a * db, fc - fa - slope_a * dc
    den = (db * dc) ** 2 * (db - dc)
    cubic = safe_divide(dc ** 2 * rb - db ** 2 * rc, den, fnp.nan)
    square = safe_divide(-dc ** 3 * rb + db ** 3 * rc, den, fnp.nan)
    radical = square * square - 3.0 * cubic * slope_a
    root = fnp.sqrt(fnp.where(radical >= 0, radical, fnp.nan))
    return a + safe_divide(-square + root, 3.0 * cubic, fnp.nan)


def _quadratic_minimizer(a, fa, slope_a, b, fb):
    # The critical point of the quadratic through (a, fa), (b, fb) with slope slope_a at a.
    db = b - a
    curv = safe_divide(fb - fa - slope_a * db, db ** 2, fnp.nan)
    return a - safe_divide(slope_a, 2.0 * curv, fnp.nan)


def _pick(flag, a, b):
    return otree.where(flag, a, b)


def scale_by_zoom_linesearch(
        max_linesearch_steps: int, max_learning_rate: float | None = None, tol: float = 0.0,
        increase_factor: float = 2.0, slope_rtol: float = 1e-4, curv_rtol: float = 0.9,
        approx_dec_rtol: float | None = 1e-6, stepsize_precision: float = 1e-5,
        initial_guess_strategy: str = "keep",
        verbose: bool = False) -> GradientTransformationExtraArgs:
    """Scale the updates u by a step size eta meeting the strong Wolfe conditions: sufficient
    decrease f(w + eta u) <= f(w) + slope_rtol eta <u, grad f(w)> + tol, and small curvature
    |<grad f(w + eta u), u>| <= curv_rtol |<grad f(w), u>| + tol (Nocedal & Wright's algorithms
    3.5 and 3.6). Near a minimum the decrease test switches to Hager and Zhang's approximate one
    (unless approx_dec_rtol is None). The first phase grows the step by increase_factor, up to
    max_learning_rate, until an interval holding a good step is found; the second zooms into it.
    When max_linesearch_steps trials, or an interval shorter than stepsize_precision, leave only
    a step with sufficient decrease, that step is taken. initial_guess_strategy "keep" starts
    from the last step size, "one" from 1 (best for quasi-Newton directions). The value and
    gradient at the chosen point stay in the state for `value_and_grad_from_state`.
    `verbose=True` prints a diagnosis when a search fails.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> from funcgrad import optim
    >>> fn = lambda w: fnp.sum(w ** 2)
    >>> solver = optim.chain(optim.sgd(1.0),
    ...                      scale_by_zoom_linesearch(max_linesearch_steps=15))
    >>> w = fnp.array([1.0, 2.0, 3.0])
    >>> state = solver.init(w)
    >>> value, grad = fg.value_and_grad(fn)(w)
    >>> updates, state = solver.update(grad, state, w, value=value, grad=grad, value_fn=fn)
    >>> print(f"{fn(optim.apply_updates(w, updates)):.2E}")
    0.00E+00
    """
    who = "scale_by_zoom_linesearch"
    if initial_guess_strategy not in ("one", "keep"):
        raise ValueError(f"Unknown initial guess strategy: {initial_guess_strategy!r}; use "
                         "'one' or 'keep'")

    def errors(p: _Point, init: _Point) -> tuple[Array, Array]:
        # the sufficient decrease error (Armijo, or Hager-Zhang's approximate one when smaller)
        # and the curvature error, each 0 when its criterion holds and inf for nan
        dec = p.value - init.value - slope_rtol * p.step * init.slope
        if approx_dec_rtol is not None:
            approx = fnp.maximum(p.slope - (2 * slope_rtol - 1.0) * init.slope,
                                 p.value - init.value - approx_dec_rtol * fnp.abs(init.value))
            dec = fnp.minimum(approx, dec)
        curv = fnp.abs(p.slope) - curv_rtol * fnp.abs(init.slope)
        return _nan_to_inf(fnp.maximum(dec, 0.0)), _nan_to_inf(fnp.maximum(curv, 0.0))

    def update(updates, state, params=None, *, value=None, grad=None, value_fn=None,
               **extra_args):
        _require(who, value, grad, value_fn)
        fn_kwargs = _split_fn_kwargs(who, value_fn, extra_args)
        dtype = value_dtype(params)
        vg = value_and_grad(value_fn)

        def scalar(x):
            return fnp.asarray(x, dtype)

        slope0 = scalar(real_vdot(updates, grad))
        init = _Point(scalar(0.0), scalar(value), slope0)

        def evaluate(step):
            v, g = vg(otree.add_scale(params, step, updates), **fn_kwargs)
            return _Point(step, scalar(v), scalar(real_vdot(otree.conj(g), updates))), g

        def search_interval(s: _Zoom) -> _Zoom:
            prev = s.current
            step = fnp.where(s.count == 0, s.guess, increase_factor * prev.step)
            at_max = fnp.asarray(False)
            if max_learning_rate is not None:
                at_max = step >= max_learning_rate
                step = fnp.minimum(step, max_learning_rate)
            new, g = evaluate(scalar(step))
            dec, curv = errors(new, init)
            err = fnp.maximum(dec, curv)
            safe, safe_grad = _pick(dec <= tol, (new, g), (s.safe, s.safe_grad))
            high_is_new = (dec > 0.0) | ((new.value >= prev.value) & (s.count > 0))
            low_is_new = (new.slope >= 0.0) & ~high_is_new
            low, high = _pick(low_is_new, (new, prev), (prev, new))
            found = high_is_new | low_is_new | (err <= tol)
            done = (err <= tol) | (at_max & ~found)
            return _Zoom(s.count + 1, s.guess, new, g, dec, curv, found, done,
                         (s.count + 1 >= max_linesearch_steps) & ~done, low, high, low, safe,
                         safe_grad)

        def zoom(s: _Zoom) -> _Zoom:
            low, high, ref = s.low, s.high, s.ref
            width = fnp.abs(high.step - low.step)
            left = fnp.minimum(high.step, low.step)
            right = fnp.maximum(high.step, low.step)
            cubic = _cubic_minimizer(low.step, low.value, low.slope, high.step, high.value,
                                     ref.step, ref.value)
            quad = _quadratic_minimizer(low.step, low.value, low.slope, high.step, high.value)
            cubic_ok = (cubic > left + 0.2 * width) & (cubic < right - 0.2 * width)
            quad_ok = (quad > left + 0.1 * width) & (quad < right - 0.1 * width)
            step = fnp.where(cubic_ok, cubic,
                             fnp.where(quad_ok, quad, (low.step + high.step) / 2.0))
            mid, g = evaluate(scalar(step))
            dec, curv = errors(mid, init)
            done = fnp.maximum(dec, curv) <= tol
            safe, safe_grad = _pick((dec <= tol) & (mid.value < s.safe.value), (mid, g),
                                    (s.safe, s.safe_grad))
            high_is_mid = (dec > 0.0) | (mid.value >= low.value)
            high_is_low = (mid.slope * (high.step - low.step) >= 0.0) & ~high_is_mid
            new_high = _pick(high_is_mid, mid, _pick(high_is_low, low, high))
            new_low = _pick(high_is_mid, low, mid)
            new_ref = _pick(high_is_mid | high_is_low, high, low)
            stuck = (s.count + 1 >= max_linesearch_steps) | (
                (width <= stepsize_precision) & (safe.step > 0.0))
            return _Zoom(s.count + 1, s.guess, mid, g, dec, curv, s.interval_found, done,
                         stuck & ~done, new_low, new_high, new_ref, safe, safe_grad)

        def fall_back(s: _Zoom) -> _Zoom:
            # out of trials: the best point with sufficient decrease, if any (or if the last
            # point is outside the function's domain)
            use_safe = (s.safe.step > 0.0) | fnp.isinf(s.decrease_error)
            if verbose:
                s = s._replace(count=s.count + diagnose(s))  # + 0: keeps the prints under jit
            current, g = _pick(use_safe, (s.safe, s.safe_grad), (s.current, s.grad))
            return s._replace(current=s.current._replace(step=current.step,
                                                         value=current.value), grad=g)

        def diagnose(s: _Zoom) -> Array:
            debug.print("INFO: scale_by_zoom_linesearch:\nValue at current params: {v}\n"
                        "Slope along update direction: {g}\nStepsize reached: {t}\n"
                        "Decrease Error: {d}\nCurvature Error: {c}", v=init.value,
                        g=init.slope, t=s.current.step, d=s.decrease_error,
                        c=s.curvature_error)
            said = _cond_print(s.safe.step > 0.0, "Returning stepsize with sufficient decrease but "
                        "curvature condition not satisfied. Stepsize ensuring sufficient "
                        "decrease: {t}.", t=s.safe.step)
            failed = s.safe.step <= 0.0
            said = said + _cond_print(failed, "Linesearch failed, no stepsize satisfying sufficient "
                        "decrease found.")
            said = said + _cond_print(failed & (init.slope >= 0.0), "The linesearch failed because the "
                        "provided direction is not a descent direction. The slope (={g}) at "
                        "stepsize=0 should be negative", g=init.slope)
            said = said + _cond_print(failed & (init.slope < 0.0), "Consider augmenting the maximal number "
                        "of linesearch iterations.")
            said = said + _cond_print(failed & fnp.isinf(s.decrease_error), "Cannot even make a step without "
                        "getting Inf or Nan. The linesearch won't make a step and the optimizer "
                        "is stuck.")
            return said

        def step_fn(s: _Zoom) -> _Zoom:
            new = cond(s.interval_found, zoom, search_interval, s)
            new = cond(new.failed, fall_back, lambda x: x, new)
            return otree.cast_like(new, s)

        guess = state.learning_rate if initial_guess_strategy == "keep" else 1.0
        inf, false = scalar(np.inf), fnp.asarray(False)
        start = _Zoom(fnp.asarray(0, default_int(dtype)), scalar(guess), init, grad, inf, inf,
                      false, false, false, init, init, init, init, grad)
        s = while_loop(lambda s: ~(s.done | s.failed), step_fn, start)
        new_state = ScaleByZoomLinesearchState(
            learning_rate=s.current.step, value=s.current.value, grad=s.grad,
            info=ZoomLinesearchInfo(s.count, s.decrease_error, s.curvature_error))
        return otree.scale(s.current.step, updates), otree.cast_like(new_state, state)

    def init(params):
        dtype = value_dtype(params)
        return ScaleByZoomLinesearchState(
            learning_rate=fnp.asarray(1.0, dtype), value=fnp.asarray(np.inf, dtype),
            grad=otree.zeros_like(params),
            info=ZoomLinesearchInfo(fnp.asarray(0, default_int(dtype)),
                                    fnp.asarray(np.inf, dtype), fnp.asarray(np.inf, dtype)))

    return GradientTransformationExtraArgs(init, update)


# ---- reusing the search's last evaluation ------------------------------------------------------


def value_and_grad_from_state(
        value_fn: Callable[..., Any]) -> Callable[..., tuple[Array, Updates]]:
    """Like `funcgrad.value_and_grad(value_fn)`, but takes the value and gradient a line search
    left in the optimizer state (`state=` keyword) when it holds a finite value, computing them
    only otherwise (at the first step). Saves one evaluation per step on deterministic
    objectives.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad import optim
    >>> fn = lambda w: fnp.sum(w ** 2)
    >>> solver = optim.lbfgs()
    >>> w = fnp.array([1.0, 2.0, 3.0])
    >>> state = solver.init(w)
    >>> value_and_grad_fn = value_and_grad_from_state(fn)
    >>> for _ in range(2):
    ...     value, grad = value_and_grad_fn(w, state=state)
    ...     updates, state = solver.update(grad, state, w, value=value, grad=grad, value_fn=fn)
    ...     w = optim.apply_updates(w, updates)
    ...     print(f"{fn(w):.2E}")
    7.52E+00
    2.59E-31
    """
    def fn(params: Params, *fn_args: Any, state: OptState,
           **fn_kwargs: Any) -> tuple[Array, Updates]:
        value, grad = tree_get(state, "value"), tree_get(state, "grad")
        if value is None or grad is None:
            raise ValueError("Value or gradient not found in the state. Make sure that these "
                             "values are stored in the state by the optimizer: chain a line "
                             "search (scale_by_zoom_linesearch, or "
                             "scale_by_backtracking_linesearch with store_grad=True)")
        return cond(fnp.isfinite(value),
                    lambda p, a, k: (fnp.asarray(value), grad),
                    lambda p, a, k: value_and_grad(value_fn)(p, *a, **k),
                    params, fn_args, fn_kwargs)

    return fn
