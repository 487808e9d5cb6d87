"""A raised error kind shows as PyTorch's exception does (``type(e).__name__`` and a
traceback's last line say ``RuntimeError``), while ``except`` on the kind, ``isinstance``,
``e.kind`` and `gradspec.errors.classify` still tell the kinds apart."""

from __future__ import annotations

import copy
import pickle
import traceback

import pytest

from gradspec import errors
from support import load_or_skip


@pytest.mark.parametrize("name", ["numpy", "strict"])
def test_a_raised_kind_prints_as_torchs_runtime_error(name):
    torch = load_or_skip("torch")
    bk = load_or_skip(name)
    shown = []
    for t in (bk, torch):
        x = t.ones(2, requires_grad=True)
        try:
            x.add_(1)
        except RuntimeError as exc:
            last = traceback.format_exception_only(type(exc), exc)[-1]
            shown.append((type(exc).__name__, repr(exc).split("(")[0], last.split(":")[0]))
            if t is bk:
                assert isinstance(exc, errors.LeafInPlaceError) and exc.kind == "leaf-in-place"
                assert errors.classify(exc) is errors.LeafInPlaceError
                for again in (pickle.loads(pickle.dumps(exc)), copy.copy(exc)):
                    assert isinstance(again, errors.LeafInPlaceError)
                    assert type(again).__name__ == "RuntimeError" and again.args == exc.args
    assert shown[0] == shown[1] == ("RuntimeError",) * 3


def test_kind_classes_keep_their_names_for_the_spec():
    for kind in errors.ERROR_KINDS:
        made = kind("m")
        assert kind.__name__.endswith("Error") and type(made).__name__ == "RuntimeError"
        assert type(made).__mro__[1] is kind and isinstance(made, RuntimeError)
