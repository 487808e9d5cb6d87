"""Saving and loading: `save` and `load`, as ``torch.save`` / ``torch.load``, on every backend.

```python
torch.save(model.state_dict(), "model.pt")          # torch = gradspec.load_backend("numpy")
model.load_state_dict(torch.load("model.pt"))        # on numpy, strict, torch, ...
```

The file is a zip archive: ``gradspec.json`` (what it is, and each tensor's dtype, shape,
``requires_grad`` and, for an ``nn.Parameter``, ``parameter``), ``data.pkl`` (the object, a pickle whose tensors are references) and one
``tensors/N.npy`` per tensor.  Tensors are stored by value, so a file saved on one backend loads
on any other: `load` rebuilds them on the backend it was reached through (``torch.load`` of
``torch = gradspec.load_backend("strict")`` gives strict tensors; ``gradspec.load`` the default
backend's).  A tensor referenced twice is stored once and comes back as one tensor.

**Safe by default.**  As ``torch.load`` since PyTorch 2.6, `load` reads only tensors, numbers,
strings, ``None``, and lists, tuples, dicts, sets and ``OrderedDict`` of them (what state dicts
and optimizer state dicts are made of): nothing in the file can run code.  A file that holds
other Python objects (a whole pickled model, ``torch.save(model, path)``) needs
``weights_only=False``, which unpickles anything: use it only for files you trust.  A file that
is not a gradspec archive (a PyTorch ``.pt`` file, a truncated download, anything else) raises
`FileFormatError` saying what it is.
"""

from __future__ import annotations

import contextlib
import contextvars
import io
import json
import os
import pickle
import zipfile
from typing import IO, Any, Iterator, Union

__all__ = ["FileFormatError", "load", "save"]

FORMAT = "gradspec-save"
FORMAT_VERSION = 1
MANIFEST = "gradspec.json"
DATA = "data.pkl"

FileLike = Union[str, "os.PathLike[str]", IO[bytes]]

#: (module, name) of the globals a ``weights_only`` load accepts: containers and our own
#: rebuilders, nothing that runs arbitrary code.
SAFE_GLOBALS = frozenset({
    ("collections", "OrderedDict"), ("builtins", "set"), ("builtins", "frozenset"),
    ("builtins", "complex"), ("builtins", "slice"), ("builtins", "range"),
    ("builtins", "tuple"), ("builtins", "list"), ("builtins", "dict"),
    ("gradspec.serialization", "_dtype"), ("gradspec.devices", "device"),
})


class FileFormatError(RuntimeError):
    """The file is not one `save` wrote (another format, or damaged)."""


_LOADING: contextvars.ContextVar[Any] = contextvars.ContextVar("gradspec_loading", default=None)


def loading_backend() -> Any:
    """The backend `load` is rebuilding tensors on (None outside `load`)."""
    return _LOADING.get()


# ------------------------------------------------------------------------------------ save
def save(obj: Any, f: FileLike, pickle_module: Any = None, pickle_protocol: int = 4) -> None:
    """Write ``obj`` (a tensor, a state dict, an optimizer's state dict, nested containers of
    them, or with ``weights_only=False`` loading in mind any picklable object) to ``f``, a path
    or a binary file object."""
    if pickle_module is not None:
        raise TypeError("save(): pickle_module is not supported; gradspec writes its own format")
    tensors: list[dict[str, Any]] = []
    arrays: list[Any] = []
    pickled = io.BytesIO()
    _Pickler(pickled, pickle_protocol, tensors, arrays).dump(obj)
    from . import __version__

    manifest = {"format": FORMAT, "version": FORMAT_VERSION, "gradspec": __version__,
                "tensors": tensors}
    with _open_for_writing(f) as out, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(MANIFEST, json.dumps(manifest, indent=1))
        archive.writestr(DATA, pickled.getvalue())
        import numpy as np

        for i, array in enumerate(arrays):
            buf = io.BytesIO()
            np.save(buf, array, allow_pickle=False)
            archive.writestr(f"tensors/{i}.npy", buf.getvalue())


class _Pickler(pickle.Pickler):
    """Tensors of any backend become references to ``tensors/N.npy`` entries."""

    def __init__(self, file: IO[bytes], protocol: int, tensors: list, arrays: list) -> None:
        super().__init__(file, protocol)
        self.tensors, self.arrays = tensors, arrays
        self.seen: dict[int, int] = {}
        self.keep: list[Any] = []  # keeps ids unique while pickling

    def persistent_id(self, obj: Any) -> Any:
        from .nn.parameter import is_parameter, is_tensor

        if not is_tensor(obj):
            return None
        index = self.seen.get(id(obj))
        if index is None:
            array = _host(obj)
            index = self.seen[id(obj)] = len(self.arrays)
            self.keep.append(obj)
            self.arrays.append(array)
            entry = {"dtype": _dtype_name(obj.dtype), "shape": list(array.shape),
                     "requires_grad": bool(obj.requires_grad)}
            if is_parameter(obj):  # (only then: a plain tensor's entry reads as before)
                entry["parameter"] = True
            self.tensors.append(entry)
        return ("tensor", index)


def _host(t: Any) -> Any:
    import numpy as np

    from .plugins import backend_of

    try:
        backend = backend_of(t)
    except TypeError:  # a tensor of a backend not loaded here (a real torch tensor)
        return np.asarray(t.detach().cpu().numpy())
    return np.asarray(backend.to_numpy(t))


def _dtype_name(d: Any) -> str:
    return str(d).removeprefix("torch.")


@contextlib.contextmanager
def _open_for_writing(f: FileLike) -> Iterator[IO[bytes]]:
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as out:
            yield out
    else:
        yield f


# ------------------------------------------------------------------------------------ load
def load(f: FileLike, map_location: Any = None, pickle_module: Any = None, *,
         weights_only: bool = True, mmap: Any = None, backend: Any = None,
         **pickle_load_args: Any) -> Any:
    """Read what `save` wrote to ``f`` (a path or a binary file object), with its tensors on
    ``backend`` (the backend ``load`` was reached through: ``torch.load``; else the default).

    ``weights_only`` (default True) refuses anything but tensors and plain containers, so a file
    cannot run code; pass False only for a file you trust.  ``map_location`` may name a device
    (``torch.device("cuda")``): tensors are moved there, which fails clearly on a backend
    without that device; ``"cpu"`` (the usual ``map_location="cpu"``) leaves them where the
    backend keeps its tensors.
    """
    from .plugins import load_backend

    if pickle_module is not None:
        raise TypeError("load(): pickle_module is not supported; gradspec reads its own format")
    if map_location is not None and not isinstance(map_location, str) \
            and not hasattr(map_location, "type"):
        raise TypeError(f"load(): map_location must be a device or a device name, got "
                        f"{type(map_location).__name__} (functions and dicts are not supported)")
    if isinstance(backend, str) or backend is None:
        backend = load_backend(backend)
    label = f"{f!r}" if isinstance(f, (str, os.PathLike)) else "the file object"
    try:
        archive = zipfile.ZipFile(f)
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise FileFormatError(
            f"{label} is not a file written by gradspec's save (not a zip archive: {exc}); it "
            "may be damaged or of another format") from exc
    with archive:
        names = set(archive.namelist())
        manifest = _manifest(archive, names, label)
        token = _LOADING.set(backend)
        try:
            unpickler = _Unpickler(io.BytesIO(_read(archive, DATA, label)), archive, manifest,
                                   backend, map_location, weights_only, label)
            try:
                return unpickler.load()
            except (pickle.UnpicklingError, FileFormatError):
                raise
            except (EOFError, ValueError, KeyError, IndexError) as exc:
                raise FileFormatError(f"{label}: its {DATA} is damaged ({type(exc).__name__}: "
                                      f"{exc})") from exc
        finally:
            _LOADING.reset(token)


def _manifest(archive: zipfile.ZipFile, names: set[str], label: str) -> dict[str, Any]:
    if MANIFEST not in names:
        if any(n.endswith("/data.pkl") for n in names):
            raise FileFormatError(
                f"{label} was written by PyTorch's own torch.save, not by gradspec's save; "
                "gradspec reads only its own format (the one every backend can load). Convert it "
                "once where PyTorch is installed: gradspec.load_backend('torch').save("
                "torch.load(path), new_path)")
        raise FileFormatError(f"{label} is a zip archive but not one written by gradspec's save "
                              f"(no {MANIFEST})")
    try:
        manifest = json.loads(_read(archive, MANIFEST, label))
    except ValueError as exc:
        raise FileFormatError(f"{label}: its {MANIFEST} is damaged ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise FileFormatError(f"{label}: {MANIFEST} does not describe a gradspec save file")
    if manifest.get("version") != FORMAT_VERSION:
        raise FileFormatError(f"{label} has format version {manifest.get('version')!r}; this "
                              f"gradspec reads version {FORMAT_VERSION}: upgrade gradspec")
    return manifest


def _read(archive: zipfile.ZipFile, name: str, label: str) -> bytes:
    try:
        return archive.read(name)
    except KeyError:
        raise FileFormatError(f"{label} lacks its {name} entry: the file is damaged") from None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:  # a bad CRC, a cut file
        raise FileFormatError(f"{label}: its {name} entry cannot be read ({exc}): the file is "
                              "damaged") from exc


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: IO[bytes], archive: zipfile.ZipFile, manifest: dict, backend: Any,
                 map_location: Any, weights_only: bool, label: str) -> None:
        super().__init__(file)
        self.archive, self.manifest, self.backend = archive, manifest, backend
        self.map_location, self.weights_only, self.label = map_location, weights_only, label
        self.built: dict[int, Any] = {}

    def find_class(self, module: str, name: str) -> Any:
        if self.weights_only and (module, name) not in SAFE_GLOBALS:
            raise pickle.UnpicklingError(
                f"{self.label} holds a Python object of type {module}.{name}; loading it would "
                "run code from the file, so load() with weights_only=True (the default) refuses "
                "it. Save state dicts (model.state_dict()) instead of whole objects, or pass "
                "weights_only=False if you trust the file.")
        return super().find_class(module, name)

    def persistent_load(self, pid: Any) -> Any:
        if not (isinstance(pid, tuple) and len(pid) == 2 and pid[0] == "tensor"):
            raise pickle.UnpicklingError(f"{self.label}: unknown reference {pid!r} in {DATA}")
        index = pid[1]
        found = self.built.get(index)
        if found is None:
            found = self.built[index] = self._tensor(index)
        return found

    def _tensor(self, index: int) -> Any:
        import numpy as np

        try:
            meta = self.manifest["tensors"][index]
        except (IndexError, TypeError, KeyError):
            raise FileFormatError(f"{self.label}: {DATA} refers to tensor {index}, which "
                                  f"{MANIFEST} does not list: the file is damaged") from None
        raw = _read(self.archive, f"tensors/{index}.npy", self.label)
        try:
            array = np.load(io.BytesIO(raw), allow_pickle=False)
        except ValueError as exc:
            raise FileFormatError(f"{self.label}: tensors/{index}.npy is damaged ({exc})") from exc
        if list(array.shape) != list(meta.get("shape", [])):
            raise FileFormatError(f"{self.label}: tensors/{index}.npy has shape "
                                  f"{tuple(array.shape)}, {MANIFEST} says {meta.get('shape')}")
        t = _on_backend(self.backend, array, str(meta.get("dtype", array.dtype.name)))
        if self.map_location is not None and str(self.map_location).split(":")[0] != "cpu":
            t = t.to(self.map_location)  # "cpu" is where every file's tensors are: a no-op
        if meta.get("parameter"):  # an nn.Parameter, and one again (a module registers it)
            from .nn.parameter import Parameter

            return Parameter(t, requires_grad=bool(meta.get("requires_grad")))
        if meta.get("requires_grad"):
            t.requires_grad_(True)
        return t


def _on_backend(backend: Any, array: Any, dtype_name: str) -> Any:
    d = getattr(backend, dtype_name, None) if dtype_name.isidentifier() else None
    if d is None:
        raise FileFormatError(f"the file holds a tensor of dtype {dtype_name}, which backend "
                              f"{backend.name!r} does not have")
    return backend.tensor(array, dtype=d)


# ------------------------------------------------------------------- pickle's rebuilders
def _rebuild_tensor(backend_name: str, array: Any, dtype_name: str, requires_grad: bool,
                    parameter: bool = False) -> Any:
    """Unpickling a gradspec tensor: on the backend `load` is loading onto, else on the backend
    of the name it was pickled from (``parameter``: it was an ``nn.Parameter``, and is again)."""
    from .plugins import load_backend

    backend = loading_backend() or load_backend(backend_name)
    t = _on_backend(backend, array, dtype_name)
    if requires_grad:
        t.requires_grad_(True)
    if parameter:
        mark = getattr(t, "_mark_parameter", None)  # (a torch backend's Parameter is its own)
        if mark is not None:
            mark()
    return t


def _dtype(name: str) -> Any:
    """Unpickling a dtype: the loading (else the default) backend's dtype of that name."""
    from .plugins import load_backend

    backend = loading_backend() or load_backend()
    return getattr(backend, name)
