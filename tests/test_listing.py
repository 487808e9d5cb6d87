"""Listing backends and loading one must stay cheap: no torch, no CuPy, no array_api_strict.

Each check runs in a fresh interpreter, since this one has imported everything already.
"""

from __future__ import annotations

import importlib.util
import json

import pytest

HEAVY = ("torch", "cupy", "array_api_strict")

# Prints the heavy libraries present in sys.modules after running the snippet before it.
_REPORT = f"""
import json, sys
print(json.dumps({{"heavy": [m for m in {HEAVY!r} if m in sys.modules], "result": RESULT}}))
"""


def _run(run_python, snippet: str) -> dict:
    done = run_python(["-c", snippet + _REPORT])
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_listing_imports_no_array_library(run_python, own_backends):
    out = _run(run_python, (
        "import gradspec\n"
        "RESULT = {r.name: r.available for r in gradspec.list_backends()}\n"
    ))
    assert out["heavy"] == []
    assert set(own_backends) <= set(out["result"]) and out["result"]["numpy"] is True


def test_importing_gradspec_and_its_pytest_plugin_imports_no_array_library(run_python):
    # The conformance plugin is loaded by every pytest run in an environment with gradspec.
    out = _run(run_python, (
        "import gradspec, gradspec.backends, gradspec.conformance.plugin\n"
        "RESULT = None\n"
    ))
    assert out["heavy"] == []


@pytest.mark.parametrize("name", ["numpy", "strict"])
def test_loading_an_engine_backend_imports_neither_torch_nor_cupy(run_python, name):
    out = _run(run_python, (
        "import gradspec\n"
        f"B = gradspec.load_backend({name!r})\n"
        "y = (B.tensor([1.0], requires_grad=True) * 3).sum()\n"
        "y.backward()\n"
        "RESULT = B.name\n"
    ))
    assert out["result"] == name
    expected = ["array_api_strict"] if name == "strict" else []
    assert out["heavy"] == expected


def test_availability_of_torch_does_not_import_it(run_python):
    out = _run(run_python, (
        "from gradspec import plugins\n"
        "RESULT = plugins.availability('torch')[0]\n"
    ))
    assert out["heavy"] == []


def test_cli_listing_imports_no_array_library(run_python):
    if importlib.util.find_spec("gradspec.__main__") is None:
        pytest.skip("`python -m gradspec` does not exist yet (gradspec/__main__.py)")
    done = run_python(["-X", "importtime", "-m", "gradspec", "backends"])
    assert done.returncode == 0, done.stderr
    assert "numpy" in done.stdout
    # -X importtime lists every module imported, one per line, on stderr.
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()
                if line.startswith("import time:")}
    assert not imported & set(HEAVY), sorted(imported & set(HEAVY))
