"""The corpus: PyTorch programs (tests/programs/*.py) run unchanged on numpy, strict and torch,
and print what real PyTorch prints.

Each program is written for PyTorch (``import torch``, ``import torch.nn as nn``,
``from torch.utils.data import DataLoader`` ...) and runs here through `gradspec.run_script`,
which makes those imports give a backend's surface: the programs are not edited at all.  What
real PyTorch printed for each is committed in tests/programs/expected/ (``python
tests/test_programs.py --regenerate`` writes it again by running the programs with real
PyTorch), and a test checks that PyTorch still prints it.

Outputs must agree line by line: the text exactly, the numbers within float tolerance (a
relative 2e-4, plus one unit of the last printed digit).  Programs whose randomness would
differ between backends start from fixed values (given through ``load_state_dict`` or
``copy_``) and print only what does not depend on the random draws.

A program whose header says ``# needs: <module>`` is skipped, saying why, where gradspec
lacks that module.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import math
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import gradspec
from support import load_or_skip

HERE = Path(__file__).resolve().parent
PROGRAMS = sorted((HERE / "programs").glob("p*.py"))
EXPECTED = HERE / "programs" / "expected"
BACKENDS = ["numpy", "strict", "torch"]
RTOL = 2e-4

_NUMBER = re.compile(r"(?<![\w.])-?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w])"
                     r"|-?\binf\b|\bnan\b")
_NEEDS = re.compile(r"^# needs: (\S+)", re.M)


def _needs(path: Path) -> list[str]:
    """Modules a program needs beyond the core (``# needs: gradspec.optim.lr_scheduler``)."""
    return _NEEDS.findall(path.read_text(encoding="utf-8"))


def _skip_unless_available(path: Path) -> None:
    for module in _needs(path):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{path.name} needs {module}, which this build of gradspec lacks")


def run_program(path: Path, backend) -> str:
    """What ``path`` prints when ``import torch`` gives ``backend``."""
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gradspec.run_script(path, backend=backend)
    finally:
        backend.set_grad_enabled(True)
        backend.set_default_dtype(backend.float32)
    return out.getvalue()


def mismatch(got: str, want: str) -> str | None:
    """Why ``got`` differs from ``want`` (text exactly, numbers within tolerance), or None."""
    got_lines, want_lines = got.rstrip("\n").split("\n"), want.rstrip("\n").split("\n")
    if len(got_lines) != len(want_lines):
        return f"{len(got_lines)} lines printed, PyTorch printed {len(want_lines)}"
    for n, (g, w) in enumerate(zip(got_lines, want_lines), 1):
        if _NUMBER.sub("#", g) != _NUMBER.sub("#", w):
            return f"line {n}:\n  got:     {g}\n  PyTorch: {w}"
        for a, b in zip(_NUMBER.findall(g), _NUMBER.findall(w)):
            if not _close(a, b):
                return f"line {n}: {a} != {b} (PyTorch)\n  got:     {g}\n  PyTorch: {w}"
    return None


def _close(a: str, b: str) -> bool:
    if a == b:
        return True
    x, y = float(a), float(b)
    if math.isnan(x) or math.isnan(y) or math.isinf(x) or math.isinf(y):
        return False
    decimals = len(b.split(".")[1].split("e")[0].split("E")[0]) if "." in b else 0
    unit = 10.0 ** -decimals if decimals else 0.0
    if "e" in b.lower():
        unit *= 10.0 ** int(b.lower().split("e")[1])
    if not ("." in a or "." in b or "e" in a.lower() or "e" in b.lower()):
        return x == y  # integers (counts, indices, shapes) must be equal
    return abs(x - y) <= unit + RTOL * abs(y) + 1e-7


@pytest.mark.parametrize("backend_name", BACKENDS)
@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.stem)
def test_program_prints_what_pytorch_prints(path, backend_name):
    _skip_unless_available(path)
    backend = load_or_skip(backend_name)
    want = (EXPECTED / f"{path.stem}.out").read_text(encoding="utf-8")
    got = run_program(path, backend)
    problem = mismatch(got, want)
    assert problem is None, f"{path.name} on {backend_name}: {problem}"


@pytest.fixture(scope="module")
def pytorch_outputs() -> dict[str, str]:
    pytest.importorskip("torch", reason="real PyTorch checks the committed expectations")
    return real_pytorch(PROGRAMS)


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.stem)
def test_expected_output_is_pytorchs(path, pytorch_outputs):
    """The committed expectation is what real PyTorch prints (so it cannot drift)."""
    got = pytorch_outputs[path.stem]
    want = (EXPECTED / f"{path.stem}.out").read_text(encoding="utf-8")
    assert mismatch(got, want) is None, (
        f"{path.name}: real PyTorch now prints something else; run "
        f"`python tests/test_programs.py --regenerate`:\n{mismatch(got, want)}")


def test_the_corpus_is_large_and_complete():
    assert len(PROGRAMS) >= 60
    missing = [p.name for p in PROGRAMS if not (EXPECTED / f"{p.stem}.out").exists()]
    assert not missing, f"no expected output for {missing}: run the --regenerate command"
    stale = sorted({p.stem for p in EXPECTED.glob("*.out")} - {p.stem for p in PROGRAMS})
    assert not stale, f"expected outputs without a program: {stale}"


def test_mismatch_tolerates_float_noise_only():
    assert mismatch("tensor([0.1235, 2.])\n", "tensor([0.1234, 2.])\n") is None
    assert mismatch("loss 0.69314718\n", "loss 0.69314720\n") is None
    assert mismatch("loss 0.70\n", "loss 0.69\n") is None  # one unit of the last digit
    assert mismatch("loss 0.72\n", "loss 0.69\n") is not None
    assert mismatch("3 batches\n", "4 batches\n") is not None
    assert mismatch("tensor([1.], dtype=torch.float64)\n", "tensor([1.])\n") is not None
    assert mismatch("a\nb\n", "a\n") is not None


# Runs in a fresh process with real PyTorch (nothing of gradspec's imported): each program as
# `python program.py` would, its output collected; one process for all, to import torch once.
_DRIVER = """
import contextlib, io, json, os, runpy, sys, traceback
import torch
out = {}
for path in sys.argv[1:]:
    buf = io.StringIO()
    os.chdir(os.path.dirname(path))
    try:
        with contextlib.redirect_stdout(buf):
            runpy.run_path(path, run_name="__main__")
    except BaseException:
        buf.write("PROGRAM FAILED ON PYTORCH:\\n" + traceback.format_exc())
    finally:
        torch.set_default_dtype(torch.float32)
        torch.set_grad_enabled(True)
    out[os.path.basename(path)[:-3]] = buf.getvalue()
print(json.dumps(out))
"""


def real_pytorch(paths: list[Path]) -> dict[str, str]:
    """What each program prints with real PyTorch, by program name."""
    done = subprocess.run([sys.executable, "-c", _DRIVER, *map(str, paths)],
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise AssertionError(f"the PyTorch run failed:\n{done.stderr}")
    return json.loads(done.stdout)


def regenerate() -> None:
    """Write tests/programs/expected/*.out from real PyTorch."""
    EXPECTED.mkdir(exist_ok=True)
    for stem, text in real_pytorch(PROGRAMS).items():
        if "PROGRAM FAILED ON PYTORCH" in text:
            raise SystemExit(f"{stem} fails on PyTorch:\n{text}")
        (EXPECTED / f"{stem}.out").write_text(text, encoding="utf-8")
        print(f"wrote {stem}.out")


if __name__ == "__main__":
    if sys.argv[1:] != ["--regenerate"]:
        raise SystemExit("usage: python tests/test_programs.py --regenerate")
    regenerate()
