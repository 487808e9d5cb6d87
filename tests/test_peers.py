"""The peers machinery: the adapters' translation rules (when their libraries are installed),
the "same program, different answers" runner, the peers benchmark, and the docs blocks built
from them."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

import gradspec
from gradspec import protocol

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
DIVERGENCES = ROOT / "examples" / "divergences"


def _gen():
    sys.path.insert(0, str(DOCS))
    try:
        import gen
    finally:
        sys.path.remove(str(DOCS))
    return gen


# ------------------------------------------------------------------------------ absent members
class _Lacking:
    hooks = protocol.absent("no hooks here")
    version = protocol.absent("no version counters", is_property=True)


def test_an_absent_member_exists_and_raises_api_absent_when_used():
    obj = _Lacking()
    with pytest.raises(protocol.ApiAbsent, match="no hooks here"):
        obj.hooks(lambda g: g)
    with pytest.raises(protocol.ApiAbsent, match="no version counters"):
        obj.version  # noqa: B018 - reading it is the use
    with pytest.raises(protocol.ApiAbsent):
        obj.version = 3
    assert isinstance(protocol.ApiAbsent("x"), NotImplementedError)


def test_the_protocol_check_counts_absent_members_as_present_and_lists_them():
    class Node:
        next_functions = ()
        name = protocol.absent("nodes have no names here")

    assert protocol.missing_members(Node(), protocol.Node) == []
    assert protocol.absent_members(Node(), protocol.Node) == {"name": "nodes have no names here"}


def test_capability_needs_are_checked_when_a_backend_is_loaded(fakes):
    caps = fakes.ALL_CAPABILITIES - {"create_graph"}
    gradspec.register_plugin("needy", fakes.FakePlugin("needy", capabilities=caps))
    try:
        with pytest.raises(gradspec.errors.InvalidBackendError,
                           match="backward_create_graph needs create_graph"):
            gradspec.load_backend("needy")
    finally:
        gradspec.unregister_plugin("needy")


def test_every_protocol_member_has_a_docstring():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(protocol))
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)
                and n.name in ("Tensor", "Backend", "Autograd", "Node", "RemovableHandle")):
        body = cls.body
        for i, item in enumerate(body):
            if isinstance(item, ast.FunctionDef):
                assert ast.get_docstring(item), f"{cls.name}.{item.name} has no docstring"
            elif isinstance(item, ast.AnnAssign):
                nxt = body[i + 1] if i + 1 < len(body) else None
                assert isinstance(nxt, ast.Expr) and isinstance(nxt.value, ast.Constant), (
                    f"{cls.name}.{item.target.id} has no docstring")


# ------------------------------------------------------------------------------ the adapters
needs_mygrad = pytest.mark.skipif(
    importlib.util.find_spec("gradspec_mygrad") is None,
    reason="the MyGrad adapter is not installed (pip install ./examples/mygrad-backend)")


@needs_mygrad
def test_mygrad_adapter_translates_and_emulates_nothing():
    t = gradspec.load_backend("mygrad")
    x = t.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    assert y.grad_fn.name() == "Sum"  # MyGrad's own name, not renamed
    ((node, index),) = y.grad_fn.next_functions
    assert node.name() == "Multiply" and index == 0
    (acc, _), (again, _) = node.next_functions
    assert acc.variable is x and again.variable is x  # one wrapper per MyGrad tensor
    y.backward()
    assert x.grad.tolist() == [2.0, 4.0]
    with pytest.raises(protocol.ApiAbsent):
        t.autograd.grad(y, x)
    with pytest.raises(protocol.ApiAbsent):
        x.register_hook(lambda g: g)
    absent = protocol.absent_members(x, protocol.Tensor)
    assert {"_version", "register_hook", "detach_", "retains_grad"} <= set(absent)


@pytest.mark.skipif(importlib.util.find_spec("gradspec_paddle") is None,
                    reason="the PaddlePaddle adapter is not installed")
# Paddle warns at import that it found no ccache (for compiling its own C++ extensions)
@pytest.mark.filterwarnings("ignore:No ccache found:UserWarning")
def test_paddle_adapter_translates_node_pairs_and_declares_its_crasher():
    t = gradspec.load_backend("paddle")
    x = t.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    assert y.grad_fn.name() == "MultiplyGradNode"
    assert all(index == 0 for _, index in y.grad_fn.next_functions)
    with pytest.raises(protocol.ApiAbsent):
        y.sum().backward(create_graph=True)
    declared = gradspec.plugins.known_failures("paddle", t)
    assert any(reason.startswith("crash:") for reason in declared.values())


# ------------------------------------------------------------------------------ divergences
def test_divergence_programs_run_on_gradspec_and_name_a_clause(run_python, tmp_path):
    out = tmp_path / "d.json"
    done = run_python([str(DIVERGENCES / "run.py"), "--libraries", "gradspec",
                       "01_nonscalar_backward.py", "03_two_graphs_accumulate.py",
                       "--json", str(out)])
    assert done.returncode == 0, done.stderr[-2000:]
    doc = json.loads(out.read_text())
    answers = {row["program"]: row["answers"]["gradspec"] for row in doc["programs"]}
    # (a raised kind shows as PyTorch's exception does: RuntimeError, with its first words)
    assert answers["01_nonscalar_backward.py"].startswith(
        "error: RuntimeError: grad can be implicitly created only for scalar outputs")
    assert answers["03_two_graphs_accumulate.py"] == "[4, 6]"
    assert "03_two_graphs_accumulate.py" in done.stdout


def test_every_divergence_program_names_a_clause_of_the_catalogue():
    spec = importlib.util.spec_from_file_location("divergences_run", DIVERGENCES / "run.py")
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    files = run.programs()
    assert len(files) >= 20
    for path in files:
        module = run._load(path)
        assert module.CLAUSE in gradspec.clauses.BY_ID, path.name
        assert module.TITLE and module.__doc__, path.name
        assert hasattr(module, "pytorch"), f"{path.name} has no PyTorch version to compare with"


def test_committed_divergence_answers_cover_every_program():
    doc = json.loads((DOCS / "data" / "divergences.json").read_text())
    committed = {row["program"] for row in doc["programs"]}
    on_disk = {p.name for p in DIVERGENCES.glob("[0-9][0-9]_*.py")}
    assert committed == on_disk, "run `python examples/divergences/run.py --json " \
                                 "docs/data/divergences.json`"
    for row in doc["programs"]:
        assert row["answers"]["gradspec"] == row["answers"]["torch"] or \
            row["answers"]["gradspec"].split(":")[0] == row["answers"]["torch"].split(":")[0], row


# ------------------------------------------------------------------------------ docs blocks
def test_guide_blocks_list_every_protocol_member_and_capability():
    gen = _gen()
    text = gen.protocol_members()
    for proto in (protocol.Tensor, protocol.Backend, protocol.Autograd, protocol.Node):
        for member in protocol.protocol_members(proto):
            assert f"`{member}" in text, member
    caps = gen.capability_table()
    for cap, needs in protocol.CAPABILITY_NEEDS.items():
        assert f"`{cap}`" in caps and all(f"`{n}`" in caps for n in needs)
    assert "`relu`" in gen.op_catalogue()


def test_peers_features_marks_measured_and_surveyed_columns():
    gen = _gen()
    text = gen.peers_features(gen.load_reports(), "../")
    header = text.splitlines()[0]
    assert "MyGrad (" in header and "PaddlePaddle (" in header and "micrograd†" in header
    assert "HIPS autograd†" in header
    assert "[ACC-1](../spec/acc.md#ACC-1)" in text


# ------------------------------------------------------------------------------ bench
def test_peers_benchmark_worker_runs_on_gradspec(run_python):
    done = run_python([str(ROOT / "bench" / "peers.py"), "--worker", "gradspec",
                       "--repeats", "1"], timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout)
    assert figures["per_op_us"] > 0 and figures["logreg_s"] > 0
