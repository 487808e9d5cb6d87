"""Fuzzing a backend over a range of seeds: which ops it gets, what a finding is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from .compare import Verdict, check
from .generator import CAPABILITIES, generate
from .ops import OPS
from .printer import reproducer
from .program import Program
from .runner import Trace, run
from .shrinker import shrink

#: The reference every backend is compared with (loaded through the public registry).
REFERENCE = "torch"


def ops_for(backend: Any) -> list[str]:
    """The ops whose functions and tensor members ``backend`` has."""
    sample = backend.tensor([[1.0]], dtype=backend.float64)
    out = []
    for name, spec in sorted(OPS.items()):
        if all(_has(backend, sample, need) for need in spec.needs):
            out.append(name)
    return out


def _has(backend: Any, sample: Any, need: str) -> bool:
    """``Tensor.name`` on a tensor, else a backend function, maybe dotted (``linalg.norm``)."""
    if need.startswith("Tensor."):
        return hasattr(sample, need[len("Tensor."):])
    found = backend
    for part in need.split("."):
        found = getattr(found, part, None)
        if found is None:
            return False
    return True


def capabilities_for(backend: Any) -> list[str]:
    return sorted(set(backend.capabilities) & set(CAPABILITIES))


def program_for(backend: Any, seed: int) -> Program:
    """The program seed ``seed`` gives on ``backend`` (its ops and capabilities)."""
    return generate(seed, ops_for(backend), capabilities_for(backend))


@dataclass
class Finding:
    """A program on which the backend disagrees with the reference, shrunk and printed."""

    seed: int
    original: Program
    verdict: Verdict  # of the shrunk program
    code: str  # the runnable reproducer

    def __str__(self) -> str:
        return self.code


def fuzz(backend: Any, seeds: Iterable[int], reference: Any = None, *,
         minimise: bool = True, cache: dict[str, Trace] | None = None) -> Iterator[Finding]:
    """Check the program of every seed; yield a finding for each disagreement.

    ``cache`` (program source -> the reference's trace) lets several backends share the
    reference's runs of the same programs.
    """
    if reference is None:
        import gradspec

        reference = gradspec.load_backend(REFERENCE)
    ops, caps = ops_for(backend), capabilities_for(backend)
    for seed in seeds:
        program = generate(seed, ops, caps)
        want = None
        if cache is not None:
            want = cache.get(program.source)
            if want is None:
                want = cache[program.source] = run(program, reference)
        verdict = check(program, backend, reference, want=want)
        if verdict.ok:
            continue
        if minimise:
            verdict = shrink(program, backend, reference, verdict)
        yield Finding(seed, program, verdict,
                      reproducer(verdict, str(backend.name), len(program)))
