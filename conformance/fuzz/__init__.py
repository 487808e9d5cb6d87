"""Differential fuzzing of an autograd backend against PyTorch.

A seeded generator writes random autograd programs (:mod:`.generator`, :mod:`.ops`,
:mod:`.actions`); each runs on the backend under test and on ``gradspec.load_backend("torch")``
through the protocol only (:mod:`.runner`); values, gradients, flags and error kinds are compared
with float64 tolerances, accepting only what the spec leaves open (:mod:`.compare`); a
disagreement is shrunk to a minimal program (:mod:`.shrinker`) and printed as a runnable script
(:mod:`.printer`).

    >>> from gradspec.conformance.fuzz import fuzz
    >>> for finding in fuzz(gradspec.load_backend("numpy"), range(1000)):
    ...     print(finding)

From a shell: ``python -m gradspec.conformance.fuzz --backend numpy --count 20000``; in the
conformance suite: ``pytest --pyargs gradspec.conformance --backend=NAME -m fuzz``.
"""

from .compare import Mismatch, Verdict, check
from .generator import generate
from .printer import reproducer
from .program import Program, Stmt
from .runner import Trace, run
from .session import Finding, fuzz, ops_for, program_for
from .shrinker import shrink

__all__ = [
    "Finding", "Mismatch", "Program", "Stmt", "Trace", "Verdict", "check", "fuzz", "generate",
    "ops_for", "program_for", "reproducer", "run", "shrink",
]
