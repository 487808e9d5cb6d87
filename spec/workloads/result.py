"""What a workload run returns: one result shape for every workload, JSON-ready."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Checkpoint:
    """The model's state at one iteration, as the tutorial prints and plots it."""

    iteration: int
    loss: float
    accuracy: float | None
    parameters: dict[str, Any]


@dataclass
class WorkloadResult:
    """A finished run.

    ``iterations`` counts the updates made; ``losses`` holds one loss per update (computed
    before it); ``parameters`` are the final values as nested lists; ``metrics`` holds what is
    particular to one workload; ``notes`` are sentences that explain a result which could
    read as a failure (the command prints them, the JSON keeps them).  ``data`` keeps the host
    arrays the run trained on, for plots; it is not part of the JSON.
    """

    workload: str
    backend: str
    backend_version: str
    device: str
    iterations: int
    seconds: float
    losses: list[float]
    parameters: dict[str, Any]
    accuracy: float | None = None
    stop_reason: str = ""
    checkpoints: list[Checkpoint] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def final_loss(self) -> float | None:
        return self.losses[-1] if self.losses else None

    def summary(self) -> dict[str, Any]:
        """The headline numbers (what the command prints and the conformance report keeps)."""
        return {
            "accuracy": self.accuracy,
            "iterations": self.iterations,
            "final_loss": self.final_loss,
            "seconds": round(self.seconds, 4),
            "parameters": self.parameters,
            **self.metrics,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "workload": self.workload,
            "backend": self.backend,
            "backend_version": self.backend_version,
            "device": self.device,
            "iterations": self.iterations,
            "accuracy": self.accuracy,
            "final_loss": self.final_loss,
            "seconds": self.seconds,
            "stop_reason": self.stop_reason,
            "parameters": self.parameters,
            "metrics": self.metrics,
            "notes": self.notes,
            "losses": self.losses,
            "checkpoints": [vars(c) for c in self.checkpoints],
        }

    def write_json(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        return path
