"""The engine computes inf and NaN silently, as PyTorch does, while numpy keeps warning the user.

numpy reports floating-point errors as RuntimeWarnings attributed to the calling module;
``import gradspec`` sets one filter for the engine's modules (and array_api_strict's), so no
op pays for silencing (no ``errstate`` per op).  Each test records warnings without changing
the filters, so it sees exactly what a user's program would.
"""

from __future__ import annotations

import math
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


def _compiled_core() -> bool:
    from gradspec.backends.engine import core

    return core.status().kind == "compiled"


@pytest.mark.parametrize("backend_name", ["numpy", "strict"])
@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_inf_and_nan_are_computed_without_warnings(backend_name, case):
    T = load_or_skip(backend_name)
    if backend_name == "numpy" and _compiled_core():
        pytest.xfail("on the compiled core numpy's warnings are attributed to the caller's "
                     "frame (compiled functions have none), so the filter on the engine's "
                     "modules does not silence them; open: it needs a way without a per-op "
                     "errstate")
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
