"""`gradspec backends`: what is installed and usable here."""

from __future__ import annotations

import click

from .. import plugins
from .common import _fail, _table, cli

@cli.command("backends")
def backends_cmd() -> None:
    """List installed backends: name, version, device, whether usable here and why not.

    VERSION is that of the library a backend wraps (numpy, torch, ...), read from its
    installed metadata: listing imports only the backends' plugin modules, never torch or cupy.
    """
    rows = []
    for r in plugins.list_backends():
        # the library it wraps (torch's version for torch), else the distribution providing it
        version = r.library or f"{r.distribution} {r.version}".strip()
        rows.append([r.name, version, r.device or "-", "yes" if r.available else "no",
                     r.reason if not r.available else ""])
    if not rows:
        _fail("no backend is installed; install gradspec (it ships numpy, strict, torch, cupy)")
    click.echo(_table(["NAME", "VERSION", "DEVICE", "AVAILABLE", "WHY NOT"], rows))
