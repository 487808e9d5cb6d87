"""Running PyTorch programs unchanged: ``import torch`` resolving to a gradspec backend.

```python
with gradspec.as_torch("numpy"):
    import torch                       # the numpy backend's surface
    import torch.nn as nn              # gradspec.nn bound to it
    from torch.utils.data import DataLoader

gradspec.run_script("train.py", ["--epochs", "3"], backend="strict")   # as `python train.py`
```

`gradspec exec -b NAME script.py [args...]` is `run_script` on the command line.

How: inside `as_torch`, ``import torch`` and ``import torch.<name>`` / ``from torch... import
...`` statements of *your* code (the script, and modules of yours it imports) resolve to the
backend object and its namespaces; a name outside the surface fails at the import with an
``ImportError`` naming it and the backend.  Installed libraries, PyTorch itself and gradspec
keep seeing the real modules, so the torch backend (real PyTorch underneath) works inside the
block too.  ``sys.modules`` is left as it was: modules of yours first imported inside the block
(which hold the backend's ``torch``) are forgotten when it ends, so a later block with another
backend imports them afresh.  Your code's calls of ``importlib.import_module("torch...")``
resolve as its import statements do; ``__import__("torch")`` called as a function does not.
"""

from __future__ import annotations

import builtins
import contextlib
import importlib.machinery
import os
import sys
import sysconfig
import types
from typing import Any, Iterator, Sequence

__all__ = ["as_torch", "run_script"]

_LIBRARY_DIRS = tuple(sorted({
    os.path.realpath(p) + os.sep
    for key in ("stdlib", "platstdlib", "purelib", "platlib")
    if (p := sysconfig.get_paths().get(key))
}))


def _resolve_backend(backend: Any, options: dict[str, Any]) -> Any:
    from .plugins import load_backend

    if backend is None or isinstance(backend, str):
        return load_backend(backend, **options)
    if options:
        raise TypeError("options apply to a backend loaded by name; got a backend object")
    return backend


class _Importer:
    """``builtins.__import__`` while `as_torch` is active."""

    def __init__(self, backend: Any, original: Any) -> None:
        self.backend = backend
        self.original = original
        self.importers: set[str] = set()  # modules of the user's that imported torch
        self.original_import_module = importlib.import_module

    def __call__(self, name: str, globals: Any = None, locals: Any = None,
                 fromlist: Any = (), level: int = 0) -> Any:
        if level == 0 and (name == "torch" or name.startswith("torch.")) \
                and self._users(globals, fromlist):
            return self._resolve(name, fromlist)
        return self.original(name, globals, locals, fromlist, level)

    def _users(self, globals: Any, fromlist: Any) -> bool:
        """Whether an import statement of the user's code made this call (not a library,
        torch or gradspec, nor machinery such as pickle finding a class)."""
        if not isinstance(globals, dict):
            return False  # __import__(name) called as a function, e.g. by pickle
        if isinstance(fromlist, list) and fromlist in ([], ["__doc__"]):
            return False  # C code's PyImport_Import (pickle finding a class) asks this way;
            # import statements pass None or a tuple
        module = globals.get("__name__")
        if not isinstance(module, str):
            return True
        top = module.partition(".")[0]
        if top in ("torch", "gradspec"):
            return False
        where = globals.get("__file__")
        if module != "__main__" and isinstance(where, str) and \
                os.path.realpath(where).startswith(_LIBRARY_DIRS):
            return False
        self.importers.add(module)
        return True

    def _resolve(self, name: str, fromlist: Any) -> Any:
        found = self.backend
        where = "torch"
        for part in name.split(".")[1:]:
            try:
                found = getattr(found, part)
            except AttributeError as exc:
                raise ModuleNotFoundError(f"{exc}; `import {name}` cannot be resolved",
                                          name=name) from None
            where = f"{where}.{part}"
        for item in fromlist or ():
            if item == "*":
                continue
            try:
                getattr(found, item)
            except AttributeError as exc:
                raise ImportError(f"cannot import name {item!r} from {where!r}: {exc}",
                                  name=where) from None
        return found if fromlist else self.backend

    def import_module(self, name: str, package: str | None = None) -> Any:
        """``importlib.import_module`` while `as_torch` is active: ``torch`` and its
        submodules, asked for by the user's code (config-driven code does
        ``import_module("torch.optim")``), resolve as its import statements do."""
        if (name == "torch" or name.startswith("torch.")) and \
                self._users(sys._getframe(1).f_globals, None):
            return self._resolve(name, ("*",))
        return self.original_import_module(name, package)


@contextlib.contextmanager
def as_torch(backend: Any = None, **options: Any) -> Iterator[Any]:
    """Inside the block, ``import torch`` (and ``torch.nn``, ``torch.nn.functional``,
    ``torch.optim``, ``torch.utils.data``, ...) in your code gives ``backend``'s surface
    (a name, a backend object, or None for the default backend); yields the backend.

    On exit, ``builtins.__import__`` is restored and modules of yours first imported inside the
    block are removed from ``sys.modules``.  Blocks nest; they are not meant to run in two
    threads at once.
    """
    target = _resolve_backend(backend, options)
    before = set(sys.modules)
    importer = _Importer(target, builtins.__import__)
    importer.original_import_module = importlib.import_module
    builtins.__import__ = importer
    importlib.import_module = importer.import_module
    try:
        yield target
    finally:
        builtins.__import__ = importer.original
        importlib.import_module = importer.original_import_module
        for name in importer.importers:
            if name not in before and name != "__main__":
                sys.modules.pop(name, None)


def run_script(path: str | os.PathLike[str], argv: Sequence[str] = (), backend: Any = None,
               **options: Any) -> dict[str, Any]:
    """Run the Python file ``path`` as ``python path *argv`` would (``__name__ ==
    "__main__"``, an absolute ``__file__``, ``sys.argv == [path, *argv]``, the script's folder
    first on ``sys.path``), with ``import torch`` resolving to ``backend`` (see `as_torch`);
    returns the script's globals.

    Exceptions (``SystemExit`` included) propagate; ``sys.argv``, ``sys.path`` and
    ``sys.modules["__main__"]`` are restored.
    """
    script = os.fspath(path)
    if not os.path.isfile(script):
        raise FileNotFoundError(f"can't open file {script!r}: no such file")
    where = os.path.abspath(script)
    with open(where, "rb") as f:
        code = compile(f.read(), where, "exec")
    main = types.ModuleType("__main__")
    main.__file__ = where
    main.__loader__ = importlib.machinery.SourceFileLoader("__main__", where)
    main.__builtins__ = builtins
    saved_argv, saved_path, saved_main = sys.argv, list(sys.path), sys.modules.get("__main__")
    sys.argv = [script, *map(str, argv)]
    sys.path.insert(0, os.path.dirname(where))
    sys.modules["__main__"] = main
    try:
        with as_torch(backend, **options):
            exec(code, main.__dict__)
        return main.__dict__
    finally:
        sys.argv = saved_argv
        sys.path[:] = saved_path
        if saved_main is not None:
            sys.modules["__main__"] = saved_main
