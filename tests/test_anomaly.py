"""Anomaly mode: gradspec.detect_anomaly(), the engine's recording, and the backend option.

What a user sees matters here, so messages are checked: an error in backward must name the
forward call (this file, the line) that created the failing node, and a NaN must name the node
that produced it.  The conformance clause ERR-2 checks the kinds on every backend.
"""

from __future__ import annotations

import warnings

import pytest

import gradspec
from gradspec import AnomalyError, GraphFreedError, SavedTensorModifiedError

ENGINES = ["numpy", "strict"]


@pytest.fixture(params=ENGINES)
def torch(request):
    ok, why = gradspec.plugins.availability(request.param)
    if not ok:
        pytest.skip(why)
    backend = gradspec.load_backend(request.param)
    yield backend
    backend.set_detect_anomaly(False)


def _line(marker: str) -> int:
    """The line of this file that contains ``marker`` (a forward call the messages must name)."""
    with open(__file__, encoding="utf-8") as f:
        lines = f.read().splitlines()
    return next(i for i, text in enumerate(lines, 1) if marker in text and "_line(" not in text)


def test_off_by_default_and_nothing_is_recorded(torch, monkeypatch):
    assert not torch.is_anomaly_enabled() and not gradspec.is_anomaly_enabled()

    def recorded(*args):
        raise AssertionError("a stack was recorded while anomaly mode was off")

    monkeypatch.setattr(torch.engine, "anomaly_trace", recorded)
    x = torch.tensor([0.0, 1.0], requires_grad=True)
    y = (torch.sqrt(x) * 0).sum()
    assert y.grad_fn._x is None  # no per-node extra state either
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        y.backward()  # NaN gradients, silently, as PyTorch
    assert x.grad.tolist()[0] != x.grad.tolist()[0]


def test_a_nan_names_the_node_and_the_forward_call(torch):
    x = torch.tensor([0.0, 1.0], requires_grad=True)
    with gradspec.detect_anomaly():
        y = (torch.sqrt(x) * 0).sum()  # forward: sqrt
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            with pytest.raises(AnomalyError) as info:
                y.backward()
    message = str(info.value)
    assert "SqrtBackward0" in message and "nan" in message
    assert f"{__file__}\", line {_line('# forward: sqrt')}" in message
    assert x.grad is None  # the failed backward accumulated nothing


def test_check_nan_false_lets_nan_through(torch):
    x = torch.tensor([0.0, 1.0], requires_grad=True)
    with gradspec.detect_anomaly(check_nan=False):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            (torch.sqrt(x) * 0).sum().backward()
    assert x.grad.tolist()[0] != x.grad.tolist()[0]


def test_a_modified_saved_tensor_names_the_op_that_saved_it(torch):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with gradspec.detect_anomaly():
        y = x * 2
        z = y * y  # forward: the saving op
        y.add_(1)
        with pytest.raises(SavedTensorModifiedError) as info:
            z.sum().backward()
    message = str(info.value)
    assert "MulBackward0" in message and "modified by an inplace operation" in message
    assert f"line {_line('# forward: the saving op')}" in message
    assert x.grad is None and y._version == 1


def test_a_freed_graph_names_the_node_and_keeps_its_kind(torch):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with gradspec.detect_anomaly():
        y = (x.exp()).sum()  # forward: exp
        y.backward()
        with pytest.raises(GraphFreedError) as info:
            y.backward()
    assert torch.classify_error(info.value) is GraphFreedError
    message = str(info.value)
    assert "ExpBackward0" in message and f"line {_line('# forward: exp')}" in message


def test_nodes_made_before_anomaly_mode_say_so(torch):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y * y
    y.add_(1)
    with gradspec.detect_anomaly(), pytest.raises(SavedTensorModifiedError) as info:
        z.sum().backward()
    assert "before anomaly mode was switched on" in str(info.value)


def test_results_are_the_same_in_anomaly_mode(torch):
    def run():
        w = torch.tensor([[0.5, -1.0], [2.0, 0.25]], dtype=torch.float64, requires_grad=True)
        loss = (torch.sigmoid(w @ w) * w).sum()
        (g,) = torch.autograd.grad(loss, w, create_graph=True)
        (g * g).sum().backward()
        return loss.item(), g.tolist(), w.grad.tolist()

    plain = run()
    with gradspec.detect_anomaly():
        assert run() == plain


def test_detect_anomaly_restores_nests_and_decorates(torch):
    assert not torch.is_anomaly_enabled()
    with gradspec.detect_anomaly(check_nan=False):
        assert torch.is_anomaly_enabled() and not torch.is_anomaly_check_nan_enabled()
        with gradspec.detect_anomaly():
            assert torch.is_anomaly_check_nan_enabled()
        assert torch.is_anomaly_enabled() and not torch.is_anomaly_check_nan_enabled()
    assert not torch.is_anomaly_enabled() and torch.is_anomaly_check_nan_enabled()

    @gradspec.detect_anomaly()
    def inside():
        return torch.is_anomaly_enabled()

    assert inside() and not torch.is_anomaly_enabled()
    with pytest.raises(ValueError), gradspec.detect_anomaly():
        raise ValueError("the block failed")
    assert not torch.is_anomaly_enabled()
    gradspec.set_detect_anomaly(True)
    assert torch.is_anomaly_enabled() and gradspec.is_anomaly_enabled()
    gradspec.set_detect_anomaly(False)
    assert not torch.is_anomaly_enabled()


@pytest.mark.parametrize("name", ENGINES)
def test_the_backend_option_starts_in_anomaly_mode(name):
    ok, why = gradspec.plugins.availability(name)
    if not ok:
        pytest.skip(why)
    on = gradspec.load_backend(name, anomaly="1")
    assert on.is_anomaly_enabled() and not gradspec.load_backend(name).is_anomaly_enabled()
    assert not gradspec.load_backend(name, anomaly="0").is_anomaly_enabled()
    x = on.tensor([0.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(AnomalyError):
            (on.sqrt(x) * 0).sum().backward()
    with pytest.raises(ValueError, match="anomaly=1 or anomaly=0"):
        gradspec.load_backend(name, anomaly="sometimes")
    with pytest.raises(ValueError, match=r"anomaly=1\|0.*unknown: \['colour'\]"):
        gradspec.load_backend(name, colour="blue")


def test_torch_is_switched_too():
    ok, why = gradspec.plugins.availability("torch")
    if not ok:
        pytest.skip(why)
    torch = gradspec.load_backend("torch")
    assert "anomaly" in torch.capabilities
    x = torch.tensor([0.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with gradspec.detect_anomaly():
            assert torch.is_anomaly_enabled()
            y = (torch.sqrt(x) * 0).sum()
            with pytest.raises(RuntimeError) as info:
                y.backward()
    assert torch.classify_error(info.value) is AnomalyError
    assert not torch.is_anomaly_enabled()


def test_anomaly_blocks_warn_and_traces_start_at_the_script_under_exec(tmp_path, capsys):
    from gradspec.cli import main

    script = tmp_path / "script.py"
    script.write_text("import torch\n"
                      "x = torch.tensor([-1.0, 4.0], requires_grad=True)\n"
                      "with torch.autograd.detect_anomaly():\n"
                      "    y = x.sqrt()\n"
                      "    y.sum().backward()\n")
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        assert main(["exec", "-b", "numpy", str(script)]) == 1
    err = capsys.readouterr().err
    trace = err[err.index("the forward call's stack"):]
    assert f'File "{script}", line 4' in trace
    assert "click" not in trace and "scripts.py" not in trace


def test_set_detect_anomaly_sets_at_once_and_restores_as_a_context_manager(torch):
    """torch.autograd.set_detect_anomaly(mode) switches at once; used in a with-statement,
    leaving the block restores the previous setting (PyTorch's class of the same name)."""
    setting = torch.autograd.set_detect_anomaly(False)
    assert type(setting).__name__ == "set_detect_anomaly" and not torch.is_anomaly_enabled()
    with torch.autograd.set_detect_anomaly(True, check_nan=False):
        assert torch.is_anomaly_enabled() and not torch.is_anomaly_check_nan_enabled()
    assert not torch.is_anomaly_enabled() and torch.is_anomaly_check_nan_enabled()
    torch.autograd.set_detect_anomaly(True)
    assert torch.is_anomaly_enabled()
