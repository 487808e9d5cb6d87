"""`gradspec exec`: run an unmodified PyTorch script on a gradspec backend."""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any

import click

from .common import _backend_name, _check_backend, _fail, cli


@cli.command("exec", context_settings={"ignore_unknown_options": True,
                                       "allow_interspersed_args": False})
@click.option("--backend", "-b", metavar="NAME",
              help="backend that `import torch` gives (default: $GRADSPEC_BACKEND or numpy)")
@click.option("--backend-option", "-o", "options", multiple=True, metavar="KEY=VALUE",
              help="an option of the backend (repeatable), e.g. -o anomaly=1")
@click.argument("script", metavar="SCRIPT.py")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def exec_cmd(backend: str | None, options: tuple[str, ...], script: str,
             args: tuple[str, ...]) -> int:
    """Run SCRIPT.py as `python SCRIPT.py ARGS...` would, with `import torch` (and torch.nn,
    torch.nn.functional, torch.optim, torch.utils.data, ...) resolving to a gradspec backend.

    The script's sys.argv, __name__ == "__main__", __file__, printed output, exit code and
    traceback are what Python gives it.  A name the script uses outside gradspec's surface fails
    with an error naming it and the backend.  Arguments after SCRIPT.py go to the script.

    \b
    gradspec exec -b numpy train.py --epochs 3
    gradspec exec -b torch -o passthrough=1 train.py
    """
    from .. import plugins
    from ..scripts import run_script

    name = _backend_name(backend)
    _check_backend(name)
    parsed: dict[str, Any] = {}
    for option in options:
        key, sep, value = option.partition("=")
        if not sep or not key:
            _fail(f"backend option {option!r} is not KEY=VALUE")
        parsed[key.strip()] = value.strip()
    if not os.path.isfile(script):
        _fail(f"can't open file {script!r}: no such file")
    try:
        loaded = plugins.load_backend(name, **parsed)
    except (ValueError, TypeError) as exc:
        _fail(f"cannot load backend {name!r}: {exc}")
    try:
        run_script(script, args, loaded)
    except SystemExit as exc:
        return _exit_code(exc)
    except Exception as exc:
        _print_traceback(exc, os.path.abspath(script))
        return 1
    return 0


def _exit_code(exc: SystemExit) -> int:
    """What Python makes of ``sys.exit(code)``: None is 0, an int itself, anything else is
    printed and is 1."""
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=sys.stderr)
    return 1


def _print_traceback(exc: BaseException, script: str) -> None:
    """The traceback Python prints, starting at the script's first frame (gradspec's and
    runpy's frames above it are left out)."""
    tb = exc.__traceback__
    while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename) != script:
        tb = tb.tb_next
    traceback.print_exception(type(exc), exc, tb or exc.__traceback__, file=sys.stderr)
    sys.stderr.flush()
