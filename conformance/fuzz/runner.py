"""Running a program on one backend and recording what can be observed, through the protocol.

The runner executes each statement's line of source with the backend bound to ``torch`` and
records, in order:

* per statement: the error it raised (its kind, from ``backend.classify_error``; for errors
  outside the contract, the exception's class name), or that it was skipped because a variable
  it reads is unbound (an earlier statement failed) or None (autograd.grad's answer for an
  unused input);
* per variable bound: its value, shape, dtype and flags (``requires_grad``, ``is_leaf``,
  whether it has a ``grad_fn``) as it was then;
* after each backward or grad: the ``.grad`` of every variable;
* at the end: every variable's value, flags, ``.grad``, and how many times its version counter
  moved since it was bound (the counter's starting value is PyTorch's business: some of its ops
  leave their results at version 1).

Warnings (PyTorch's non-leaf ``.grad`` warning, numpy's RuntimeWarnings) are silenced: they are
not what is compared.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .program import Program, Stmt

_CODE: dict[str, Any] = {}


@dataclass(frozen=True)
class Tensor:
    """An observed tensor: host values and flags."""

    value: np.ndarray
    requires_grad: bool
    is_leaf: bool
    has_grad_fn: bool


@dataclass
class Trace:
    """What one run observed, keyed ``"<statement>:<what>"`` in the order it happened."""

    backend: str
    events: dict[str, Any] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)  # statement -> error kind

    def add(self, key: str, value: Any) -> None:
        self.events[key] = value


def compiled(stmt: Stmt) -> Any:
    code = _CODE.get(stmt.code)
    if code is None:
        if len(_CODE) > 50_000:  # shrinking makes many variants: keep the cache bounded
            _CODE.clear()
        code = _CODE[stmt.code] = compile(stmt.code, "<fuzz program>", "exec")
    return code


def error_kind(backend: Any, exc: BaseException) -> str:
    kind = backend.classify_error(exc)
    return kind.__name__ if kind is not None else type(exc).__name__


def observe(backend: Any, t: Any) -> Tensor | None:
    if t is None:
        return None
    if not isinstance(t, backend.Tensor):
        raise TypeError(f"expected a tensor of backend {backend.name!r}, got {type(t).__name__}")
    # A copy first: a double backward can leave PyTorch's lazy zeros (a ZeroTensor) as a
    # .grad, and torch 2.13 crashes the interpreter (a segmentation fault) converting one with
    # numpy(force=True), which its own error message recommends; a clone is a real tensor.
    value = np.array(backend.to_numpy(t.detach().clone()), copy=True)
    return Tensor(value, bool(t.requires_grad), bool(t.is_leaf), t.grad_fn is not None)


def _grad(backend: Any, t: Any) -> Tensor | None:
    return observe(backend, t.grad)


def run(program: Program, backend: Any) -> Trace:
    """Run ``program`` on ``backend``; never raises for what the program itself raises."""
    trace = Trace(str(getattr(backend, "name", backend)))
    ns: dict[str, Any] = {"torch": backend}
    bound: dict[str, int] = {}  # name -> its _version when bound
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np_err = np.seterr(all="ignore")
        try:
            for i, stmt in enumerate(program.stmts):
                _step(i, stmt, ns, bound, trace, backend)
            for name in bound:
                t = ns.get(name)
                trace.add(f"end:{name}", observe(backend, t))
                if t is not None:
                    trace.add(f"end:{name}._version", int(t._version) - bound[name])
                    trace.add(f"end:{name}.grad", _grad(backend, t))
        finally:
            np.seterr(**np_err)
            if backend.is_grad_enabled() is False:  # a program must never leak grad mode
                backend.set_grad_enabled(True)
    return trace


def _step(i: int, stmt: Stmt, ns: dict[str, Any], bound: dict[str, int], trace: Trace,
          backend: Any) -> None:
    if stmt.kind == "noop":  # a twin's stand-in for a backward that raised (see compare.py)
        trace.errors[i] = next(iter(stmt.tags))
        trace.add(f"{i}:error", trace.errors[i])
    elif any(ns.get(u) is None for u in stmt.uses):  # None: an unused input's gradient
        trace.add(f"{i}:skipped", True)
        return
    else:
        try:
            exec(compiled(stmt), ns)  # noqa: S102 - the fuzzer's own generated source
        except Exception as exc:  # noqa: BLE001 - every outcome is recorded and compared
            kind = error_kind(backend, exc)
            trace.errors[i] = kind
            trace.add(f"{i}:error", kind)
            for name in stmt.defines:
                ns.pop(name, None)
        else:
            for name in stmt.defines:
                t = ns[name]
                bound[name] = int(t._version) if t is not None else 0
                trace.add(f"{i}:{name}", observe(backend, t))
    if stmt.kind in ("backward", "grad", "noop"):
        for name in bound:
            t = ns.get(name)
            if t is not None:
                trace.add(f"{i}:{name}.grad", _grad(backend, t))
