"""What every subcommand shares: the one-line error, backend loading, output paths, tables,
progress bars, and the command group itself."""

from __future__ import annotations

import difflib
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterable, NoReturn, Sequence

import click

from .. import plugins
from ..errors import BackendError, BackendUnavailableError, UnknownBackendError

EXIT_USAGE = 2


class CommandError(Exception):
    """A mistake the user can fix; the message is printed as one line and the exit code is 2."""


def _fail(message: str) -> NoReturn:
    raise CommandError(message)


# ------------------------------------------------------------------------------ helpers
ENV_BACKEND = "GRADSPEC_BACKEND"


def _backend_name(name: str | None) -> str:
    """The backend asked for: ``--backend``, else ``$GRADSPEC_BACKEND``, else numpy.  An empty
    ``--backend`` is a mistake (not a request for the default); an empty variable is unset."""
    if name is not None:
        if not name.strip():
            _fail("--backend needs a backend name, e.g. --backend numpy "
                  "(`gradspec backends` lists them)")
        return name
    return os.environ.get(ENV_BACKEND, "").strip() or plugins.DEFAULT_BACKEND


def _from_env(name: str | None, resolved: str) -> bool:
    """Whether ``resolved`` came from ``$GRADSPEC_BACKEND`` (no ``--backend`` given)."""
    return name is None and os.environ.get(ENV_BACKEND, "").strip() == resolved


def _where(name: str | None, resolved: str) -> str:
    """Where a bad backend name came from, to start an error message with."""
    return f"${ENV_BACKEND}={resolved!r}: " if _from_env(name, resolved) else ""


def _fix(name: str | None, resolved: str) -> str:
    """The sentence that ends an unknown-backend error."""
    if _from_env(name, resolved):
        return f"Set {ENV_BACKEND} to one of them, unset it, or pass --backend."
    return "`gradspec backends` lists them."


def _load_backend(name: str | None) -> Any:
    resolved = _backend_name(name)
    try:
        return plugins.load_backend(resolved)
    except UnknownBackendError as exc:
        _fail(f"{_where(name, resolved)}{exc} {_fix(name, resolved)}")
    except BackendUnavailableError as exc:
        _fail(f"{_where(name, resolved)}{exc}. Pick another with --backend "
              "(`gradspec backends` shows which are available).")
    except (BackendError, ValueError, TypeError) as exc:
        _fail(f"{_where(name, resolved)}cannot load backend {resolved!r}: {exc}")


def _check_backend(name: str, given: str | None = None) -> None:
    """Fail early (without building it) when ``name`` is unknown or unavailable here;
    ``given``: what ``--backend`` said (None: ``name`` came from the environment or default)."""
    rows = {r.name: r for r in plugins.list_backends()}
    if name not in rows:
        known = ", ".join(sorted(rows)) or "none"
        near = difflib.get_close_matches(name, rows, n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        _fail(f"{_where(given, name)}no backend named {name!r}{hint}; installed backends: "
              f"{known}. {_fix(given, name)}")
    if not rows[name].available:
        _fail(f"{_where(given, name)}backend {name!r} is not available here: "
              f"{rows[name].reason}. Pick another with --backend (`gradspec backends` shows "
              "which are available).")


def _no_file_in_the_way(path: Path, what: str) -> None:
    for ancestor in path.parents:
        if ancestor.exists():
            if not ancestor.is_dir():
                _fail(f"cannot write {what} at {path}: {ancestor} is a file, not a folder")
            return


def _existing_folder(folder: Path, path: Path, what: str) -> None:
    """``folder`` (where ``path`` goes) must exist: we never create folders the user did not
    name, so a mistyped path fails here instead of leaving new folders behind."""
    _no_file_in_the_way(path, what)
    if not folder.exists():
        _fail(f"cannot write {what} {path}: the folder {folder} does not exist; create it first "
              f"(mkdir -p {folder}) or choose another path")


def _writable_file(path: Path, what: str) -> Path:
    """Make sure ``path`` can be written, in a folder that exists, before any long work starts
    (nothing is left behind: a file that did not exist is removed again)."""
    if path.is_dir():
        _fail(f"{what} {path} is a directory; give a file name")
    _existing_folder(path.parent, path, what)
    try:
        existed = path.exists()
        with open(path, "a", encoding="utf-8"):
            pass
        if not existed:
            path.unlink()
    except OSError as exc:
        _fail(f"cannot write {what} {path}: {exc.strerror or exc}; "
              "choose a path in a writable folder")
    return path


def _writable_dir(path: Path, what: str) -> Path:
    """Make sure files can be written into folder ``path`` (which is created only when they
    are written, in a folder that exists), before any long work starts."""
    if path.exists() and not path.is_dir():
        _fail(f"cannot write {what} into {path}: it is a file, not a folder")
    target = path if path.exists() else path.parent
    if target is not path:
        _existing_folder(path.parent, path, f"{what} into")
    try:
        with tempfile.TemporaryFile(dir=target):
            pass
    except OSError as exc:
        _fail(f"cannot write {what} into {path}: {exc.strerror or exc}; choose a writable folder")
    return path


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    rows = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines)


def _short(value: Any) -> str:
    """Numbers to 4 significant digits, inside lists too."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_short(v) for v in value) + "]"
    return str(value)


class _NoBar:
    """Stands in for a progress bar when stderr is not a terminal (logs, pipes, tests)."""

    pos = 0

    def update(self, n: int) -> None:
        self.pos += n

    def __enter__(self) -> "_NoBar":
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def _progress(length: int, label: str, **options: Any) -> Any:
    """A progress bar on a terminal; nothing at all elsewhere."""
    if not sys.stderr.isatty():
        return _NoBar()
    return click.progressbar(length=length, label=label, file=sys.stderr, show_eta=False, **options)



@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gradspec", prog_name="gradspec")
def cli() -> None:
    """gradspec: PyTorch-style autograd, one specification, many backends.

    \b
    gradspec backends                       which backends are installed and usable
    gradspec run logreg                     train the tutorials' logistic regression
    gradspec exec -b strict train.py        run a PyTorch script unchanged on a backend
    gradspec conformance --backend numpy    judge a backend against the specification
    gradspec graph logreg --out g.svg       draw a computation graph
    gradspec fuzz --backend numpy           fuzz a backend against PyTorch

    The backend defaults to $GRADSPEC_BACKEND, else numpy.
    """
