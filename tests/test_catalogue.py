"""The clause catalogue (gradspec.clauses) and its coverage by the conformance suite.

The suite's markers are read from a real collection (``pytest conformance --collect-only`` with
a small plugin that dumps each test's markers), so parametrised cases and module marks count
exactly as the conformance plugin sees them.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

import gradspec
from gradspec import clauses, errors
from gradspec.clauses import CLAUSES, FAMILIES
from gradspec.conformance import test_errors as error_scenarios
from gradspec.protocol import CAPABILITIES

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ID = re.compile(r"^(?P<family>[A-Z]+)-[1-9][0-9]*$")
LEVELS = ("MUST", "SHOULD", "MAY")
EXAMPLES_FILE = "test_clause_examples.py"


@pytest.fixture(scope="module")
def collected(tmp_path_factory, subprocess_env):
    """Every conformance test as collected for the numpy backend, with its markers."""
    out = tmp_path_factory.mktemp("collect") / "items.json"
    env = subprocess_env({"GRADSPEC_COLLECT_OUT": str(out), "PYTHONPATH": str(FIXTURES)})
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "conformance", "--backend=numpy", "--collect-only", "-q",
         "-p", "gradspec_collect", "-p", "no:cacheprovider"],
        cwd=FIXTURES.parents[1], env=env, text=True, capture_output=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert len(rows) > 1000
    return rows


# ------------------------------------------------------------------------------ the catalogue
def test_clause_ids_are_unique_and_well_formed():
    ids = [c.id for c in CLAUSES]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    bad = [i for i in ids if not ID.match(i)]
    assert not bad, f"clause IDs not of the form FAMILY-N: {bad}"
    assert set(clauses.BY_ID) == set(ids)


def test_every_family_is_known_and_used():
    used = {c.family for c in CLAUSES}
    assert used <= set(FAMILIES), sorted(used - set(FAMILIES))
    assert set(FAMILIES) <= used, f"families without clauses: {sorted(set(FAMILIES) - used)}"
    grouped = clauses.by_family()
    assert list(grouped) == list(FAMILIES)
    assert sorted(c.id for cs in grouped.values() for c in cs) == sorted(c.id for c in CLAUSES)


def test_capabilities_named_by_clauses_are_known_and_each_is_used():
    named = {c.capability for c in CLAUSES} - {None}
    assert named <= set(CAPABILITIES), sorted(named - set(CAPABILITIES))
    # a capability no clause is tied to could be declared off without any effect
    assert set(CAPABILITIES) <= named, sorted(set(CAPABILITIES) - named)


@pytest.mark.parametrize("clause", CLAUSES, ids=lambda c: c.id)
def test_level_and_rule_agree(clause):
    assert clause.level in LEVELS
    assert re.search(rf"\b{clause.level}\b", clause.rule), (
        f"{clause.id} is a {clause.level} clause but its rule does not say {clause.level}")
    assert clause.title.strip() and clause.rationale.strip()
    compile(clause.example, f"<example of {clause.id}>", "exec")
    assert clause.mandatory == (clause.capability is None)


def test_get_suggests_close_ids():
    assert clauses.get("LEAF-1") is clauses.BY_ID["LEAF-1"]
    with pytest.raises(KeyError, match="no clause 'LEAF1'.*did you mean.*LEAF-1"):
        clauses.get("LEAF1")


# ------------------------------------------------------------------------------ coverage
def test_every_conformance_test_names_a_clause(collected):
    unnamed = [r["nodeid"] for r in collected if not r["clauses"]]
    assert not unnamed, f"{len(unnamed)} tests name no clause, e.g. {unnamed[:5]}"
    unjudged = [r["nodeid"] for r in collected if not r["judged"]]
    assert not unjudged, f"tests that do not use the backend fixture: {unjudged[:5]}"


def test_every_clause_has_its_example_and_other_tests(collected):
    examples = defaultdict(int)
    others = defaultdict(int)
    for row in collected:
        for cid in row["clauses"]:
            (examples if row["file"] == EXAMPLES_FILE else others)[cid] += 1
    ids = [c.id for c in CLAUSES]
    assert {cid: examples[cid] for cid in ids} == {cid: 1 for cid in ids}
    untested = [cid for cid in ids if not others[cid]]
    assert not untested, f"clauses checked only by their own example: {untested}"


def test_markers_name_only_known_clauses_and_capabilities(collected):
    # the plugin refuses unknown clause IDs; requires markers are checked here too
    named = {cid for r in collected for cid in r["clauses"]}
    assert named <= set(clauses.BY_ID)
    required = {cap for r in collected for cap in r["requires"]}
    assert required <= set(CAPABILITIES), sorted(required - set(CAPABILITIES))


# ------------------------------------------------------------------------------ error kinds
_ERROR_NAME = re.compile(r"\b([A-Z][A-Za-z]+Error)\b")


def _scenario_kinds():
    """{scenario id: (error kind, the clause it illustrates)} of conformance/test_errors.py."""
    backend = gradspec.load_backend("numpy")
    out = {}
    for param in error_scenarios.SCENARIOS:
        (scenario,) = param.values
        kind, _tensors, _action = scenario(backend)
        sources = [cid for m in param.marks if m.name == "clause" for cid in m.args
                   if cid != "ERR-1"]
        out[param.id] = (kind, sources)
    return out


def test_every_error_kind_named_by_a_rule_has_a_scenario():
    named = defaultdict(list)
    for c in CLAUSES:
        for name in _ERROR_NAME.findall(c.rule):
            named[name].append(c.id)
    kinds = {kind.__name__ for kind, _ in _scenario_kinds().values()}
    known = {cls.__name__ for cls in errors.ERROR_KINDS}
    named_kinds = {name: ids for name, ids in named.items() if name != "RuntimeError"}
    assert set(named_kinds) <= known, f"rules name unknown error kinds: {set(named_kinds) - known}"
    missing = {name: ids for name, ids in named_kinds.items() if name not in kinds}
    assert not missing, f"kinds named by clauses without a scenario in test_errors.py: {missing}"


def test_each_scenario_illustrates_a_clause_that_names_its_kind():
    for scenario, (kind, sources) in _scenario_kinds().items():
        assert sources, f"scenario {scenario} names no clause besides ERR-1"
        for cid in sources:
            assert kind.__name__ in clauses.BY_ID[cid].rule, (
                f"scenario {scenario} raises {kind.__name__}, which {cid}'s rule does not name")
