"""Helpers shared by conformance tests.  They use only the protocol, never a backend's internals."""

from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import numpy as np
import pytest

from gradspec import errors
from gradspec.conformance.report import UNSUPPORTED_PREFIX


class ErrorInfo:
    """What `raises_kind` caught (``value`` is the exception)."""

    value: BaseException | None = None


@contextmanager
def raises_kind(backend: Any, kind: type[errors.AutogradError]) -> Iterator[ErrorInfo]:
    """Assert that the block raises a ``RuntimeError`` the backend classifies as ``kind``."""
    info = ErrorInfo()
    try:
        yield info
    except Exception as exc:  # noqa: BLE001 - classified below
        got = backend.classify_error(exc)
        if got is None or not issubclass(got, kind):
            found = got.__name__ if got else "no known kind"
            raise AssertionError(
                f"expected {kind.__name__}, got {type(exc).__name__} ({found}): {exc}") from exc
        if not isinstance(exc, RuntimeError):
            raise AssertionError(
                f"{kind.__name__} must be raised as a RuntimeError, got {type(exc).__name__}") from exc
        info.value = exc
    else:
        raise AssertionError(f"expected {kind.__name__}, but nothing was raised")


def expect_error(backend: Any, kind: type[errors.AutogradError], fn: Callable[[], Any]) -> BaseException:
    """Call ``fn`` and assert it raises ``kind`` (see `raises_kind`)."""
    with raises_kind(backend, kind) as info:
        fn()
    assert info.value is not None
    return info.value


def to_np(value: Any) -> np.ndarray:
    """Host numpy array of a tensor (any backend), a nested list or a number."""
    if hasattr(value, "detach"):
        value = value.detach()
        return np.asarray(value.tolist())
    return np.asarray(value)


def close(actual: Any, expected: Any, rtol: float = 1e-6, atol: float = 1e-6) -> bool:
    """Same shape and values within tolerance (NaN equals NaN)."""
    a, e = to_np(actual), to_np(expected)
    if a.shape != e.shape:
        a = a.reshape(e.shape) if a.size == e.size == 1 else a
    return a.shape == e.shape and bool(np.allclose(a, e, rtol=rtol, atol=atol, equal_nan=True))


def assert_close(actual: Any, expected: Any, rtol: float = 1e-6, atol: float = 1e-6) -> None:
    a, e = to_np(actual), to_np(expected)
    assert a.shape == e.shape, f"shape {a.shape} != expected {e.shape}"
    np.testing.assert_allclose(a, e, rtol=rtol, atol=atol, equal_nan=True)


_SUFFIX = re.compile(r"Backward\d*$")


def op_name(node: Any) -> str:
    """A grad_fn's normalised op name: ``MulBackward0`` -> ``Mul``."""
    return _SUFFIX.sub("", node.name())


def unsupported(reason: str) -> None:
    """Skip the current test as unsupported by the backend (reported as such, not as a failure)."""
    pytest.skip(f"{UNSUPPORTED_PREFIX} {reason}")


def require_methods(backend: Any, case: Any) -> None:
    """Skip as unsupported unless ``backend`` has every function and tensor method an op case
    calls (``case.methods``: ``"Tensor.view"``, ``"relu"``, ``"linalg.vector_norm"``)."""
    sample = backend.tensor([[1.0]])  # 2-D: reading `.T` of other ranks may warn
    lacking = []
    for name in case.methods:
        owner, _, attr = name.rpartition(".")
        if owner == "Tensor":
            found = hasattr(sample, attr)
        else:  # a backend function, maybe in a sub-namespace ("linalg.vector_norm")
            found = backend
            for part in name.split("."):
                found = getattr(found, part, None)
            found = found is not None
        if not found:
            lacking.append(name)
    if lacking:
        unsupported(f"op case {case.name} needs {', '.join(lacking)}")


def example_namespace(backend: Any) -> dict[str, Any]:
    """Globals for running a clause's example against ``backend`` (bound to ``torch``)."""
    ns: dict[str, Any] = {
        "torch": backend,
        "expect_error": lambda kind, fn: expect_error(backend, kind, fn),
        "close": close,
        "op_name": op_name,
    }
    ns.update({cls.__name__: cls for cls in errors.ERROR_KINDS})
    return ns


def run_example(code: str, backend: Any) -> None:
    """Run a clause's example against ``backend``; its asserts explain their values as pytest's
    do (the example is rewritten the way pytest rewrites a test module).  An example that needs
    an optional op the backend lacks is reported unsupported."""
    try:
        exec(_compile_example(code), example_namespace(backend))
    except errors.OpNotSupportedError as exc:  # the example needs an optional op
        unsupported(str(exc))


def _compile_example(code: str) -> Any:
    import ast

    tree = ast.parse(code, "<clause example>")
    try:
        from _pytest.assertion.rewrite import rewrite_asserts

        rewrite_asserts(tree, code.encode("utf-8"), "<clause example>")
    except Exception:  # noqa: BLE001 - pytest's internals moved: plain asserts still work
        pass
    return compile(tree, "<clause example>", "exec")
