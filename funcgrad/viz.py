"""Pictures of funcgrad's graphs, as graphviz dot source, and rendered when graphviz is installed.

- `jaxpr_graph` draws a jaxpr (what `fg.make_jaxpr` returns): inputs and constants as ellipses,
  one box per equation, data as edges.
- `torch_graph` draws the backward graph of a `funcgrad.torch` tensor, as
  [torchviz](https://github.com/szagoruyko/pytorchviz) does for PyTorch: one box per `grad_fn`
  node (`MulBackward0`, ...), an edge for each of its `next_functions`, and the leaves
  (`AccumulateGrad`) with the shapes of their tensors.
- `render_dot` writes dot source to an SVG, PNG or PDF file with graphviz's `dot` program. That
  is the only part that needs graphviz; the dot source is plain text you can also paste into any
  graphviz viewer.

>>> import funcgrad as fg
>>> from funcgrad import viz
>>> src = viz.jaxpr_graph(fg.make_jaxpr(lambda x: fg.numpy.sin(x) * 2.0)(1.0))
>>> print(src.splitlines()[0], "...", src.splitlines()[-1])
digraph jaxpr { ... }
>>> "sin" in src and "mul" in src
True
>>> viz.render_dot(src, "sin_times_two.svg")      # doctest: +SKIP
PosixPath('sin_times_two.svg')
"""
from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["jaxpr_graph", "torch_graph", "render_dot", "have_graphviz", "GraphvizNotFoundError"]

FORMATS = ("svg", "png", "pdf", "dot", "gv", "jpg", "jpeg", "gif", "eps", "ps")


class GraphvizNotFoundError(RuntimeError):
    """`render_dot` needs graphviz's `dot` program, and it is not on the PATH."""


def have_graphviz() -> bool:
    """Whether graphviz's `dot` program is on the PATH, so that `render_dot` can run."""
    return shutil.which("dot") is not None


def jaxpr_graph(jaxpr: Any, name: str = "jaxpr") -> str:
    """Graphviz dot source of a jaxpr: inputs (blue) and constants (grey) as ellipses, one box per
    equation labelled with its primitive, parameters and outputs, and the outputs (yellow).

    Args:
        jaxpr: a `ClosedJaxpr` (what `fg.make_jaxpr(f)(*args)` returns) or a `Jaxpr`.
        name: the graph's name in the dot source.

    Returns:
        The dot source, a string (`jaxpr.to_dot(name)`).

    >>> import funcgrad as fg
    >>> import funcgrad.numpy as fnp
    >>> closed = fg.make_jaxpr(lambda x, y: fnp.sum(fnp.sin(x) * y))(fnp.ones(3), fnp.ones(3))
    >>> print(jaxpr_graph(closed))
    digraph jaxpr {
      rankdir=TB;
      node [fontname="monospace"];
      v_a [label="a:f64[3]", shape=ellipse, style=filled, fillcolor=lightblue];
      v_b [label="b:f64[3]", shape=ellipse, style=filled, fillcolor=lightblue];
      e0 [label="sin\\nc:f64[3]", shape=box];
      v_a -> e0;
      e1 [label="mul\\nd:f64[3]", shape=box];
      e0 -> e1;
      v_b -> e1;
      e2 [label="reduce_sum[axes=(0,)]\\ne:f64[]", shape=box];
      e1 -> e2;
      out0 [label="out 0", shape=ellipse, style=filled, fillcolor=lightyellow];
      e2 -> out0;
    }
    """
    to_dot = getattr(jaxpr, "to_dot", None)
    if to_dot is None:
        raise TypeError(
            f"jaxpr_graph draws a jaxpr, but got a {type(jaxpr).__name__}. Make one with "
            f"fg.make_jaxpr: jaxpr_graph(fg.make_jaxpr(f)(*args))")
    return to_dot(name)


def _dot_str(s):
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _shape_str(t):
    dims = tuple(t.shape)
    return "(" + ", ".join(str(d) for d in dims) + ("," if len(dims) == 1 else "") + ")"


def torch_graph(tensor: Any, params: Mapping[str, Any] | None = None,
                name: str = "backward") -> str:
    """Graphviz dot source of the backward graph of a `funcgrad.torch` tensor (or of several), as
    torchviz's `make_dot` draws PyTorch's.

    The tensor itself is a green box with its shape; each `grad_fn` node is a grey box named as
    PyTorch names it (`MulBackward0`, `AddmmBackward0`, ...) with an edge from each node in its
    `next_functions` (the direction gradients flow is against the arrows: from the output back to
    the leaves); each leaf that requires grad is an `AccumulateGrad` box fed by a blue box with the
    leaf's name (from `params`) and shape.

    Args:
        tensor: a `funcgrad.torch.Tensor` that has a `grad_fn` or requires grad, or a list or tuple
            of them (one graph, several outputs).
        params: optional names for the leaves, `{name: tensor}`, e.g.
            `dict(model.named_parameters())`. Unnamed leaves show only their shape.
        name: the graph's name in the dot source.

    Returns:
        The dot source, a string.

    >>> import funcgrad.torch as torch
    >>> w = torch.ones(2, 3, requires_grad=True)
    >>> x = torch.ones(3)
    >>> y = (w @ x).relu().sum()
    >>> print(torch_graph(y, params={"w": w}))
    digraph backward {
      node [shape=box, style=filled, fillcolor=lightgrey, fontname="monospace", fontsize=12];
      n0 [label="()", fillcolor=darkolivegreen1];
      n1 [label="SumBackward0"];
      n1 -> n0;
      n2 [label="ReluBackward0"];
      n2 -> n1;
      n3 [label="MvBackward0"];
      n3 -> n2;
      n4 [label="AccumulateGrad"];
      n4 -> n3;
      n5 [label="w\\n(2, 3)", fillcolor=lightblue];
      n5 -> n4;
    }

    Rendered with `render_dot(torch_graph(y), "graph.svg")` when graphviz is installed.
    """
    roots = list(tensor) if isinstance(tensor, (list, tuple)) else [tensor]
    if not roots:
        raise ValueError("torch_graph needs at least one tensor")
    for t in roots:
        if not hasattr(t, "grad_fn") or not hasattr(t, "requires_grad"):
            raise TypeError(f"torch_graph draws a funcgrad.torch tensor's backward graph, but got "
                            f"a {type(t).__name__}; for a funcgrad function use "
                            f"jaxpr_graph(fg.make_jaxpr(f)(*args))")
        if t.grad_fn is None and not t.requires_grad:
            raise ValueError(
                f"this tensor of shape {_shape_str(t)} has no backward graph: it was not computed "
                f"from a tensor that requires grad (it has no grad_fn). Make the inputs with "
                f"requires_grad=True, and compute it outside torch.no_grad().")
    names = {id(v): k for k, v in (params or {}).items()}
    ids: dict = {}
    lines = [f"digraph {name} {{",
             '  node [shape=box, style=filled, fillcolor=lightgrey, fontname="monospace", '
             'fontsize=12];']

    def node_id(obj):
        key = id(obj)
        if key not in ids:
            ids[key] = f"n{len(ids)}"
        return ids[key]

    def leaf_label(var):
        label = _shape_str(var)
        return f"{names[id(var)]}\n{label}" if id(var) in names else label

    seen: dict = {}   # id -> object, kept alive while drawing so that ids stay unique

    def add_fn(fn, parent):
        """Draw fn's box and its edge into `parent`, then (once per node) what fn leads to."""
        nid = node_id(fn)
        if id(fn) in seen:
            lines.append(f"  {nid} -> {parent};")
            return
        seen[id(fn)] = fn
        lines.append(f"  {nid} [label={_dot_str(type(fn).__name__)}];")
        lines.append(f"  {nid} -> {parent};")
        var = getattr(fn, "variable", None)     # AccumulateGrad: the leaf tensor
        if var is not None:
            vid = node_id(var)
            if id(var) not in seen:         # (a leaf can also be one of the roots)
                seen[id(var)] = var
                lines.append(f"  {vid} [label={_dot_str(leaf_label(var))}, fillcolor=lightblue];")
            lines.append(f"  {vid} -> {nid};")
        for nxt, _ in getattr(fn, "next_functions", ()):
            if nxt is not None:
                add_fn(nxt, nid)

    for t in roots:
        rid = node_id(t)
        seen[id(t)] = t
        label = f"{names[id(t)]}\n{_shape_str(t)}" if id(t) in names else _shape_str(t)
        lines.append(f"  {rid} [label={_dot_str(label)}, fillcolor=darkolivegreen1];")
        if t.grad_fn is not None:
            add_fn(t.grad_fn, rid)
    lines.append("}")
    return "\n".join(lines)


def render_dot(dot_source: Any, path: str | os.PathLike, format: str | None = None) -> Path:
    """Render dot source to a file with graphviz's `dot` program.

    Args:
        dot_source: the graph, as dot source (from `jaxpr_graph` or `torch_graph`); a jaxpr (an
            object with a `to_dot()` method) is also accepted.
        path: the file to write.
        format: `"svg"`, `"png"`, `"pdf"`, ... (any format `dot -T` knows); by default the suffix of
            `path`.

    Returns:
        The path written, as a `pathlib.Path`.

    Raises:
        GraphvizNotFoundError: `dot` is not on the PATH (install graphviz).
        ValueError: no format could be told, or `dot` rejected the source.
    """
    if not isinstance(dot_source, str):
        if not hasattr(dot_source, "to_dot"):
            raise TypeError(f"render_dot wants dot source (a str), "
                            f"got a {type(dot_source).__name__}")
        dot_source = dot_source.to_dot()
    path = Path(path)
    fmt = (format or path.suffix.lstrip(".")).lower()
    if not fmt:
        raise ValueError(f"render_dot cannot tell the format of {str(path)!r}: give the file a "
                         f"suffix (.svg, .png, .pdf) or pass format='svg'")
    if fmt in ("dot", "gv"):     # the source itself: no graphviz needed
        path.write_text(dot_source + "\n", encoding="utf-8")
        return path
    exe = shutil.which("dot")
    if exe is None:
        raise GraphvizNotFoundError(
            "rendering a graph needs graphviz's `dot` program, which is not on the PATH. Install "
            "graphviz (Debian/Ubuntu: `apt-get install graphviz`; macOS: `brew install graphviz`; "
            "conda: `conda install graphviz`), or save the dot source itself with "
            "render_dot(source, 'graph.dot') and view it with any graphviz viewer.")
    proc = subprocess.run([exe, f"-T{fmt}", "-o", str(path)], input=dot_source.encode("utf-8"),
                          capture_output=True, timeout=120)
    if proc.returncode != 0:
        raise ValueError(f"graphviz's dot could not render {str(path)!r} as {fmt}: "
                         f"{proc.stderr.decode('utf-8', 'replace').strip()}")
    return path
