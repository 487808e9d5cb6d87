"""One test in a fresh forked process: ``--isolate=test`` and ``# isolate: why`` declarations.

The child runs the test's whole protocol (setup, call, teardown) and hands its reports back
through pytest's own report serialization (the one pytest-xdist relies on), so they are the
reports an ordinary run makes.  A child that dies before handing them back (a signal, an
``os._exit``) becomes one failed report saying how, ``running the test CRASHED with signal 11
(SIGSEGV)``, which the suite's recorder reads as *crashed*.  Needs ``os.fork`` (Linux, macOS).

This replaces pytest-forked, whose reports stopped crossing the process boundary with pytest
9.2 (its marshal cannot encode the node ids pytest 9.2 keeps on reports, so every failing test
came back as a crash).
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import tempfile
from typing import Any

import pytest
from _pytest.runner import CallInfo, runtestprotocol

#: The marker the plugin puts on a test that must run in its own process.
MARK = "gradspec_isolated"


def available() -> bool:
    """Whether this platform can fork a process per test."""
    return hasattr(os, "fork")


class Isolation:
    """The pytest plugin object: runs every test marked ``gradspec_isolated`` in a child."""

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None) -> Any:
        """Run a marked test in a forked child and log the reports it sends back."""
        if item.get_closest_marker(MARK) is None:
            return None
        ihook = item.ihook
        ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
        for report in _run_in_child(item):
            ihook.pytest_runtest_logreport(report=report)
        ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
        return True


def _run_in_child(item: pytest.Item) -> list[pytest.TestReport]:
    config = item.config
    with tempfile.TemporaryFile() as channel:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: never returns into the parent's pytest session
            code = 3
            try:
                reports = runtestprotocol(item, log=False)
                pickle.dump([config.hook.pytest_report_to_serializable(config=config, report=r)
                             for r in reports], channel)
                channel.flush()
                code = 0
            except BaseException:  # noqa: BLE001 - any escape is reported by the exit status
                pass
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        channel.seek(0)
        payload = channel.read()
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 and payload:
        return [config.hook.pytest_report_from_serializable(config=config, data=data)
                for data in pickle.loads(payload)]
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = f" ({signal.Signals(number).name})"
        except ValueError:
            name = ""
        what = f"CRASHED with signal {number}{name}"
    else:
        what = f"EXITED with status {os.WEXITSTATUS(status)}"
    return [_crash_report(item, what)]


def _crash_report(item: pytest.Item, what: str) -> pytest.TestReport:
    """A failed report for a test whose process died, made by the item's own hook so it keeps
    the test's keywords and user properties."""
    call = CallInfo.from_call(lambda: None, "call")
    report = item.ihook.pytest_runtest_makereport(item=item, call=call)
    path, lineno, _ = item.location
    report.outcome = "failed"
    report.longrepr = f"{path}:{(lineno or 0) + 1}: running the test {what}"
    return report
