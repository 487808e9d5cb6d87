"""The planted bugs of the mutation run (tests/mutation/) stay applicable as the engine changes.

The run itself takes minutes (docs/fuzzing.md); here each mutant is only applied to a copy of
the source and compiled, so a change to the engine that would silently retire a mutant fails
in CI instead.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from gradspec.clauses import BY_ID

HERE = Path(__file__).resolve().parent / "mutation"
REPO = HERE.parents[1]


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"gradspec_mutation_{name}", HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    sys.path.insert(0, str(HERE))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(HERE))
    return module


MUTANTS = _load("mutants").MUTANTS


def test_mutant_ids_are_unique_and_name_known_clauses():
    ids = [m.id for m in MUTANTS]
    assert len(ids) == len(set(ids))
    for m in MUTANTS:
        assert m.breaks and all(c in BY_ID for c in m.breaks), m.id
        assert m.why and m.old != m.new


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.id)
def test_mutant_applies_once_and_compiles(mutant):
    source = (REPO / mutant.file).read_text(encoding="utf-8")
    assert source.count(mutant.old) == 1, (
        f"{mutant.id}: its text occurs {source.count(mutant.old)} times in {mutant.file}; "
        "update tests/mutation/mutants.py to the engine's current source")
    compile(source.replace(mutant.old, mutant.new), mutant.file, "exec")


def test_runner_builds_the_installed_layout(tmp_path):
    run = _load("run")
    root = run.package_copy(tmp_path)
    assert (root / "gradspec" / "__init__.py").exists()
    assert (root / "gradspec" / "backends" / "engine" / "autograd.py").exists()
    assert (root / "gradspec" / "conformance" / "plugin.py").exists()
    m = MUTANTS[0]
    run.apply(root, m)
    assert m.new in run.target(root, m.file).read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="occurs 0 times"):
        run.apply(root, m)  # applied already: its text is gone
    compile(run.FOCUS_PLUGIN, "mutation_focus.py", "exec")  # --focus's plugin
