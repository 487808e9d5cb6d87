"""Helpers shared by the workloads: timing, iteration limits, host values of parameters."""

from __future__ import annotations

from typing import Any


def iteration_limit(requested: int | None, default: int) -> int:
    if requested is None:
        return default
    if isinstance(requested, bool) or not isinstance(requested, int) or requested < 1:
        raise ValueError(f"iterations must be a positive integer, got {requested!r}")
    return requested


def host(value: Any) -> Any:
    """A tensor's values as plain Python numbers (nested lists), for results and JSON."""
    return value.detach().tolist()


def identity(backend: Any) -> dict[str, str]:
    return {"backend": str(backend.name), "backend_version": str(backend.version),
            "device": str(backend.device)}
