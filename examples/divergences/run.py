"""Run every "same program, different answers" program against every installed library.

    python examples/divergences/run.py                 # all programs, all installed libraries
    python examples/divergences/run.py --json docs/data/divergences.json
    python examples/divergences/run.py 03_two_graphs_accumulate.py --libraries torch,mygrad

Each program is a file beside this one (``NN_name.py``).  It states the situation in its
docstring, names the clause that pins PyTorch's behaviour (``CLAUSE``), and writes the program
once per API: ``pytorch(torch)`` runs on PyTorch itself *and* on gradspec (``torch =
gradspec.load_backend("numpy")``: the same source), ``mygrad()``, ``paddle()`` and ``autograd()``
(HIPS autograd) in each library's own API.  A function returns what the program observed; an
exception is an answer too (its type and first words are shown).

Every library runs in a process of its own (a crash, or two libraries' native code, cannot
affect another); a library that is not installed is left out.  The output is a table, and with
``--json`` the document docs/gen.py renders on the comparison pages.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
#: library -> (module that must be importable, distribution for its version, program function)
LIBRARIES: dict[str, tuple[str, str, str]] = {
    "torch": ("torch", "torch", "pytorch"),
    "gradspec": ("gradspec", "gradspec", "pytorch"),
    "mygrad": ("mygrad", "mygrad", "mygrad"),
    "paddle": ("paddle", "paddlepaddle", "paddle"),
    "autograd": ("autograd", "autograd", "autograd"),
}
LABELS = {"torch": "PyTorch", "gradspec": "gradspec (numpy)", "mygrad": "MyGrad",
          "paddle": "PaddlePaddle", "autograd": "HIPS autograd"}


def programs(names: list[str] | None = None) -> list[Path]:
    found = sorted(p for p in HERE.glob("[0-9][0-9]_*.py"))
    if names:
        wanted = {Path(n).name for n in names}
        unknown = wanted - {p.name for p in found}
        if unknown:
            raise SystemExit(f"run.py: no program {', '.join(sorted(unknown))} in {HERE}")
        found = [p for p in found if p.name in wanted]
    return found


def show(value: Any) -> str:
    """An observed value, short: numbers to 4 digits, tensors and arrays as lists."""
    if value is None or isinstance(value, (bool, str)):
        return str(value)
    if isinstance(value, tuple):
        return "(" + ", ".join(show(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, int):
        return str(value)
    for attr in ("tolist",):
        if hasattr(value, attr):
            try:
                return show(value.detach().tolist() if hasattr(value, "detach") else value.tolist())
            except Exception:  # noqa: BLE001 - a tensor that refuses: its repr
                break
    return repr(value)


def error_text(exc: BaseException) -> str:
    words = " ".join(str(exc).split())
    words = words if len(words) <= 90 else words[:87] + "..."
    return f"{type(exc).__name__}: {words}" if words else type(exc).__name__


def _load(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def run_one(path: Path, library: str) -> str:
    """What ``library`` answers to the program in ``path`` (in this process)."""
    import warnings

    module = _load(path)
    fn = getattr(module, LIBRARIES[library][2], None)
    if fn is None:
        return "n/a"
    warnings.simplefilter("ignore")
    try:
        if library == "torch":
            import torch

            value = fn(torch)
        elif library == "gradspec":
            import gradspec

            value = fn(gradspec.load_backend("numpy"))
        else:
            value = fn()
    except Exception as exc:  # noqa: BLE001 - an error is the program's answer
        return "error: " + error_text(exc)
    return show(value)


def _child(files: list[str], library: str) -> None:
    """Run in a process of its own: print one JSON line per program as it finishes."""
    for name in files:
        print(json.dumps({"program": name, "answer": run_one(HERE / name, library)}), flush=True)


def run_library(files: list[Path], library: str) -> dict[str, str]:
    """Every program on one library, in a child process; a program that kills the process is
    recorded as crashed and the rest run in a fresh one."""
    answers: dict[str, str] = {}
    left = [p.name for p in files]
    while left:
        done = subprocess.run([sys.executable, __file__, "--child", library, *left],
                              capture_output=True, text=True, cwd=HERE)
        for line in done.stdout.splitlines():
            if line.startswith("{"):
                row = json.loads(line)
                answers[row["program"]] = row["answer"]
        left = [n for n in left if n not in answers]
        if left:  # the first one left took the process down
            answers[left.pop(0)] = f"crashed (exit status {done.returncode})"
    return answers


def installed() -> list[str]:
    return [lib for lib, (module, _, _) in LIBRARIES.items()
            if importlib.util.find_spec(module) is not None]


def versions(libraries: list[str]) -> dict[str, str]:
    out = {}
    for lib in libraries:
        try:
            out[lib] = metadata.version(LIBRARIES[lib][1])
        except metadata.PackageNotFoundError:
            out[lib] = "?"
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python examples/divergences/run.py",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("programs", nargs="*", help="program files (default: all)")
    parser.add_argument("--libraries", default="", metavar="A,B",
                        help=f"libraries to run (default: every installed one of "
                             f"{', '.join(LIBRARIES)})")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the answers here")
    parser.add_argument("--child", metavar="LIBRARY", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.programs, args.child)
        return 0
    libraries = [lib for lib in args.libraries.split(",") if lib] or installed()
    unknown = set(libraries) - set(LIBRARIES)
    if unknown:
        parser.error(f"unknown libraries {sorted(unknown)}; known: {', '.join(LIBRARIES)}")
    files = programs(args.programs)
    answers: dict[str, dict[str, str]] = {p.name: {} for p in files}
    for lib in libraries:
        print(f"running {len(files)} programs on {lib}...", file=sys.stderr, flush=True)
        for name, answer in run_library(files, lib).items():
            answers[name][lib] = answer
    rows = []
    for path in files:
        module = _load(path)
        rows.append({"program": path.name, "title": module.TITLE, "clause": module.CLAUSE,
                     "situation": " ".join((module.__doc__ or "").split()),
                     "answers": answers[path.name]})
    for row in rows:
        print(f"\n{row['program']}  [{row['clause']}]  {row['title']}")
        for lib in libraries:
            print(f"  {LABELS[lib]:<18} {row['answers'][lib]}")
    if args.json:
        doc = {"created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
               "python": platform.python_version(), "libraries": versions(libraries),
               "programs": rows}
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
        print(f"\nwritten: {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
