"""The ``gradspec`` command: list backends, run the tutorials' workloads, run a PyTorch script on
a backend, judge a backend with the conformance suite, draw computation graphs, fuzz against
PyTorch.

One module per subcommand; `common` holds the group and what they share.  Every command has
``--help``.  Mistakes (an unknown workload or backend, an unavailable backend, an output path
that cannot be written, a missing optional tool) end with one line on stderr saying what to do,
and exit code 2.  Importing this package and listing backends stay cheap: workloads, numpy,
matplotlib, torch and cupy are imported only by the commands that need them.
"""

from __future__ import annotations

from typing import Sequence

import click

from . import backends, conformance, exec, fuzz, graph, run  # noqa: F401  (register the subcommands)
from .common import EXIT_USAGE, CommandError, cli

__all__ = ["CommandError", "EXIT_USAGE", "cli", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (the console script exits with it)."""
    try:
        rv = cli.main(args=list(argv) if argv is not None else None, prog_name="gradspec",
                      standalone_mode=False)
    except CommandError as exc:
        click.echo(f"gradspec: error: {exc}", err=True)
        return EXIT_USAGE
    except click.exceptions.UsageError as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # click >= 8.2: bare `gradspec`
            click.echo(exc.ctx.get_help() if exc.ctx else "")
            return 0
        where = exc.ctx.command_path if exc.ctx else "gradspec"
        click.echo(f"{where}: error: {exc.format_message()} See '{where} --help'.", err=True)
        return EXIT_USAGE
    except click.exceptions.Abort:
        click.echo("gradspec: aborted", err=True)
        return 130
    except KeyboardInterrupt:
        click.echo("gradspec: interrupted", err=True)
        return 130
    return rv if isinstance(rv, int) else 0
