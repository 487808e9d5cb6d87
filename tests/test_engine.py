"""Internals of gradspec's engine (gradspec.backends.engine) that the conformance suite does not
see: deep graphs without recursion, one backward per node, thread-local grad mode, the two
namespaces backward formulas run on, the op registry, and the version-counter error message.
"""

from __future__ import annotations

import re
import sys
import threading
import warnings

import pytest

from gradspec import errors
from gradspec.backends.engine import REGISTRY, Node
from gradspec.backends.engine.functional import GRAPH_F
from gradspec.backends.engine.rawf import NAMES, RawF
from gradspec.conformance.opcases import CASES, REGISTRY_OPS

CHAIN = 100_000
RECURSION_LIMIT = 500


# ------------------------------------------------------------------------------ deep graphs
def test_a_100000_op_chain_backpropagates_without_recursion(any_backend):
    B = any_backend
    x = B.tensor(1.0, dtype=B.float64, requires_grad=True)
    y = x
    for _ in range(CHAIN):
        y = y * 1.00001
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(RECURSION_LIMIT)  # far below the chain's depth
    try:
        y.backward()
    finally:
        sys.setrecursionlimit(old)
    expected = 1.0
    for _ in range(CHAIN):
        expected *= 1.00001
    assert x.grad.item() == pytest.approx(expected, rel=1e-12)


def test_each_node_runs_backward_once(engine_backend, monkeypatch):
    # 60 doublings make 2**60 paths from the output to x: a walk per path would never finish.
    calls = []
    add = REGISTRY["add"]
    original = add.backward

    def counted(self, F, g, *saved):
        calls.append(self)
        return original(self, F, g, *saved)

    monkeypatch.setattr(add, "backward", counted)
    B = engine_backend
    x = B.tensor(1.0, dtype=B.float64, requires_grad=True)
    y = x
    for _ in range(60):
        y = y + y
    y.backward()
    assert x.grad.item() == 2.0 ** 60
    assert len(calls) == 60 and len({id(n) for n in calls}) == 60


# ------------------------------------------------------------------------------ grad mode
def test_grad_mode_is_thread_local(any_backend):
    B = any_backend
    x = B.tensor([1.0, 2.0], requires_grad=True)
    main_in_no_grad, worker_switched_off, main_left_no_grad = (threading.Event() for _ in range(3))
    seen = {}

    def worker():
        main_in_no_grad.wait(5)
        seen["worker_while_main_in_no_grad"] = (B.is_grad_enabled(), (x * 2).requires_grad)
        B.set_grad_enabled(False)
        worker_switched_off.set()
        main_left_no_grad.wait(5)
        seen["worker_after_main_left"] = (B.is_grad_enabled(), (x * 2).requires_grad)

    thread = threading.Thread(target=worker)
    thread.start()
    with B.no_grad():
        main_in_no_grad.set()
        assert worker_switched_off.wait(5)
        seen["main_in_no_grad"] = (B.is_grad_enabled(), (x * 2).requires_grad)
    seen["main_after_no_grad"] = (B.is_grad_enabled(), (x * 2).requires_grad)
    main_left_no_grad.set()
    thread.join(5)
    assert seen == {
        "worker_while_main_in_no_grad": (True, True),  # main's no_grad is not the worker's
        "main_in_no_grad": (False, False),
        "main_after_no_grad": (True, True),  # the worker's switch-off is not main's
        "worker_after_main_left": (False, False),  # main leaving no_grad is not the worker's
    }


def test_a_new_thread_starts_with_grad_enabled(any_backend):
    B = any_backend
    seen = []
    with B.no_grad():
        thread = threading.Thread(target=lambda: seen.append(B.is_grad_enabled()))
        thread.start()
        thread.join(5)
    assert seen == [True]


# ------------------------------------------------------------------------------ the namespaces
def _members(obj) -> set[str]:
    return {n for n in dir(obj) if not n.startswith("_") and callable(getattr(obj, n))}


def test_raw_and_graph_namespaces_offer_the_same_functions(engine_backend):
    raw = engine_backend.engine.raw_F
    assert isinstance(raw, RawF)
    assert len(NAMES) == len(set(NAMES))
    assert _members(raw) == set(NAMES)
    assert _members(GRAPH_F) == set(NAMES)


# ------------------------------------------------------------------------------ the op registry
PUBLIC_OPS = sorted({op for op, cls in REGISTRY.items() if cls.public} | set(REGISTRY_OPS))
@pytest.mark.parametrize("op", PUBLIC_OPS)
def test_public_ops_and_op_cases_match(op):
    assert op in REGISTRY and REGISTRY[op].public, f"op case for {op!r}, not a public registry op"
    assert op in REGISTRY_OPS, f"public op {op!r} is missing from opcases.REGISTRY_OPS"
    assert any(c.op == op for c in CASES), f"public op {op!r} has no op case"


@pytest.mark.parametrize("op", sorted(REGISTRY))
def test_each_node_class_defines_forward_and_backward_itself(op):
    cls = REGISTRY[op]
    assert issubclass(cls, Node) and cls.op == op
    assert "forward" in vars(cls) and "backward" in vars(cls), (
        f"{cls.__name__} must define forward and backward in its own body (one screen per op)")
    if cls.public:  # users see these names as grad_fn: PyTorch's, e.g. MulBackward0
        assert re.fullmatch(r"[A-Z][A-Za-z0-9]*Backward[0-9]|CopySlices", cls.__name__), (
            cls.__name__)  # (digits: MaxPool2DWithIndicesBackward0, SmoothL1LossBackward0)


# ------------------------------------------------------------------------------ error messages
def test_version_error_names_the_op_shape_versions_and_the_fix(engine_backend):
    B = engine_backend
    x = B.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    y = x * 2
    z = y * y  # MulBackward0 saves y (version 0)
    y.add_(1)
    y.mul_(3)  # y is at version 2 now
    with pytest.raises(errors.SavedTensorModifiedError) as info:
        z.sum().backward()
    message = str(info.value)
    assert "MulBackward0" in message
    assert message.startswith("one of the variables needed for gradient computation has been "
                              "modified by an inplace operation: [torch.FloatTensor [2, 3]], "
                              "which is output 0 of Mul, is at version 2; expected "
                              "version 0 instead.")
    assert "clone" in message
    assert x.grad is None


def test_version_error_for_a_saved_output(engine_backend):
    B = engine_backend
    x = B.tensor([0.5, -0.5], requires_grad=True)
    s = x.sigmoid()  # SigmoidBackward0 saves its output
    s.mul_(2)
    with pytest.raises(errors.SavedTensorModifiedError) as info:
        s.sum().backward()
    message = str(info.value)
    assert "SigmoidBackward0" in message and "[torch.FloatTensor [2]]" in message
    assert "version 1" in message and "expected version 0" in message and "clone" in message


_HINT = re.compile(r"([A-Za-z_][\w.]*anomaly[\w.]*)\(")


def test_version_error_hint_names_a_switch_that_exists(engine_backend):
    import gradspec

    B = engine_backend
    x = B.tensor([0.5, -0.5], requires_grad=True)
    e = x.exp()
    e.add_(1)
    with pytest.raises(errors.SavedTensorModifiedError) as info:
        e.sum().backward()
    hinted = _HINT.findall(str(info.value))
    assert hinted, str(info.value)
    for name in hinted:
        root, *path = name.split(".")
        obj = gradspec if root == "gradspec" else B  # `torch.` or `backend.`: the backend
        for part in path:
            assert hasattr(obj, part), f"{name}() does not exist"
            obj = getattr(obj, part)
        assert callable(obj)


def test_version_error_in_anomaly_mode_names_where_the_saving_op_was_created(engine_backend):
    B = engine_backend
    with B.autograd.detect_anomaly():
        x = B.tensor([0.5, -0.5], requires_grad=True)
        line = sys._getframe().f_lineno + 1
        e = x.exp()
        e.add_(1)
        with pytest.raises(errors.SavedTensorModifiedError) as info:
            e.sum().backward()
    assert f"test_engine.py:{line}" in str(info.value), str(info.value)


def test_anomaly_nan_error_names_the_users_line(engine_backend):
    B = engine_backend
    with B.autograd.detect_anomaly():
        x = B.tensor([0.0], requires_grad=True)
        line = sys._getframe().f_lineno + 1
        y = (x.sqrt() * 0).sum()
        with pytest.raises(errors.AnomalyError) as info, warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # numpy: 0/0 in sqrt's backward
            y.backward()
    assert "SqrtBackward0" in str(info.value)
    assert f"test_engine.py:{line}" in str(info.value), str(info.value)
