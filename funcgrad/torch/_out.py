"""The out= argument, once for every torch function that PyTorch gives one: the function computes
its result as usual, then `write_out` writes it into the given tensor (or tuple of tensors) with
PyTorch's rules: a non-empty out of another shape is resized with a UserWarning, the result's
dtype must be castable to out's (RuntimeError otherwise), and nothing that requires grad may
take part while grad mode is on. Factories (zeros, rand, arange, ...) take their dtype from out.

`install(namespace)` wraps the functions named in OUT_FUNCTIONS in a namespace (the torch module's
globals) so each takes out=.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from . import _dtypes as D
from ._grad_mode import is_grad_enabled, no_grad
from ._user_warnings import warn as _warn
from ._tensor import Tensor

# the torch functions that take out= in PyTorch (held against torch's own by
# tests/test_torch_out.py)
OUT_FUNCTIONS = (
    "abs", "absolute", "acos", "acosh", "add", "addcdiv", "addcmul", "addmm", "addmv", "all",
    "amax", "amin", "aminmax", "any", "arange", "arccos", "arccosh", "arcsin", "arcsinh", "arctan",
    "arctan2", "arctanh", "argmax", "argmin", "asin", "asinh", "atan", "atan2", "atanh",
    "baddbmm", "bernoulli", "bitwise_and", "bitwise_not", "bitwise_or", "bitwise_xor", "bmm",
    "bucketize", "cat", "ceil", "clamp", "clamp_max", "clamp_min", "clip", "column_stack",
    "complex", "concat", "concatenate", "cos", "cosh", "cross", "cumprod", "cumsum", "diag", "div",
    "divide", "dot", "dstack", "empty", "eq", "erf", "exp", "exp2", "expm1", "eye", "fix",
    "float_power", "floor", "floor_divide", "fmax", "fmin", "fmod", "frac", "full", "gather",
    "ge", "ger", "greater", "greater_equal", "gt", "hstack", "hypot", "index_add", "index_copy",
    "index_select", "inner", "inverse", "kron", "kthvalue", "le", "lerp", "less", "less_equal",
    "lgamma", "linspace", "log", "log10", "log1p", "log2", "log_softmax", "logaddexp",
    "logical_and", "logical_not", "logical_or", "logical_xor", "logspace", "logsumexp", "lt",
    "masked_select", "matmul", "max", "maximum", "mean", "median", "min", "minimum", "mm", "mode",
    "msort", "mul", "multinomial", "multiply", "mv", "nan_to_num", "nansum", "ne", "neg",
    "negative", "nonzero", "norm", "normal", "not_equal", "ones", "outer", "polar", "pow", "prod",
    "rand", "randint", "randn", "randperm", "reciprocal", "remainder", "round", "row_stack",
    "rsqrt", "scatter", "scatter_add", "searchsorted", "sgn", "sigmoid", "sign", "sin", "sinh",
    "softmax", "sort", "sqrt", "square", "stack", "std", "sub", "subtract", "sum", "take",
    "take_along_dim", "tan", "tanh", "tensordot", "topk", "tril", "triu", "true_divide", "trunc",
    "var", "vdot", "vstack", "where", "xlogy", "zeros")

# factories: out's dtype is the result's when none is given
_FACTORIES = frozenset(("arange", "empty", "eye", "full", "linspace", "logspace", "ones", "rand",
                        "randint", "randn", "randperm", "zeros"))
# How each function's kernel checks out's dtype in PyTorch: by default the result's kind must fit
# out's (castable); these demand the exact dtype (and word it their own way), or take any dtype
# (reductions that compute in out's dtype). {r}/{o}: the dtypes' ScalarType names (Float, Long),
# {rc}/{oc}: their C names (float, long int).
_CAST = "result type {r} can't be cast to the desired output type {o}"
_EXPECTED = "Expected out tensor to have dtype {rc}, but got {oc} instead"
_FOUND = "Found dtype {o} but expected {r}"
_SAME = "{name}(): self and result must have the same scalar type"
_CAT = ("cat", "concat", "concatenate", "stack", "hstack", "vstack", "dstack", "column_stack",
        "row_stack")
_DTYPE_RULES: dict[str, tuple[str, str, type]] = {
    **{n: ("exact", _EXPECTED, RuntimeError) for n in (
        "addmm", "addmv", "argmax", "argmin", "baddbmm", "bmm", "gather", "log_softmax",
        "matmul", "mm", "mv", "softmax", "tril", "triu")},
    **{n: ("exact", _FOUND, RuntimeError) for n in (
        "abs", "absolute", "ceil", "clamp", "clamp_max", "clamp_min", "clip", "fix", "floor",
        "frac", "neg", "negative", "round", "sgn", "sign", "trunc")},
    **{n: ("exact", "Expected the dtype for input and out to match, but got {r} for input's "
           "dtype and {o} for out's dtype.", RuntimeError) for n in ("amax", "amin")},
    **{n: ("exact", "result dtype {o} does not match input dtype {r}", RuntimeError)
       for n in ("dot", "vdot")},
    **{n: ("exact", _SAME, RuntimeError) for n in ("index_select", "masked_select")},
    "take": ("exact", "take(): self and out expected to have the same dtype, but got self.dtype "
             "= {r} and out.dtype = {o}", RuntimeError),
    "where": ("exact", "Expected out type to be {r} but got {o}", RuntimeError),
    "nonzero": ("exact", "nonzero: Expected out tensor to have scalar type Long but got scalar "
                "type{o}", RuntimeError),
    "diag": ("diag", "diag: result type {r} can't be cast to the desired out= type {o}",
             RuntimeError),
    "logsumexp": ("floating", "logsumexp(): Expected floating point type for result tensor, but "
                  "got: {o}", RuntimeError),
    **{n: ("cast", "torch.cat(): input types can't be cast to the desired output type {o}",
           TypeError) for n in _CAT},
    **{n: ("any", "", RuntimeError) for n in ("sum", "nansum", "prod", "cumsum", "cumprod")},
}
_C_NAMES = {"float32": "float", "float64": "double", "int64": "long int", "int32": "int",
            "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
            "bool": "bool", "float16": "c10::Half", "complex64": "c10::complex<float>",
            "complex128": "c10::complex<double>"}


def _category(dt):
    return 3 if dt.is_complex else 2 if dt.is_floating_point else 0 if dt is D.bool else 1


def _check_dtype(name, rdt, odt):
    """PyTorch's error where out's dtype `odt` cannot take torch.`name`'s result dtype `rdt`."""
    rule, message, kind = _DTYPE_RULES.get(name, ("cast", _CAST, RuntimeError))
    castable = _category(rdt) <= _category(odt)
    if rule == "any" or rule == "cast" and castable or rule == "floating" and (
            odt.is_floating_point or odt.is_complex):
        return
    if rule == "diag" and castable:
        message = _EXPECTED
    raise kind(message.format(r=D.type_name(rdt), o=D.type_name(odt), rc=_C_NAMES[rdt.name],
                              oc=_C_NAMES[odt.name], name=name))


def _write_one(name, result, out):
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    rdt, odt = result._dtype, out._dtype
    if rdt is not odt:
        _check_dtype(name, rdt, odt)
    shape = tuple(result.shape)
    if tuple(out.shape) != shape:
        if name == "arange" and out.numel() and out.numel() != result.numel():
            _warn(f"The number of elements in the out tensor of shape {list(out.shape)} is "
                  f"{out.numel()} which does not match the computed number of elements "
                  f"{result.numel()}. Note that this may occur as a result of rounding error. "
                  f"The out tensor will be resized to a tensor of shape {shape}.")
        elif out.numel() and name not in _FACTORIES:  # factories resize quietly
            _warn(f"An output with one or more elements was resized since it had shape "
                  f"{list(out.shape)}, which does not match the required output shape "
                  f"{list(shape)}. This behavior is deprecated, and in a future PyTorch release "
                  f"outputs will not be resized unless they have zero elements. You can "
                  f"explicitly reuse an out tensor t by resizing it, inplace, to zero elements "
                  f"with t.resize_(0).")
        out.resize_(shape)
    with no_grad():
        out.copy_(result)
    return out


def write_out(name: str, result: Any, out: Any, inputs: tuple = ()) -> Any:
    """`result` of torch.`name` written into `out` (a tensor, or a tuple of tensors for a
    function with several results), with PyTorch's checks; returns out.

    >>> import funcgrad.torch as torch
    >>> o = torch.empty(0)
    >>> torch.add(torch.ones(2), 1, out=o) is o, o
    (True, tensor([2., 2.]))
    """
    if is_grad_enabled() and (any(isinstance(a, Tensor) and a._requires_grad for a in inputs)
                              or any(t._requires_grad for t in
                                     (out if isinstance(out, (tuple, list)) else (out,))
                                     if isinstance(t, Tensor))):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           f"differentiation, but one of the arguments requires grad.")
    if isinstance(result, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(result):
            raise TypeError(f"{name}(): argument 'out' must be tuple of {len(result)} Tensors, "
                            f"not {type(out).__name__}")
        outs = tuple(_write_one(name, r, o) for r, o in zip(result, out))
        return type(result)(*outs) if hasattr(result, "_fields") else outs
    return _write_one(name, result, out)


def with_out(name: str, fn: Callable) -> Callable:
    """fn (torch.`name`) taking out=: computed as without it, then written by write_out."""
    # factories and the reductions that compute in out's dtype take it as their dtype
    takes_dtype = name in _FACTORIES or _DTYPE_RULES.get(name, ("",))[0] == "any"

    @functools.wraps(fn)
    def call(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        if takes_dtype and kwargs.get("dtype") is None and isinstance(out, Tensor):
            kwargs["dtype"] = out._dtype
        inputs = args + tuple(kwargs.values())
        flat = [t for a in inputs for t in (a if isinstance(a, (list, tuple)) else (a,))]
        if is_grad_enabled() and any(isinstance(t, Tensor) and t._requires_grad for t in flat):
            raise RuntimeError(f"{name}(): functions with out=... arguments don't support "
                               f"automatic differentiation, but one of the arguments requires "
                               f"grad.")
        return write_out(name, fn(*args, **kwargs), out)
    call.__wrapped_out__ = fn  # type: ignore[attr-defined]
    return call


def install(namespace: dict) -> None:
    """Every function of OUT_FUNCTIONS in `namespace` replaced by its with_out wrapper."""
    for name in OUT_FUNCTIONS:
        fn = namespace.get(name)
        if fn is not None and not hasattr(fn, "__wrapped_out__"):
            namespace[name] = with_out(name, fn)
