"""`gradspec run`: train one of the tutorials' workloads on a backend."""

from __future__ import annotations

import logging
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

import click

from .common import (CommandError, _fail, _load_backend, _progress, _short, _writable_dir,
                     _writable_file, cli)

def _workload_names() -> str:
    from ..workloads import WORKLOADS

    return "\n".join(f"  {w.name:<10} {w.title}" for w in WORKLOADS.values())


class _RunCommand(click.Command):
    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Workloads"):
            formatter.write(_workload_names() + "\n")


@cli.command("run", cls=_RunCommand)
@click.argument("workload")
@click.option("--backend", "-b", metavar="NAME",
              help="backend to run on (default: $GRADSPEC_BACKEND or numpy)")
@click.option("--iterations", "-n", type=click.IntRange(min=1), metavar="N",
              help="iteration limit (default: the tutorial's)")
@click.option("--plot", "plot_dir", type=click.Path(path_type=Path), metavar="DIR",
              help="write the tutorial's pictures as PNG files into DIR (needs matplotlib)")
@click.option("--json", "json_path", type=click.Path(path_type=Path), metavar="PATH",
              help="write the full result (losses, checkpoints, parameters) as JSON")
@click.option("--scheduler", metavar="SCHEDULER",
              help="train on a Dask cluster (pip install 'gradspec[dask]'): local[:N] starts N "
                   "worker processes here (default: one per core), tcp://HOST:PORT uses a "
                   "running dask scheduler; the workers run forward and backward on their "
                   "shards of the data")
@click.option("--data", "data_path", type=click.Path(path_type=Path), metavar="PATH",
              help="train logreg on a dataset on disk, larger than memory if need be: a folder "
                   "with x.npy and y.npy, or a zarr group with arrays x and y (needs --scheduler)")
def run_cmd(workload: str, backend: str | None, iterations: int | None, plot_dir: Path | None,
            json_path: Path | None, scheduler: str | None, data_path: Path | None) -> int:
    """Train one of the tutorials' workloads on a backend and summarise the result.

    A progress bar runs while it trains (on a terminal); the summary gives the loss, the
    accuracy, the iterations and the time.  Example: gradspec run logreg --backend torch --plot out/

    With --scheduler the same loop trains on a Dask cluster, the data split into shards on the
    workers.  Example: gradspec run logreg --scheduler local:2 --data big/ -n 50
    """
    from .. import workloads

    try:
        spec = workloads.get(workload)
    except workloads.UnknownWorkloadError as exc:
        _fail(str(exc))
    if iterations is not None and spec.iterations is None:
        _fail(f"workload {workload!r} is not a training loop; leave out --iterations")
    distributed = _check_distributed(workload, scheduler, data_path)
    if plot_dir is not None:
        from ..workloads.plotting import PlottingUnavailableError, require_matplotlib

        try:
            require_matplotlib()
        except PlottingUnavailableError as exc:
            _fail(str(exc))
        _writable_dir(plot_dir, "plots")
    if json_path is not None:
        _writable_file(json_path, "the JSON result")
    be = _load_backend(backend)

    total = iterations or spec.iterations or 1
    where = "" if scheduler is None else f" over Dask ({scheduler})"
    with _progress(total, f"{workload} on {be.name}{where}", show_pos=True) as bar:
        def progress(done: int, _total: int) -> None:
            bar.update(done - bar.pos)

        try:
            if distributed is None:
                result = spec.run(be, iterations=iterations, progress=progress)
            else:
                result = _run_on_dask(distributed, spec, be, scheduler, data_path, iterations,
                                      progress)
        except CommandError:
            raise
        except ValueError as exc:
            _fail(str(exc))
        except Exception as exc:  # noqa: BLE001 - a backend that breaks the contract
            click.echo(f"gradspec run: {workload} failed on backend {be.name}: "
                       f"{type(exc).__name__}: {exc} (`gradspec conformance --backend {be.name}` "
                       "shows which clauses it breaks)", err=True)
            return 1

    click.echo(f"{workload} on {result.backend} ({result.device}): {result.stop_reason}")
    lines = []
    if result.accuracy is not None:
        lines.append(("accuracy", f"{result.accuracy:.2%}"))
    if result.final_loss is not None:
        lines.append(("final loss", f"{result.final_loss:.6g}"))
    lines += [("iterations", str(result.iterations)), ("time", f"{result.seconds:.3f} s")]
    lines += [(name, _short(value)) for name, value in result.parameters.items()]
    lines += [(name, _short(value)) for name, value in result.metrics.items()]
    width = max(len(k) for k, _ in lines)
    for key, value in lines:
        click.echo(f"  {key:<{width}}  {value}")
    for note in result.notes:
        click.echo(f"note: {note}")

    if plot_dir is not None:
        try:
            paths = spec.plot(result, plot_dir)
        except OSError as exc:
            _fail(f"cannot write plots into {plot_dir}: {exc.strerror or exc}")
        if paths:
            click.echo("plots: " + ", ".join(str(p) for p in paths))
        else:
            click.echo(f"plots: none ({workload} has nothing to draw; its result is printed above)")
    if json_path is not None:
        try:
            result.write_json(json_path)
        except OSError as exc:
            _fail(f"cannot write the JSON result {json_path}: {exc.strerror or exc}")
        click.echo(f"result: {json_path}")
    return 0


def _check_distributed(workload: str, scheduler: str | None,
                       data_path: Path | None) -> ModuleType | None:
    """gradspec.distributed when --scheduler is given, after every check that needs no cluster;
    None for a local run."""
    if scheduler is None:
        if data_path is not None:
            _fail("--data trains on a Dask cluster: add --scheduler local (or tcp://HOST:PORT)")
        return None
    try:
        from .. import distributed
    except ImportError as exc:
        _fail(str(exc))
    from ..workloads import distributed as on_dask

    if not on_dask.supports(workload):
        _fail(f"workload {workload!r} does not run on Dask; those that do: "
              f"{', '.join(on_dask.SUPPORTED)}")
    if data_path is not None and not on_dask.supports(workload, data=True):
        _fail(f"--data: workload {workload!r} trains on its tutorial's data only; "
              f"--data works with {', '.join(on_dask.WITH_DATA)}")
    try:
        distributed.parse_scheduler(scheduler)
    except ValueError as exc:
        _fail(str(exc))
    if data_path is not None and not distributed.is_dataset(data_path):
        _fail(f"--data {data_path}: no dataset there (a folder with x.npy and y.npy, or a zarr "
              "group with arrays x and y; gradspec.distributed.save_dataset writes one)")
    return distributed


def _run_on_dask(distributed: ModuleType, spec: Any, be: Any, scheduler: str,
                 data_path: Path | None, iterations: int | None,
                 progress: Callable[[int, int], None]) -> Any:
    """Connect (or start a local cluster), train, and close what was opened."""
    quiet = {"silence_logs": logging.ERROR} if scheduler.startswith("local") else {}
    try:
        client = distributed.connect(scheduler, **quiet)
    except (ConnectionError, ValueError) as exc:
        _fail(str(exc))
    try:
        return spec.run_distributed(be, client, iterations=iterations, progress=progress,
                                    data=data_path)
    except distributed.ClusterError as exc:
        _fail(str(exc))
    finally:
        client.close()
