"""Finding and loading backends: pluggy hook specifications and the registry.

A backend is a plugin module registered under the entry-point group ``gradspec.backends``; the
entry's name is the backend's name:

```toml
[project.entry-points."gradspec.backends"]
mygrad = "mypackage.gradspec_plugin"
```

The module implements the hooks below with ``@gradspec.hookimpl``.  It must not import its array
library at module level: listing backends imports every plugin module, and must stay cheap (no
torch, no cupy).  Loading a backend imports only that backend's plugin.
"""

from __future__ import annotations

import difflib
import importlib
import os
import threading
from dataclasses import dataclass
from importlib import metadata
from types import ModuleType
from typing import Any, Mapping

import pluggy

from . import protocol, surface
from .errors import (
    BackendUnavailableError,
    DuplicateBackendError,
    InvalidBackendError,
    UnknownBackendError,
)

PROJECT = "gradspec"
ENTRY_POINT_GROUP = "gradspec.backends"
DEFAULT_BACKEND = "numpy"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


class BackendSpec:
    """The hooks a backend plugin implements (one plugin module per backend)."""

    @hookspec(firstresult=True)
    def gradspec_backend_describe(self) -> Mapping[str, str]:
        """Static facts for listings, without importing the array library.

        Keys: ``summary`` (one line), ``device`` (``"cpu"``, ``"cuda"``, ...), optionally
        ``docs``, and ``library``: the distribution of the array library or engine the backend
        wraps (``"numpy"``, ``"torch"``; several, comma-separated, when it has more than one
        name), whose version listings show (read from its metadata).
        """

    @hookspec(firstresult=True)
    def gradspec_backend_available(self) -> tuple[bool, str]:
        """``(True, "")`` when the backend can be created here, else ``(False, why_not)``.

        Must be cheap and must not import heavy libraries (check with ``importlib.util.find_spec``).
        The reason should tell the user what to do, e.g. ``"CuPy is not installed: pip install
        gradspec[cupy]"`` or ``"no CUDA device"``.
        """

    @hookspec(firstresult=True)
    def gradspec_backend_create(self, options: Mapping[str, str]) -> Any:
        """Build and return the backend object (it must satisfy ``protocol.Backend``).

        ``options`` are the user's ``key=value`` strings (``--backend-option``); reject unknown
        keys with a ``ValueError`` that lists the known ones.
        """

    @hookspec
    def gradspec_backend_known_failures(self, backend: Any) -> Mapping[str, str]:
        """Known bugs as ``{test id pattern: reason}``; matching conformance tests become strict
        xfails.  Patterns are globs (``*`` and ``?``; brackets literal) over stable test ids such as
        ``"test_leaf.py::test_requires_grad_dtype"``."""


@dataclass(frozen=True)
class BackendStatus:
    """One row of `list_backends`."""

    name: str
    distribution: str
    version: str
    available: bool
    reason: str
    device: str = ""
    summary: str = ""
    library: str = ""  # the array library or engine it wraps, with its version: "torch 2.13.0"


@dataclass(frozen=True)
class _Entry:
    name: str
    module: str
    distribution: str
    version: str


_lock = threading.RLock()
_pm = pluggy.PluginManager(PROJECT)
_pm.add_hookspecs(BackendSpec)
_plugins: dict[str, ModuleType | object] = {}  # backend name -> registered plugin
_manual: dict[str, _Entry] = {}  # registered with register_plugin()
_manual_objects: dict[str, object] = {}
_loaded: dict[tuple[str, tuple[tuple[str, str], ...]], Any] = {}
_by_tensor_type: dict[type, Any] = {}


def _entries() -> dict[str, list[_Entry]]:
    """Entry points of our group, grouped by backend name, one per distribution."""
    found: dict[str, list[_Entry]] = {}
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist
        dist_name = dist.metadata["Name"] if dist is not None else "<unknown distribution>"
        version = dist.version if dist is not None else ""
        entry = _Entry(ep.name, ep.value, dist_name, version)
        same = found.setdefault(ep.name, [])
        if all(e.distribution != entry.distribution for e in same):
            same.append(entry)
    for name, entry in _manual.items():
        found[name] = [entry]
    return found


def _entry(name: str) -> _Entry:
    entries = _entries()
    if name not in entries:
        installed = ", ".join(sorted(entries)) or "none"
        near = difflib.get_close_matches(name, entries, n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        raise UnknownBackendError(
            f"no backend named {name!r}{hint}; installed backends: {installed}. A backend is "
            f"found through the {ENTRY_POINT_GROUP!r} entry-point group of an installed "
            "distribution."
        )
    claims = entries[name]
    if len(claims) > 1:
        who = " and ".join(f"{e.distribution} {e.version} ({e.module})" for e in claims)
        raise DuplicateBackendError(
            f"backend name {name!r} is claimed by two distributions: {who}; uninstall one of them."
        )
    return claims[0]


def _plugin(name: str) -> ModuleType | object:
    """Import and register the plugin for ``name`` (once)."""
    with _lock:
        if name in _plugins:
            return _plugins[name]
        entry = _entry(name)
        if name in _manual:
            plugin: Any = _manual_objects[name]
        else:
            try:
                plugin = importlib.import_module(entry.module)
            except Exception as exc:
                raise InvalidBackendError(
                    f"the plugin module {entry.module!r} of backend {name!r} "
                    f"(from {entry.distribution}) failed to import: {type(exc).__name__}: {exc}"
                ) from exc
        if any(p is plugin for p in _plugins.values()):
            other = next(n for n, p in _plugins.items() if p is plugin)
            raise InvalidBackendError(
                f"backend {name!r} points at the plugin of backend {other!r} ({entry.module}); "
                "each backend needs a plugin module of its own."
            )
        try:
            _pm.register(plugin, name=name)
        except pluggy.PluginValidationError as exc:
            raise InvalidBackendError(f"plugin of backend {name!r} ({entry.module}): {exc}") from exc
        if not _pm.get_hookcallers(plugin):
            _pm.unregister(plugin)
            raise InvalidBackendError(
                f"the plugin module {entry.module!r} of backend {name!r} implements no gradspec "
                "hook (did you forget @hookimpl? use `from gradspec import hookimpl` and decorate "
                "gradspec_backend_create and its siblings)."
            )
        try:
            _pm.check_pending()
        except pluggy.PluginValidationError as exc:
            _pm.unregister(plugin)
            raise InvalidBackendError(
                f"plugin of backend {name!r} ({entry.module}): {exc}{_did_you_mean(exc)}") from exc
        _plugins[name] = plugin
        return plugin


def _did_you_mean(exc: Exception) -> str:
    """A hint naming the hook closest to the unknown one in ``exc`` (a misspelt hook name)."""
    import difflib
    import re

    found = re.search(r"unknown hook '(\w+)'", str(exc))
    hooks = [n for n in vars(BackendSpec) if n.startswith("gradspec_")]
    near = difflib.get_close_matches(found.group(1), hooks, n=1) if found else []
    return f"; did you mean {near[0]!r}?" if near else ""


def _call(name: str, hook: str, **kwargs: Any) -> Any:
    plugin = _plugin(name)
    others = [p for p in _plugins.values() if p is not plugin]
    return _pm.subset_hook_caller(hook, remove_plugins=others)(**kwargs)


def register_plugin(name: str, plugin: ModuleType | object, *, distribution: str = "<registered>",
                    version: str = "") -> None:
    """Register a plugin object under a backend name without an entry point.

    For tests and interactive use; installed backends should use the entry point.
    """
    with _lock:
        if name in _entries() and name not in _manual:
            raise DuplicateBackendError(
                f"backend name {name!r} is already provided by {_entry(name).distribution}"
            )
        unregister_plugin(name)  # registering a name again replaces its plugin and backends
        _manual[name] = _Entry(name, getattr(plugin, "__name__", repr(plugin)), distribution, version)
        _manual_objects[name] = plugin


def unregister_plugin(name: str) -> None:
    """Forget a backend registered with `register_plugin` (and any loaded instance)."""
    with _lock:
        _manual.pop(name, None)
        _manual_objects.pop(name, None)
        plugin = _plugins.pop(name, None)
        if plugin is not None and _pm.is_registered(plugin):
            _pm.unregister(plugin)
        forgotten = [_loaded.pop(k) for k in [k for k in _loaded if k[0] == name]]
        for cls in [c for c, b in _by_tensor_type.items() if any(b is f for f in forgotten)]:
            del _by_tensor_type[cls]
        for backend in _loaded.values():  # another loaded backend may own the same tensor class
            _by_tensor_type.setdefault(backend.Tensor, backend)


def availability(name: str) -> tuple[bool, str]:
    """Whether backend ``name`` can be created here, and the reason when not."""
    result = _call(name, "gradspec_backend_available")
    if result is None:
        return True, ""
    ok, reason = result
    return bool(ok), str(reason or "")


def list_backends() -> list[BackendStatus]:
    """Every installed backend with its distribution, version and availability.

    Imports only the plugin modules (never torch or cupy).  A backend whose plugin is broken
    is listed as unavailable with the reason.
    """
    rows = []
    for name, claims in sorted(_entries().items()):
        first = claims[0]
        try:
            _entry(name)
            ok, reason = availability(name)
            info = _call(name, "gradspec_backend_describe") or {}
        except Exception as exc:  # a broken plugin must not break the listing
            ok, reason, info = False, str(exc), {}
        rows.append(BackendStatus(
            name, first.distribution, first.version, ok, reason,
            str(info.get("device", "")), str(info.get("summary", "")),
            _library(str(info.get("library", ""))),
        ))
    return rows


def _library(distributions: str) -> str:
    """``"torch 2.13.0"`` for the distribution a backend says it wraps (read from its metadata,
    never imported; of several comma-separated names, the first installed); ``"torch (not
    installed)"`` when none is."""
    names = [d.strip() for d in distributions.split(",") if d.strip()]
    for name in names:
        try:
            return f"{name} {metadata.version(name)}"
        except metadata.PackageNotFoundError:
            continue
    return f"{names[0]} (not installed)" if names else ""


def load_backend(name: str | None = None, **options: Any) -> Any:
    """The backend called ``name`` (default: ``$GRADSPEC_BACKEND`` or ``numpy``), built once.

    The object is the ``torch`` of a program: the backend's ops and factories, and gradspec's
    ``nn``, ``optim``, ``utils``, ``save`` and ``load`` bound to it (`gradspec.surface`).

    ``options`` are passed to the plugin as strings.  Raises ``UnknownBackendError``,
    ``DuplicateBackendError``, ``BackendUnavailableError`` or ``InvalidBackendError`` with a
    message that says what to do.
    """
    if name is not None and not name.strip():
        raise UnknownBackendError(
            "the backend name is empty; pass a name such as 'numpy' (list_backends() lists "
            "them), or None for $GRADSPEC_BACKEND or the default")
    name = name or os.environ.get("GRADSPEC_BACKEND") or DEFAULT_BACKEND
    key = (name, tuple(sorted((k, str(v)) for k, v in options.items())))
    with _lock:
        if key in _loaded:
            return _loaded[key]
        ok, reason = availability(name)
        if not ok:
            raise BackendUnavailableError(f"backend {name!r} is not available here: {reason}")
        backend = _call(name, "gradspec_backend_create", options=dict(key[1]))
        if backend is None:
            raise InvalidBackendError(
                f"the plugin of backend {name!r} returned no backend from gradspec_backend_create"
            )
        _validate(name, backend)
        try:
            surface.bind(backend)
        except (AttributeError, TypeError) as exc:
            raise InvalidBackendError(
                f"backend {name!r} ({type(backend).__name__}) does not accept the attributes "
                f"gradspec attaches (nn, optim, utils, save, load): {exc}") from exc
        _loaded[key] = backend
        _by_tensor_type.setdefault(backend.Tensor, backend)
        return backend


def known_failures(name: str, backend: Any) -> dict[str, str]:
    """Known-bug declarations of backend ``name``: ``{test id pattern: reason}``."""
    out: dict[str, str] = {}
    for mapping in _call(name, "gradspec_backend_known_failures", backend=backend) or []:
        out.update(mapping or {})
    return out


def backend_of(tensor: Any) -> Any:
    """The loaded backend whose tensor class ``tensor`` is an instance of."""
    kind = type(tensor)
    backend = _by_tensor_type.get(kind)
    if backend is not None:
        return backend
    for cls, candidate in list(_by_tensor_type.items()):
        if isinstance(tensor, cls):
            _by_tensor_type[kind] = candidate
            return candidate
    raise TypeError(
        f"{kind.__name__} is not a tensor of any loaded gradspec backend; create it with a "
        "backend from gradspec.load_backend(...)"
    )


def _validate(name: str, backend: Any) -> None:
    missing = protocol.missing_members(backend, protocol.Backend)
    if missing:
        raise InvalidBackendError(
            f"backend {name!r} ({type(backend).__name__}) does not satisfy gradspec.protocol.Backend; "
            f"missing members: {', '.join(missing)}"
        )
    unknown = protocol.check_capabilities(backend.capabilities)
    if unknown:
        raise InvalidBackendError(
            f"backend {name!r} declares unknown capabilities {unknown}; known: "
            f"{', '.join(sorted(protocol.CAPABILITIES))}"
        )
    unmet = protocol.unmet_needs(backend.capabilities)
    if unmet:
        said = "; ".join(f"{cap} needs {', '.join(needs)}" for cap, needs in unmet.items())
        raise InvalidBackendError(
            f"backend {name!r} declares capabilities without what they build on: {said}; "
            "declare those too, or leave the dependent capability out"
        )
    sample = backend.tensor([1.0], requires_grad=True)
    missing = protocol.missing_members(sample, protocol.Tensor)
    if missing:
        raise InvalidBackendError(
            f"tensors of backend {name!r} ({type(sample).__name__}) do not satisfy "
            f"gradspec.protocol.Tensor; missing members: {', '.join(missing)}"
        )
