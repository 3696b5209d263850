"""funcgrad.viz: dot source for jaxprs and for funcgrad.torch backward graphs, and rendering.

The dot source is checked without graphviz; rendering runs only where graphviz's `dot` is
installed (the tests that need it skip otherwise, saying so)."""
from __future__ import annotations

import re
import shutil

import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
import funcgrad.torch as torch
from funcgrad import viz

needs_graphviz = pytest.mark.skipif(not viz.have_graphviz(),
                                    reason="graphviz's `dot` is not installed")

_NODE = re.compile(r'^  (?P<id>\w+) \[(?P<attrs>.*)\];$')
_EDGE = re.compile(r'^  (?P<src>\w+) -> (?P<dst>\w+);$')
_LABEL = re.compile(r'label="(?P<label>(?:[^"\\]|\\.)*)"')


def parse_dot(src):
    """Check the dot source's shape (header, one statement a line, edges between declared nodes,
    closing brace) and return ({node id: label}, [(src, dst), ...])."""
    lines = src.splitlines()
    assert re.match(r"^digraph \w+ \{$", lines[0]), lines[0]
    assert lines[-1] == "}"
    nodes, edges = {}, []
    for line in lines[1:-1]:
        if m := _EDGE.match(line):
            edges.append((m["src"], m["dst"]))
        elif m := _NODE.match(line):
            if m["id"] == "node":          # default attributes
                continue
            label = _LABEL.search(m["attrs"])
            assert label, line
            assert m["id"] not in nodes, f"node {m['id']} declared twice"
            nodes[m["id"]] = label["label"]
        else:
            assert re.match(r"^  \w+=\w+;$", line), f"not a dot statement: {line!r}"
    for s, d in edges:
        assert s in nodes and d in nodes, f"edge {s} -> {d} between undeclared nodes"
    return nodes, edges


# ---- jaxpr_graph --------------------------------------------------------------------------------


def test_jaxpr_graph_is_the_jaxprs_dot_source():
    closed = fg.make_jaxpr(lambda x, y: fnp.sum(fnp.sin(x) * y))(fnp.ones(3), fnp.ones(3))
    src = viz.jaxpr_graph(closed)
    assert src == closed.to_dot()
    nodes, edges = parse_dot(src)
    labels = list(nodes.values())
    assert labels[:2] == ["a:f64[3]", "b:f64[3]"]
    assert any(l.startswith("sin\\n") for l in labels)
    assert any(l.startswith("mul\\n") for l in labels)
    assert any(l.startswith("reduce_sum[axes=(0,)]") for l in labels)
    assert "out 0" in labels
    assert len(edges) == 5


def test_jaxpr_graph_names_and_constants():
    closed = fg.make_jaxpr(fg.grad(lambda w: 10 * w ** 2))(2.0)
    src = viz.jaxpr_graph(closed.jaxpr, name="grad_f")
    assert src.startswith("digraph grad_f {")
    nodes, _ = parse_dot(src)
    assert "lightgrey" in src          # the captured constant
    assert any(l.startswith("mul") for l in nodes.values())


def test_jaxpr_graph_rejects_other_things():
    with pytest.raises(TypeError, match="make_jaxpr"):
        viz.jaxpr_graph(lambda x: x)


# ---- torch_graph --------------------------------------------------------------------------------


def test_torch_graph_nodes_edges_and_leaves():
    w = torch.randn(4, 3, requires_grad=True)
    b = torch.randn(3, requires_grad=True)
    x = torch.randn(5, 4)
    loss = torch.tanh(x @ w + b).sum()
    nodes, edges = parse_dot(viz.torch_graph(loss, params={"w": w, "b": b}))
    by_label = {}
    for i, l in nodes.items():
        by_label.setdefault(l, []).append(i)
    for name in ("SumBackward0", "TanhBackward0", "AddBackward0", "MmBackward0"):
        assert name in by_label, nodes
    assert len(by_label["AccumulateGrad"]) == 2
    assert by_label["w\\n(4, 3)"] and by_label["b\\n(3,)"]
    assert by_label["()"]                                  # the output, a scalar
    # leaves feed their AccumulateGrad, which feeds the op that used them
    (w_node,), (mm,) = by_label["w\\n(4, 3)"], by_label["MmBackward0"]
    acc = [d for s, d in edges if s == w_node]
    assert len(acc) == 1 and nodes[acc[0]] == "AccumulateGrad" and (acc[0], mm) in edges
    # x does not require grad: not drawn
    assert "(5, 4)" not in nodes.values()
    # one edge per next_functions entry, toward the output
    assert (by_label["SumBackward0"][0], by_label["()"][0]) in edges


def test_torch_graph_matches_next_functions():
    a = torch.ones(2, requires_grad=True)
    y = (a * a).sum()
    nodes, edges = parse_dot(viz.torch_graph(y))
    ids = {l: i for i, l in nodes.items()}
    mul = y.grad_fn.next_functions[0][0]
    assert type(mul).__name__ == "MulBackward0" and len(mul.next_functions) == 2
    # a * a: two edges from the one AccumulateGrad into MulBackward0, and a drawn once
    assert edges.count((ids["AccumulateGrad"], ids["MulBackward0"])) == 2
    assert list(nodes.values()).count("(2,)") == 1


def test_torch_graph_shared_nodes_drawn_once_and_several_outputs():
    a = torch.randn(3, requires_grad=True)
    h = torch.sin(a)
    y1, y2 = (h * 2).sum(), h.exp().mean()
    nodes, edges = parse_dot(viz.torch_graph([y1, y2]))
    labels = list(nodes.values())
    assert labels.count("SinBackward0") == 1
    assert labels.count("AccumulateGrad") == 1
    assert labels.count("()") == 2
    sin = next(i for i, l in nodes.items() if l == "SinBackward0")
    assert len([e for e in edges if e[0] == sin]) == 2


def test_torch_graph_after_backward_and_of_a_leaf():
    w = torch.ones(2, 2, requires_grad=True)
    y = (w * 3).sum()
    y.backward()
    nodes, _ = parse_dot(viz.torch_graph(y))          # the structure outlives the freed buffers
    assert "MulBackward0" in nodes.values()
    nodes, edges = parse_dot(viz.torch_graph(w, params={"w": w}))
    assert list(nodes.values()) == ["w\\n(2, 2)"] and edges == []


def test_torch_graph_errors():
    with pytest.raises(ValueError, match="no backward graph"):
        viz.torch_graph(torch.ones(2))
    with torch.no_grad():
        y = torch.ones(2, requires_grad=True) * 2
    with pytest.raises(ValueError, match="requires_grad=True"):
        viz.torch_graph(y)
    with pytest.raises(TypeError, match="jaxpr_graph"):
        viz.torch_graph(fnp.ones(2))
    with pytest.raises(ValueError, match="at least one"):
        viz.torch_graph([])


def test_labels_are_escaped():
    w = torch.ones(2, requires_grad=True)
    nodes, _ = parse_dot(viz.torch_graph((w * 2).sum(), params={'say "hi"\\': w}))
    assert 'say \\"hi\\"\\\\\\n(2,)' in nodes.values()


# ---- render_dot ---------------------------------------------------------------------------------


def test_render_without_graphviz_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert not viz.have_graphviz()
    src = viz.jaxpr_graph(fg.make_jaxpr(lambda x: x * 2.0)(1.0))
    with pytest.raises(viz.GraphvizNotFoundError, match="install graphviz"):
        viz.render_dot(src, tmp_path / "g.svg")
    # the dot source itself needs no graphviz
    out = viz.render_dot(src, tmp_path / "g.dot")
    assert out.read_text() == src + "\n"


def test_render_format_errors(tmp_path):
    with pytest.raises(ValueError, match="format"):
        viz.render_dot("digraph g { }", tmp_path / "graph")
    with pytest.raises(TypeError, match="dot source"):
        viz.render_dot(42, tmp_path / "g.svg")


@needs_graphviz
def test_render_svg_png_pdf(tmp_path):
    closed = fg.make_jaxpr(lambda x: fnp.sum(fnp.sin(x)))(fnp.ones(3))
    svg = viz.render_dot(viz.jaxpr_graph(closed), tmp_path / "j.svg")
    text = svg.read_text()
    assert "<svg" in text and "reduce_sum" in text
    w = torch.ones(2, requires_grad=True)
    png = viz.render_dot(viz.torch_graph((w * 2).sum()), tmp_path / "t.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pdf = viz.render_dot(closed, tmp_path / "j.out", format="pdf")   # a jaxpr is accepted too
    assert pdf.read_bytes()[:4] == b"%PDF"


@needs_graphviz
def test_render_reports_dots_errors(tmp_path):
    with pytest.raises(ValueError, match="could not render"):
        viz.render_dot("digraph { a -> ", tmp_path / "bad.svg")
