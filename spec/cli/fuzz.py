"""`gradspec fuzz`: the differential fuzzer's own command line, under gradspec."""

from __future__ import annotations

import click

from .common import cli

@cli.command("fuzz", add_help_option=False,
             context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def fuzz(ctx: click.Context) -> int:
    """Differential fuzzing against PyTorch (`gradspec fuzz --help` for its options)."""
    from gradspec.conformance.fuzz.cli import command  # imports numpy: only when asked

    try:  # the fuzzer's own command line owns its options, help and exit codes
        command.main(args=ctx.args, prog_name="gradspec fuzz")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0
