"""Every conformance report committed in docs/data/reports/ is valid and covers the current
clause catalogue; the comparison pages are rendered from them, and a report that predates a
clause would show a hole.  Regenerate them all with `python docs/gen.py --run` (after installing
the example backends: see docs/writing-a-backend.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gradspec import clauses
from gradspec.conformance import report as reporting

REPORTS = Path(__file__).resolve().parent.parent / "docs" / "data" / "reports"
PATHS = sorted(REPORTS.glob("*.json"))
MEASURED = ("numpy", "strict", "torch", "tiny", "mygrad", "paddle")


def test_the_measured_backends_have_reports():
    names = {json.loads(p.read_text(encoding="utf-8"))["backend"]["name"] for p in PATHS}
    assert set(MEASURED) <= names, f"no committed report of {sorted(set(MEASURED) - names)}"


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_committed_report_covers_the_catalogue(path):
    pytest.importorskip("jsonschema")
    doc = json.loads(path.read_text(encoding="utf-8"))
    reporting.validate(doc)
    catalogue = {c.id for c in clauses.CLAUSES}
    missing = sorted(catalogue - set(doc["clauses"]))
    stale = sorted(set(doc["clauses"]) - catalogue)
    if not doc["backend"]["available"]:
        # Nothing ran (cupy without a GPU): the docs say once that the backend was unavailable
        # and why, whatever clauses it lists; a run on a GPU regenerates it with the catalogue.
        missing = []
    assert not missing and not stale, (
        f"{path.name} does not match the clause catalogue (missing {missing}, no longer in the "
        f"catalogue {stale}): regenerate it with `python docs/gen.py --run --backends="
        f"{doc['backend']['name']}`")
    if doc["backend"]["available"]:
        assert doc["summary"]["total"] > 0, f"{path.name}: no test ran"
