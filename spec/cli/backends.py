"""`gradspec backends`: what is installed and usable here, and which core the engine runs."""

from __future__ import annotations

import json
from typing import Any

import click

from .. import plugins
from .common import _fail, _table, cli


def engine_core() -> dict[str, Any] | None:
    """Which core gradspec's engine runs in this process (``core``: compiled or pure) and why;
    None where the engine is not installed."""
    try:
        from gradspec.backends.engine import core
    except ImportError:
        return None
    return core.status().as_dict()


@cli.command("backends")
@click.option("--json", "as_json", is_flag=True,
              help="Print the backends and the engine's core as one JSON document.")
def backends_cmd(as_json: bool) -> None:
    """List installed backends: name, version, device, whether usable here and why not; and
    whether gradspec's engine (numpy, strict, cupy) runs its compiled core or pure Python.

    VERSION is that of the library a backend wraps (numpy, torch, ...), read from its
    installed metadata: listing imports only the backends' plugin modules, never torch or cupy.
    """
    found = plugins.list_backends()
    if not found:
        _fail("no backend is installed; install gradspec (it ships numpy, strict, torch, cupy)")
    core = engine_core()
    if as_json:
        doc = {"backends": [{"name": r.name, "distribution": r.distribution,
                             "version": r.version, "library": r.library or None,
                             "device": r.device or None,
                             "available": r.available, "reason": r.reason or None}
                            for r in found],
               "engine_core": core}
        click.echo(json.dumps(doc, indent=2))
        return
    rows = []
    for r in found:
        # the library it wraps (torch's version for torch), else the distribution providing it
        version = r.library or f"{r.distribution} {r.version}".strip()
        rows.append([r.name, version, r.device or "-", "yes" if r.available else "no",
                     r.reason if not r.available else ""])
    click.echo(_table(["NAME", "VERSION", "DEVICE", "AVAILABLE", "WHY NOT"], rows))
    if core is not None:
        click.echo(f"engine core: {core['core']} ({core['reason']})")
