"""The engine computes inf and NaN silently, as PyTorch does, while numpy keeps warning the user.

numpy reports floating-point errors as RuntimeWarnings.  The numpy and strict plugins give
the engine a ``Host.quiet`` context (numpy's error state set to ignore): the engine enters it
once per backward call and around the forward of every node class marked ``quiet``, so no
cheap op pays for it.  The cheap arithmetic every model runs (`HOT`) is left unmarked: on the
pure core ``import gradspec``'s warning filter on the engine's modules silences it, on the
compiled core (no Python frames) numpy's warning reaches the caller.  Each test records
warnings without changing the filters, so it sees exactly what a user's program would.
"""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest

from support import load_or_skip

CASES = {
    "log(0)": lambda T, x: T.log(x * 0),
    "sqrt(-1)": lambda T, x: T.sqrt(-x),
    "0/0": lambda T, x: (x * 0) / (x * 0),
    "1/0": lambda T, x: 1 / (x * 0),
    "exp overflow": lambda T, x: T.exp(x * 1000.0),
    "pow at 0": lambda T, x: (x * 0) ** -1.0,
    "sqrt backward at 0": lambda T, x: T.sqrt(x * 0).sum().backward() or x.grad,
    "log backward at 0": lambda T, x: T.log((x * 0).abs()).sum().backward() or x.grad,
    "where trap": lambda T, x: T.where(x > 5, T.sqrt(-x), x).sum().backward() or x.grad,
}


@pytest.mark.parametrize("backend_name", ["numpy", "strict"])
@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_inf_and_nan_are_computed_without_warnings(backend_name, case):
    T = load_or_skip(backend_name)
    x = T.tensor([1.0, 2.0], dtype=T.float64, requires_grad=True)
    with warnings.catch_warnings(record=True) as seen:
        out = CASES[case](T, x)
    assert [str(w.message) for w in seen] == []
    values = out.detach().tolist()
    assert any(math.isinf(v) or math.isnan(v) for v in values)  # the case did overflow


def test_the_users_own_numpy_still_warns():
    import gradspec  # noqa: F401  (the filter is set by this import)

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")  # (the user's choice; it also overrides ours)
        np.log(np.zeros(1))
    assert any("divide by zero" in str(w.message) for w in seen)
    with warnings.catch_warnings(record=True) as seen:
        np.sqrt(-np.ones(1))  # filters as they are: only the engine's modules are silenced
    assert any("invalid value" in str(w.message) for w in seen)


def test_the_engine_keeps_other_warnings():
    T = load_or_skip("numpy")
    y = T.tensor([1.0], requires_grad=True) * 2
    with pytest.warns(UserWarning, match="not a leaf"):
        assert y.grad is None


#: node classes left without ``quiet`` (module, class): the arithmetic of every model, where
#: entering a context per op would cost more than the op's own engine work; they warn as
#: numpy does on the compiled core (inf - inf, 0 * inf, overflow)
HOT = {("arith", "AddBackward0"), ("arith", "SubBackward0"), ("arith", "RsubBackward0"),
       ("arith", "RsubBackward1"),
       ("arith", "MulBackward0"), ("arith", "NegBackward0"), ("linalg", "MmBackward0"),
       ("linalg", "AddmmBackward0"), ("reduce", "SumBackward0"), ("reduce", "MeanBackward0"),
       ("reduce", "SumToBackward")}

#: every float input of a case cycles through these (each case runs three shifts of them)
EXTREME = np.array([0.0, -1.0, math.inf, -math.inf, math.nan, 1e300, -1e300, 2.0, -0.0, 1e-320])
FP_WARNING = re.compile(r"(divide by zero|invalid value|overflow|underflow) encountered in ")


def _node_classes() -> dict[tuple[str, str], type]:
    from gradspec.backends.engine.node import Node

    found, stack = {}, list(Node.__subclasses__())
    while stack:
        cls = stack.pop()
        if cls.__module__.startswith("gradspec.backends.engine."):  # not a user's Function
            found[(cls.__module__.rsplit(".", 1)[-1], cls.__name__)] = cls
        stack.extend(cls.__subclasses__())
    return found


@pytest.fixture
def hot_made_quiet():
    """`HOT`'s classes marked ``quiet`` for one test: what warns then is a class that should be."""
    from gradspec.backends.engine.node import op_info

    classes = _node_classes()
    missing = HOT - set(classes)
    assert not missing, f"HOT names node classes that no longer exist: {sorted(missing)}"
    infos = [op_info(classes[key]) for key in sorted(HOT)]
    before = [info.quiet for info in infos]
    for info in infos:
        info.quiet = True
    yield
    for info, was in zip(infos, before):
        info.quiet = was


def _extreme(case, shift: int) -> list[np.ndarray]:
    values = []
    for i, a in enumerate(case.sample()):
        flat = a.reshape(-1).copy()
        flat[:] = EXTREME[(np.arange(flat.size) + shift + 3 * i) % EXTREME.size]
        values.append(flat.reshape(a.shape))
    return values


@pytest.mark.parametrize("backend_name", ["numpy", "strict"])
def test_no_op_warns_on_inf_nan_or_overflow_forward_or_backward(backend_name, hot_made_quiet):
    """Every op case of the conformance catalogue, with inputs and cotangents of 0, -1, +-inf,
    NaN, +-1e300 and a subnormal: no floating-point RuntimeWarning (PyTorch prints none), on
    either core.  ``simplefilter("always")`` sees past the pure core's module filter, so both
    cores are judged by the context alone."""
    from conformance.opcases import CASES

    T = load_or_skip(backend_name)
    if backend_name == "strict":
        pytest.importorskip("array_api_strict")
    heard: dict[str, set[str]] = {}
    for case in CASES:
        for shift in range(3):
            args = [T.tensor(v, dtype=getattr(T, spec.dtype), requires_grad=spec.requires_grad)
                    for v, spec in zip(_extreme(case, shift), case.inputs)]
            with warnings.catch_warnings(record=True) as seen:
                warnings.simplefilter("always")
                try:
                    out = case.fn(T, *args)
                    if getattr(out, "requires_grad", False):
                        flat = EXTREME[(np.arange(out.numel()) + shift) % EXTREME.size]
                        v = T.tensor(flat.reshape(tuple(out.shape)), dtype=out.dtype)
                        out.backward(v)
                except (RuntimeError, ValueError, IndexError):
                    pass  # an input the op refuses (BCE outside [0, 1]): its error is fine
            for w in seen:
                if issubclass(w.category, RuntimeWarning) and FP_WARNING.search(str(w.message)):
                    heard.setdefault(case.name, set()).add(str(w.message))
    assert heard == {}, "mark these ops' node classes quiet = True: " + "; ".join(
        f"{name}: {sorted(msgs)}" for name, msgs in sorted(heard.items()))


def test_hot_classes_are_the_only_unquiet_ones_that_compute():
    """A new node class that computes must choose: ``quiet = True``, or a place in `HOT`
    (with the per-op cost argument).  Classes that only move, select or compare data are
    listed here as needing neither."""
    moves = {"cast": {"CloneBackward0", "FillBackward2"}, "function": None, "views": None,
             "join": None, "shape": None, "sparse": None, "windows": None, "tie": None,
             "gather": {"GatherBackward0", "MaskedFillBackward0", "ScatterBackward0"},
             "select": None, "reduce": {"MaxBackward0", "MaxBackward1", "MinBackward0",
                                          "MinBackward1"},
             "matrix": {"DiagEmbedBackward0", "DiagonalBackward0", "TrilBackward0",
                        "TriuBackward0"},
             "stats": {"AmaxBackward0", "AminBackward0", "MedianBackward0"},
             "pooling": {"MaxPool2DWithIndicesBackward0"},
             "unary": {"AbsBackward0", "ClampBackward1", "ReluBackward0", "SignBackward0",
                       "ThresholdBackwardBackward0",
                       # computes, but its forward (the tanh form) cannot raise a flag
                       # numpy reports: the extreme-value test above holds it to that
                       "SigmoidBackward0"},
             "activation": {"HardtanhBackward0", "LeakyReluBackward0", "SlopeGradBackward"},
             "pointwise": {"CeilBackward0", "ClampMaxBackward0", "ClampMinBackward0",
                           "FloorBackward0", "RoundBackward0", "TruncBackward0"}}
    from gradspec.backends.engine.node import op_info

    unmarked = {key for key, cls in _node_classes().items() if not op_info(cls).quiet}
    unexplained = {(mod, name) for mod, name in unmarked - HOT
                   if not (mod in moves and (moves[mod] is None or name in moves[mod]))}
    assert unexplained == set(), f"neither quiet nor HOT nor data movement: {sorted(unexplained)}"
