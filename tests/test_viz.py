"""gradspec.viz: the DOT graph of a computation, on every backend, and writing pictures."""

from __future__ import annotations

import re
import shutil
import sys

import gradspec
from support import load_or_skip
import pytest
from gradspec import viz, workloads

pytest.importorskip("graphviz", reason="gradspec.viz needs the graphviz package (gradspec[graph])")

BACKENDS = ["numpy", "strict", "torch"]
needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None,
    reason="Graphviz's dot program is not installed (apt-get install graphviz)")




@pytest.fixture(params=BACKENDS)
def bk(request):
    return load_or_skip(request.param)


def _seed_graph(torch):
    """The tutorials' graph: a = w + x (retained); b = w + 1; y = a * b."""
    w = torch.tensor([1.0], requires_grad=True)
    x = torch.tensor([2.0], requires_grad=True)
    a = torch.add(w, x)
    a.retain_grad()
    b = torch.add(w, 1)
    y = torch.mul(a, b)
    return dict(w=w, x=x, a=a, b=b, y=y)


def _nodes(source: str) -> dict[str, str]:
    """DOT node id -> its attribute text (the graph's and nodes' defaults left out)."""
    found = re.findall(r"^\s*(\w+) \[(.*?)\]$", source, flags=re.M | re.S)
    return {nid: attrs for nid, attrs in found if nid not in ("graph", "node", "edge")}


def _edges(source: str) -> list[tuple[str, str]]:
    return re.findall(r"^\s*(\w+) -> (\w+)", source, flags=re.M)


def _label(attrs: str) -> str:
    match = re.search(r'label=(?:"((?:[^"\\]|\\.)*)"|(\S+))', attrs, flags=re.S)
    assert match, attrs
    return match.group(1) if match.group(1) is not None else match.group(2)


def test_seed_graph(bk):
    t = _seed_graph(bk)
    source = viz.draw(t["y"], t).source
    nodes, edges = _nodes(source), _edges(source)
    labels = {nid: _label(attrs) for nid, attrs in nodes.items()}
    by_label = {}
    for nid, label in labels.items():
        by_label.setdefault(label.split("\n")[0], []).append(nid)
    assert sorted(by_label) == ["AccumulateGrad", "AddBackward0", "MulBackward0", "a", "b", "w",
                                "x", "y"]
    assert len(by_label["AddBackward0"]) == 2 and len(by_label["AccumulateGrad"]) == 2
    (w,), (x,), (a,), (b,), (y,), (mul,) = (by_label[k] for k in ("w", "x", "a", "b", "y",
                                                                    "MulBackward0"))
    assert "lightblue" in nodes[w] and "lightblue" in nodes[x]  # leaves
    assert "lightyellow" in nodes[a] and "lightyellow" in nodes[b]  # named non-leaves
    assert "darkolivegreen1" in nodes[y]
    assert "retains grad" in labels[a] and "peripheries=2" in nodes[a]
    assert "retains grad" not in labels[b] and "peripheries" not in nodes[b]
    assert labels[w] == "w\n(1,)"
    # forward direction: leaf -> AccumulateGrad -> Add -> a/b -> Mul -> y; w feeds both adds
    assert len(edges) == 10
    assert (a, mul) in edges and (b, mul) in edges and (mul, y) in edges
    acc_w = next(dst for src, dst in edges if src == w)
    assert sorted(dst for src, dst in edges if src == acc_w) == sorted(by_label["AddBackward0"])


def test_same_picture_on_every_backend():
    sources = {}
    for name in BACKENDS:
        ok, _ = gradspec.plugins.availability(name)
        if ok:
            t = _seed_graph(gradspec.load_backend(name))
            sources[name] = viz.draw(t["y"], t).source
    assert len(set(sources.values())) == 1, sources


def test_logreg_graph(bk):
    loss, names = workloads.get("logreg").graph(bk)
    source = viz.draw(loss, names).source
    labels = [_label(a) for a in _nodes(source).values()]
    assert "features.weight\n(1, 2)" in labels and "features.bias\n(1,)" in labels
    assert "y_pred\n(200, 1)" in labels and "loss\n()" in labels
    assert labels.count("AccumulateGrad") == 2
    assert "SigmoidBackward0" in labels and "BinaryCrossEntropyBackward0" in labels
    assert "x\n(200, 2)" not in labels  # data does not require grad: not in the graph


def test_unnamed_graph_and_unrelated_names(bk):
    x = bk.tensor([1.0, 2.0], requires_grad=True)
    hidden = x * 2
    unrelated = bk.tensor([3.0], requires_grad=True) * 5
    y = (hidden + 1).sum()
    source = viz.draw(y, {"unrelated": unrelated}).source
    labels = [_label(a) for a in _nodes(source).values()]
    assert labels.count("output\n()") == 1
    assert "MulBackward0" in labels and "AddBackward0" in labels and "SumBackward0" in labels
    assert not any(label.startswith("unrelated") for label in labels)
    assert sum(1 for label in labels if label.endswith("(2,)")) == 1  # only the leaf x


def test_long_chain_needs_no_recursion(bk):
    x = bk.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(3000):
        y = y * 1.0
    assert viz.draw(y).source.count("MulBackward0") == 3000


def test_draw_refuses_what_has_no_graph(bk):
    with pytest.raises(ValueError, match="does not require grad"):
        viz.draw(bk.tensor([1.0]) * 2)
    with pytest.raises(TypeError, match="takes a tensor"):
        viz.draw([1.0])
    leaf = bk.tensor([1.0], requires_grad=True)
    assert _edges(viz.draw(leaf, {"leaf": leaf}).source) == []


def test_save_dot_source_needs_no_program(bk, tmp_path, monkeypatch):
    t = _seed_graph(bk)
    graph = viz.draw(t["y"], t)
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot on PATH
    path = viz.save(graph, tmp_path / "seed.dot")
    assert path.read_text() == graph.source
    with pytest.raises(viz.GraphvizMissingError, match="apt-get install graphviz"):
        viz.save(graph, tmp_path / "seed.svg")
    with pytest.raises(ValueError, match="format"):
        viz.save(graph, tmp_path / "seed.jpeg")


@needs_dot
def test_save_svg_and_png(bk, tmp_path):
    t = _seed_graph(bk)
    graph = viz.draw(t["y"], t)
    svg = viz.save(graph, tmp_path / "seed.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "MulBackward0" in svg and "retains grad" in svg
    png = viz.save(graph, tmp_path / "seed.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5_000


def test_missing_graphviz_package_says_how_to_install(bk, monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)
    t = _seed_graph(bk)
    with pytest.raises(viz.GraphvizMissingError, match=r"pip install 'gradspec\[graph\]'"):
        viz.draw(t["y"])


def test_node_names_drop_namespaces():
    class Node:
        def __init__(self, name):
            self._name = name

        def name(self):
            return self._name

    assert viz.node_name(Node("torch::autograd::AccumulateGrad")) == "AccumulateGrad"
    assert viz.node_name(Node("MulBackward0")) == "MulBackward0"
