"""Differential fuzzing against PyTorch (OPS-3 over whole programs, not single ops).

Every backend runs the fuzzer's programs of the CI seed range (``CI_SEEDS``: 2,000 programs,
in chunks of ``CHUNK`` so a failure names a small seed range) and must agree with
``gradspec.load_backend("torch")`` on every value, gradient, flag and error kind, except where
the spec leaves the outcome open (:mod:`gradspec.conformance.fuzz.compare`).  A failure prints
the shrunk program as a runnable script.  Select these tests alone with ``-m fuzz``; run any
number of programs with ``python -m gradspec.conformance.fuzz --backend NAME --count N``.
"""

from __future__ import annotations

import pytest

import gradspec
from gradspec.conformance.fuzz import fuzz
from gradspec.conformance.fuzz.session import REFERENCE

pytestmark = [pytest.mark.fuzz, pytest.mark.clause("OPS-3"), pytest.mark.requires("float64")]

CI_SEEDS = range(0, 2000)
CHUNK = 100
SHOWN = 2  # reproducers printed per failing chunk

# The reference's traces, shared by every backend judged in one session (same programs).
_TORCH_TRACES: dict = {}


@pytest.fixture(scope="module")
def reference():
    ok, why = gradspec.plugins.availability(REFERENCE)
    if not ok:
        pytest.skip(f"the fuzzer compares with PyTorch, which is not available here: {why}")
    return gradspec.load_backend(REFERENCE)


@pytest.mark.parametrize("start", range(CI_SEEDS.start, CI_SEEDS.stop, CHUNK),
                         ids=lambda s: f"seeds-{s}-{s + CHUNK - 1}")
def test_programs_agree_with_torch(backend, reference, start):
    findings = []
    for finding in fuzz(backend, range(start, start + CHUNK), reference, cache=_TORCH_TRACES):
        findings.append(finding)
        if len(findings) >= SHOWN:
            break
    assert not findings, (
        f"{len(findings)}+ program(s) disagree with torch; the first, shrunk:\n\n"
        + "\n\n".join(f.code for f in findings))
