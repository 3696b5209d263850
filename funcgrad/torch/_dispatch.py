"""How every torch operation runs: on funcgrad values, recording one graph node when a tensor
input requires grad. The node's backward is funcgrad's reverse pass over the primitives that
computed the operation (recorded by a ReverseTrace of its own), so the torch layer carries no
derivative formulas of its own."""
from __future__ import annotations

import numpy as np

from .._core import backend
from .._core import trace as _trace
from .._core.array import Array
from .._core.trace import Tracer
from ..interpreters.ad import ReverseTrace, ReverseTracer
from ..lax.device import device_put
from ._grad_mode import _state as _grad_state
from ._meta import MetaArray, meta_array, meta_used
from ._graph import AccumulateGrad, PrimitiveNode, node_class

_ndarray = np.ndarray


class OpTrace(ReverseTrace):
    """The reverse trace of one torch operation. One is opened per recorded operation (its level
    is above any enclosing funcgrad transform's, as a fresh trace's must be), so it skips the
    stack walk a user-facing transform does to remember its call site."""
    name = "torch autograd"

    def __init__(self):  # noqa: D107  (no super().__init__: see the class docstring)
        self.level = next(_trace._levels)
        self.alive = True
        self.site = None
        # funcgrad's reverse trace keeps the nodes it records here, in order (where its
        # version keeps a tape: ReverseTrace.start_tape), which read backwards is the order
        # of this operation's backward walk, with no topological sort (see _order)
        self.tape = []


Tensor = _from_value = None  # set by _tensor.py once the Tensor class exists (see register)


_views = None  # set with Tensor (see register)


def register(tensor_class, from_value, views):
    """Called by _tensor.py once the Tensor class exists: this module needs it (and the views
    module, which imports Tensor) on every operation, below _tensor in the import order."""
    global Tensor, _from_value, _views
    Tensor, _from_value, _views = tensor_class, from_value, views


def _array(d):
    a = _new(Array)
    a._value = d
    a._weak = False
    return a


_new = object.__new__


is_storage = backend.is_backend_array  # numpy's and (once a GPU is in use) CuPy's arrays


def value_of(x):
    """A tensor's data as a funcgrad value (no copy); other values unchanged."""
    return _value(x._data) if isinstance(x, Tensor) else x


def _value(d):
    """Tensor storage (a numpy or CuPy array) as a funcgrad Array; a traced value as it is."""
    return _array(d) if type(d) is _ndarray or is_storage(d) else d


def raw(v):
    """A funcgrad result as tensor storage: the backend array (or a tracer, under funcgrad)."""
    if type(v) is Array:
        return v._value
    if isinstance(v, Tracer):
        return v
    return np.asarray(v)


def grad_edge(t):
    """The (node, output index) through which gradient reaches tensor t, as in next_functions."""
    if t._base is not None and t._grad_fn is not None:
        _views.refresh(t)
    if t._grad_fn is not None:
        return (t._grad_fn, t._output_nr)
    if t._requires_grad:
        acc = t._accumulator
        if acc is None:
            acc = t._accumulator = AccumulateGrad(t)
        return (acc, 0)
    return (None, 0)


_NUMBERS = (bool, int, float, complex)


def apply_op(name, fn, args, *, saves=True, saves_out=False, dtype=None, scalar_edges=False):
    """Run fn(*values) as the torch operation whose grad_fn PyTorch names `name` (MulBackward0).

    args: tensors and plain values (fn receives tensors as funcgrad values, the rest as given);
    fn returns one funcgrad value or a tuple. Returns a Tensor or a tuple of Tensors.
    saves: which tensor inputs the backward reads, so that modifying one in place before backward
        is PyTorch's error: True (all), False (none), a tuple of positions in args, or "cross"
        (an input is read when another input requires grad: the operands of a product).
    saves_out: the backward reads the outputs too (exp, tanh, sigmoid, relu, sqrt, ...).
    dtype: the torch dtype of the outputs, when fn may give another.
    scalar_edges: Python numbers among args count as inputs in next_functions (PyTorch wraps the
        scalar operand of a binary arithmetic operation as a tensor).
    """
    if backend.active or meta_used[0]:
        fn = _on_one_device(fn, args)
    if _grad_state.enabled:
        for a in args:
            if isinstance(a, Tensor) and a._requires_grad:
                return _record(name, fn, args, saves, saves_out, dtype, scalar_edges)
    vals = []
    for a in args:
        if isinstance(a, Tensor):
            d = a._data
            vals.append(_array(d) if type(d) is _ndarray else _value(d))
        else:
            vals.append(a)
    try:
        out = fn(*vals)
    except ValueError as e:
        err = broadcast_error(args, e)
        if err is None:
            raise
        raise err from None
    except RuntimeWarning:
        out = quiet(fn, *vals)
    if type(out) is tuple:
        return tuple(_from_value(o, dtype) for o in out)
    return _from_value(out, dtype)


_NONE_EDGE = (None, 0)


def quiet(fn, *args):
    """fn(*args) with numpy's floating-point warnings off: PyTorch computes inf and nan (log(0),
    1/0, exp overflow) silently. Called only where numpy's warning was raised as an error (a
    `-W error` filter, pytest's), to compute the operation again without it: a context entered on
    every operation would cost more than many operations do."""
    with np.errstate(all="ignore"):
        return fn(*args)


def size_mismatch(sa, sb):
    """PyTorch's message for shapes sa and sb that do not broadcast (its first mismatch from the
    right, and that dimension's index in the broadcast shape)."""
    n = max(len(sa), len(sb))
    a, b = (1,) * (n - len(sa)) + tuple(sa), (1,) * (n - len(sb)) + tuple(sb)
    for i in reversed(range(n)):
        if a[i] != b[i] and a[i] != 1 and b[i] != 1:
            return (f"The size of tensor a ({a[i]}) must match the size of tensor b ({b[i]}) at "
                    f"non-singleton dimension {i}")
    return f"shapes {list(sa)} and {list(sb)} cannot be broadcast"


def broadcast_shapes_checked(*shapes):
    """The broadcast shape of shapes, or PyTorch's RuntimeError naming the first pair (the shape
    broadcast so far and the next one) that does not broadcast."""
    acc = ()
    for s in shapes:
        n = max(len(acc), len(s))
        a, b = (1,) * (n - len(acc)) + tuple(acc), (1,) * (n - len(s)) + tuple(s)
        out = []
        for x, y in zip(a, b):
            if x != y and x != 1 and y != 1:
                raise RuntimeError(size_mismatch(acc, s))
            out.append(y if x == 1 else x)
        acc = tuple(out)
    return acc


def check_output_shape(out_shape, *shapes):
    """PyTorch's RuntimeError when shapes broadcast to a shape other than out_shape, the shape
    of the output written (an in-place operation's tensor)."""
    shape = broadcast_shapes_checked(out_shape, *shapes)
    if shape != tuple(out_shape):
        raise RuntimeError(f"output with shape {list(out_shape)} doesn't match the broadcast "
                           f"shape {list(shape)}")


def broadcast_error(args, e):
    """The RuntimeError PyTorch raises when the tensors among args do not broadcast and a
    broadcasting step of an operation on them failed with ValueError e (numpy's or funcgrad's
    ShapeError); None when e has another cause."""
    if "broadcast" not in str(e):
        return None
    try:
        broadcast_shapes_checked(*[a._data.shape for a in args if isinstance(a, Tensor)])
    except RuntimeError as err:
        return err
    return None


def tensors_device(args):
    """(device, positions): the GPU the tensors among args are on (None: none is), and the
    positions of the 0-dim CPU tensors among them (PyTorch's CPU scalars, which may join a GPU
    operation). Tensors on two devices are PyTorch's error. Called once a GPU is in use."""
    device, cpu, scalars = None, False, []
    for i, a in enumerate(args):
        if isinstance(a, Tensor):
            d = a._data
            if type(d) is _ndarray:
                if d.ndim:
                    cpu = True
                else:
                    scalars.append(i)
            elif is_storage(d):  # a traced value's device is unknown: unchecked
                here = backend.device_of(d)
                if device is None:
                    device = here
                elif here != device:
                    raise device_error(device, here)
    if device is not None and cpu:
        raise device_error(device, "cpu")
    return device, scalars


def _on_one_device(fn, args):
    """fn run as PyTorch runs an operation on args (see tensors_device): on a GPU, with the CPU
    scalars among args moved there, and the GPU as funcgrad's default device, so that what fn
    makes from host data alone (constants, index tables) is made there too."""
    if meta_used[0] and _meta_args(args):
        return _on_meta(fn)
    device, scalars = tensors_device(args)
    if device is None:
        return fn

    def on_device(*vals):
        if scalars:
            vals = list(vals)
            for i in scalars:
                vals[i] = device_put(vals[i], device)
        previous = backend.swap_default_device(device)
        try:
            return fn(*vals)
        finally:
            backend.swap_default_device(previous)
    return on_device


def _meta_args(args):
    """Whether args hold a meta tensor; PyTorch's error where they also hold a tensor of another
    device (other than a 0-dim CPU one)."""
    meta = other = None
    for a in args:
        if isinstance(a, Tensor):
            if type(a._data) is MetaArray:
                meta = a
            elif a._data.ndim:
                other = a
    if meta is not None and other is not None:
        raise RuntimeError(f"Tensor on device {other.device} is not on the expected device "
                           f"meta!")
    return meta is not None


def _on_meta(fn):
    """fn on meta tensors: run on their zero-strided stand-ins for the result's shape and
    dtype, which come back as meta storage."""
    def on_meta(*vals):
        vals = [_array(np.asarray(v._value)) if type(v) is Array and type(v._value) is MetaArray
                else v for v in vals]
        out = fn(*vals)
        if type(out) is tuple:
            return tuple(_as_meta(o) for o in out)
        return _as_meta(out)
    return on_meta


def _as_meta(v):
    d = raw(v)
    return _array(meta_array(d.shape, d.dtype)) if hasattr(d, "shape") else v


def device_error(a, b):
    # TensorIterator's message: the first GPU operand's device, then the other one
    return RuntimeError(f"Expected all tensors to be on the same device, but found at least two "
                        f"devices, {a} and {b}!")


def _record(name, fn, args, saves, saves_out, dtype, scalar_edges):
    trace = OpTrace()
    ins, edges, in_nodes, edge_pos = [], [], [], []
    try:
        i = 0
        for a in args:
            if isinstance(a, Tensor):
                d = a._data
                v = _array(d) if type(d) is _ndarray else _value(d)
                if a._requires_grad:
                    v = trace.new_input(v)
                    edges.append(grad_edge(a))
                    in_nodes.append(v.node)
                else:
                    edges.append(_NONE_EDGE)
                    in_nodes.append(None)
                edge_pos.append(i)
            else:
                v = a
                if scalar_edges and type(a) in _NUMBERS:
                    edges.append(_NONE_EDGE)
                    in_nodes.append(None)
                    edge_pos.append(i)
            ins.append(v)
            i += 1
        try:
            out = fn(*ins)
        except RuntimeWarning:  # see quiet
            out = quiet(fn, *ins)
    except ValueError as e:
        err = broadcast_error(args, e)
        if err is None:
            raise
        raise err from None
    finally:
        trace.alive = False
    saved = _saved_inputs(args, saves) if saves is not False else []
    cls = _node_classes.get(name)
    if cls is None:
        cls = _node_classes[name] = node_class(name)
    if type(out) is not tuple:
        if type(out) is ReverseTracer and out._trace is trace:
            outs = ((out.node, out.index),)
            node = cls(edges, fn, (outs, in_nodes, edge_pos, _order(trace, outs, in_nodes)),
                       args, saved, 1)
            t = _from_value(out.primal, dtype)
        else:
            t = _from_value(out, dtype)
            if not (name and (t._dtype.is_floating_point or t._dtype.is_complex)):
                return t
            # differentiable in PyTorch, its derivative zero in funcgrad (sign, floor, round):
            # still a node, whose backward gives zeros
            node = cls(edges, fn, (((None, None),), in_nodes, edge_pos, None), args, saved, 1)
        t._requires_grad = True
        t._grad_fn = node
        if saves_out:
            saved.append((t._vc, 0, None, (t._dtype, t._data.shape, node)))
        return t
    out_nodes = [(o.node, o.index) if type(o) is ReverseTracer and o._trace is trace
                 else (None, None) for o in out]
    node = cls(edges, fn, (out_nodes, in_nodes, edge_pos, _order(trace, out_nodes, in_nodes)),
               args, saved, len(out))
    results = []
    for k, o in enumerate(out):
        if out_nodes[k][0] is None:
            results.append(_from_value(o, dtype))
            continue
        t = _from_value(o.primal, dtype)
        t._requires_grad = True
        t._grad_fn = node
        if k:
            t._output_nr = k
        if saves_out:
            saved.append((t._vc, 0, None, (t._dtype, t._data.shape, node)))
        results.append(t)
    return tuple(results)


def _order(trace, out_nodes, in_nodes):
    """The order of the tape's backward walk: the nodes recorded, newest first (every node is
    recorded after those it reads, the inputs' first), or None: a tape of one primitive (whose
    backward applies its rule directly, graph._one_step), or none kept."""
    tape = trace.tape
    if len(tape) < 3:
        return None
    tape.reverse()
    return tape


_node_classes: dict = {}
_SAVED_NUMBER = ([0], 0, None, None)


def needs_record(args):
    """Whether an operation on args is recorded: grad mode is on and a tensor requires grad."""
    if _grad_state.enabled:
        for a in args:
            if isinstance(a, Tensor) and a._requires_grad:
                return True
    return False


def record_primitive(name, prim, params, args, ans, *, saves=True, saves_out=False,
                     scalar_edges=False):
    """Record a torch operation that is one funcgrad primitive, `prim`(*args, **params), whose
    result `ans` (a numpy array) the eager path has already computed. Its tape is that one
    primitive with its answer (as `ReverseTrace.record` would enter it), so its backward is the
    primitive's vjp rules (graph.PrimitiveNode): nothing is computed twice. For primitives with
    one result and a vjp rule per argument; tensors among args must already have the dtype the
    primitive takes. Returns the result tensor."""
    t = _from_value(ans)
    if not (t._dtype.is_floating_point or t._dtype.is_complex):
        return t  # an integer or boolean result: nothing to differentiate
    vals, edges, edge_pos, diff = [], [], [], []
    i = 0
    for a in args:
        if isinstance(a, Tensor):
            vals.append(_array(a._data))
            if a._requires_grad:
                diff.append((i, len(edges)))
                edges.append(grad_edge(a))
            else:
                edges.append(_NONE_EDGE)
            edge_pos.append(i)
        else:
            vals.append(a)
            if scalar_edges and (type(a) in _NUMBERS or isinstance(a, np.generic)):
                edges.append(_NONE_EDGE)
                edge_pos.append(i)
        i += 1
    cls = _primitive_node_classes.get(name)
    if cls is None:
        cls = _primitive_node_classes[name] = node_class(name, PrimitiveNode)
    saved = _saved_inputs(args, saves) if saves is not False else []
    node = cls(edges, _replay(prim, params), (prim, params, vals, _array(ans), diff, edge_pos),
               args, saved, 1)
    t._requires_grad = True
    t._grad_fn = node
    if saves_out:
        saved.append((t._vc, 0, None, (t._dtype, ans.shape, node)))
    return t


_primitive_node_classes: dict = {}


def _replay(prim, params):
    """The operation as a function of funcgrad values (create_graph records it again)."""
    def fn(*args):
        return prim.bind(*args, **params)
    return fn


def _saved_inputs(args, saves):
    """(version counter, version now, tensor, None) for each input the backward will read (an
    output the backward reads is (counter, 0, None, (dtype, shape, node)))."""
    if saves == "cross" and len(args) == 2:
        a, b = args
        if isinstance(a, Tensor) and isinstance(b, Tensor):
            chosen = ([a] if b._requires_grad else []) + ([b] if a._requires_grad else [])
            return [(t._vc, t._vc[0], t, None) for t in chosen]
        # PyTorch wraps a number operand as a tensor and saves it for the other's gradient: it
        # never changes, but it is freed by backward like any saved tensor
        return [_SAVED_NUMBER]
    tensors = [a for a in args if isinstance(a, Tensor)]
    if saves is True:
        chosen = tensors
    elif saves == "cross":
        chosen = [t for i, t in enumerate(tensors)
                  if any(u._requires_grad for j, u in enumerate(tensors) if j != i)]
    else:
        chosen = [args[i] for i in saves if i < len(args) and isinstance(args[i], Tensor)]
    return [(t._vc, t._vc[0], t, None) for t in chosen]
