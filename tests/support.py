"""Helpers shared by gradspec's own tests (plain functions; fixtures live in conftest.py)."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Any, Iterator

import pytest

import gradspec
from gradspec import plugins


def load_or_skip(name: str) -> Any:
    """Backend ``name``, or skip the test saying why it is unavailable here."""
    ok, why = plugins.availability(name)
    if not ok:
        pytest.skip(f"backend {name!r} unavailable: {why}")
    return gradspec.load_backend(name)


@contextmanager
def refcount_only() -> Iterator[None]:
    """The cyclic garbage collector off: what dies inside dies by reference counting alone."""
    gc.collect()  # start clean, so nothing collected later is someone else's
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
