"""Which core of the engine runs: compiled (by Cython, from these same ``.py`` files) or pure.

The build (``setup.py``) compiles every module of ``backends/engine`` and ``backends/engine/ops``
but those in `EXCLUDED` into the ``_compiled/`` folder beside them, and records in a manifest
(``_compiled/manifest.json``) a hash of each ``.py`` (and ``.pxd``) it compiled.  `activate`,
called first thing by the engine package, compares the manifest with the sources:

* every module compiled from the source that is there now: a finder on ``sys.meta_path`` loads
  the compiled modules (they never lie beside the ``.py``, so Python's own finder cannot pick
  up a stale one);
* a source edited, added or removed since the build (an editable install after an edit), or a
  build for another Python: the pure modules run, and one `StaleCoreWarning` says why and how
  to rebuild.  Never a mixture: the compiled modules share typed classes and load together;
* ``GRADSPEC_PURE=1`` in the environment: the pure modules run (the build honours it too).

This module must stay pure Python and import only the standard library: it runs before any
compiled module is loaded, and ``setup.py`` loads it by path to learn the compiled set.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import json
import os
import sys
import warnings
from typing import Any

#: Set to 1 (or true/yes/on) to run, or build, the pure-Python engine.
PURE_ENV = "GRADSPEC_PURE"

#: Modules left out of the compiled set, relative to backends/engine, with the reason.
EXCLUDED = {
    "__init__.py": "the package's own module: it activates the compiled core, so it runs as Python "
                   "before anything compiled is loaded",
    "core.py": "decides which core runs (it is also loaded by setup.py, by path)",
    "_cython.py": "stands in for Cython's decorators when Cython is not installed; the compiled "
                  "modules never import it",
    "ops/__init__.py": "a package's __init__: only imports, once; a package loaded from an "
                       "extension module would need its search path set by hand",
}

PACKAGE = "gradspec.backends.engine"
FOLDER = "_compiled"
MANIFEST = "manifest.json"
HERE = os.path.dirname(os.path.abspath(__file__))


class StaleCoreWarning(UserWarning):
    """The compiled core does not match the source: the pure-Python engine runs instead."""


def is_forced_pure(environ: Any = None) -> bool:
    """True when the environment asks for the pure-Python engine (``GRADSPEC_PURE``)."""
    value = (os.environ if environ is None else environ).get(PURE_ENV, "")
    return value.strip().lower() in ("1", "true", "yes", "on")


def compiled_set(root: str = HERE) -> dict[str, str]:
    """Every module of the engine and its ops that the build compiles: full module name -> path
    of its ``.py`` relative to ``root`` (the ``backends/engine`` folder), in sorted order."""
    out = {}
    for sub in ("", "ops"):
        folder = os.path.join(root, sub)
        for name in sorted(os.listdir(folder)):
            rel = f"{sub}/{name}" if sub else name
            if name.endswith(".py") and rel not in EXCLUDED:
                dotted = ".".join(p for p in (PACKAGE, sub, name[:-3]) if p)
                out[dotted] = rel
    return out


def source_hash(root: str, rel: str) -> str:
    """The hash that makes a compiled module current: its ``.py`` and, if any, its ``.pxd``."""
    digest = hashlib.sha256()
    for path in (rel, rel[:-3] + ".pxd"):
        try:
            with open(os.path.join(root, path), "rb") as f:
                digest.update(f.read())
        except FileNotFoundError:
            digest.update(b"<none>")
    return digest.hexdigest()


class Status:
    """What `activate` found: ``kind`` (``"compiled"`` or ``"pure"``), why, and the modules."""

    def __init__(self, kind: str, reason: str, modules: dict[str, str] | None = None,
                 build: dict[str, Any] | None = None, stale: bool = False) -> None:
        self.kind = kind
        self.reason = reason
        self.modules = modules or {}  # compiled: module name -> extension file
        self.build = build or {}  # the manifest's description of the build
        self.stale = stale

    def as_dict(self) -> dict[str, Any]:
        """What reports record: the core, why, how many modules are compiled, by which Cython,
        when."""
        return {"core": self.kind, "reason": self.reason, "modules": len(self.modules),
                "cython": self.build.get("cython"), "built": self.build.get("built")}


def inspect(root: str = HERE, environ: Any = None) -> Status:
    """Which core would run from ``root``, and why; loads nothing."""
    if is_forced_pure(environ):
        return Status("pure", f"{PURE_ENV}=1 is set")
    path = os.path.join(root, FOLDER, MANIFEST)
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except FileNotFoundError:
        return Status("pure", "no compiled core was built (see `pip install -v -e .`'s output)")
    except (OSError, ValueError) as exc:
        return Status("pure", f"the compiled core's manifest is unreadable ({exc}); rebuild it",
                      stale=True)
    build = manifest.get("build", {})
    if manifest.get("pure"):
        return Status("pure", f"built without compiling: {manifest['pure']}", build=build)
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    if build.get("suffix") != suffix:
        return Status("pure", f"the compiled core was built for another Python "
                      f"({build.get('suffix')}, this one loads {suffix})", build=build, stale=True)
    built: dict[str, dict[str, str]] = manifest.get("modules", {})
    now = compiled_set(root)
    for name, rel in now.items():
        entry = built.get(name)
        if entry is None:
            return Status("pure", f"backends/engine/{rel} is newer than the compiled core (it "
                          "was added after the build)", build=build, stale=True)
        if source_hash(root, rel) != entry["hash"]:
            return Status("pure", f"backends/engine/{rel} changed after the compiled core was "
                          "built", build=build, stale=True)
    for name, entry in built.items():
        if name not in now:
            return Status("pure", f"backends/engine/{entry['source']} was removed after the "
                          "compiled core was built", build=build, stale=True)
    modules = {}
    for name, entry in built.items():
        so = os.path.join(root, FOLDER, entry["extension"])
        if not os.path.exists(so):
            return Status("pure", f"the compiled module {entry['extension']} is missing",
                          build=build, stale=True)
        modules[name] = so
    return Status("compiled", f"{len(modules)} modules compiled by Cython "
                  f"{build.get('cython', '?')}", modules, build)


class _Finder:
    """Loads the compiled modules of the engine from ``_compiled/`` (a ``sys.meta_path`` entry)."""

    def __init__(self, modules: dict[str, str]) -> None:
        self.modules = modules

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        so = self.modules.get(fullname)
        if so is None:
            return None
        loader = importlib.machinery.ExtensionFileLoader(fullname, so)
        return importlib.util.spec_from_file_location(fullname, so, loader=loader)


_status: Status | None = None


def activate() -> Status:
    """Decide, once per process, which core runs; install the finder for a compiled one.
    Called by the engine package before it imports any of its modules."""
    global _status
    if _status is not None:
        return _status
    status = inspect()
    loaded = [m for m in status.modules if m in sys.modules]
    if status.kind == "compiled" and loaded:  # imported before the finder: cannot switch now
        status = Status("pure", f"{loaded[0]} was imported before the compiled core was "
                        "activated", build=status.build)
    if status.kind == "compiled":
        sys.meta_path.insert(0, _Finder(status.modules))
    elif status.stale:
        warnings.warn(
            f"gradspec: running the pure-Python engine, not the compiled one: {status.reason}. "
            f"Rebuild it with `pip install -e .` (or set {PURE_ENV}=1 to choose the pure engine).",
            StaleCoreWarning, stacklevel=3)
    _status = status
    return status


def status() -> Status:
    """Which core this process runs (activating it if the engine was not imported yet)."""
    return _status if _status is not None else activate()


def loaded_kinds() -> dict[str, str]:
    """Each module of the compiled set that is imported now -> ``"compiled"`` or ``"pure"``
    (from where it was loaded): what a test checks against `status`."""
    out = {}
    for name in compiled_set(HERE):
        module = sys.modules.get(name)
        if module is not None:
            origin = getattr(module, "__file__", "") or ""
            out[name] = "pure" if origin.endswith(".py") else "compiled"
    return out
