"""The op catalogue (gradspec.ops) agrees with the protocol, with torch and with our engine."""

from __future__ import annotations

import pytest

from gradspec import ops, protocol
from support import load_or_skip


def _lookup(owner, dotted: str):
    for part in dotted.split("."):
        owner = getattr(owner, part)
    return owner


def test_mandatory_ops_are_the_protocols_functional_ops():
    declared = set(protocol.protocol_members(protocol.Backend))
    for op in ops.mandatory():
        assert op.name in declared, (
            f"{op.name} is mandatory in gradspec.ops but not a member of protocol.Backend")


def test_entries_are_well_formed():
    for op in ops.CATALOGUE:
        assert op.torch.startswith("torch."), f"{op.name}: torch path {op.torch!r}"
        assert op.summary and not op.summary.endswith("."), f"{op.name}: summary {op.summary!r}"
        assert op.grad_fn == "" or op.grad_fn.endswith(("Backward0", "Backward1", "Backward2")), (
            f"{op.name}: grad_fn {op.grad_fn!r} is not a PyTorch node name")
    assert [op.name for op in ops.CATALOGUE] == list(ops.BY_NAME), "names must be unique"


def test_every_op_is_where_the_catalogue_says_torch_keeps_it():
    torch = pytest.importorskip("torch", reason="the catalogue's torch paths need torch")
    for op in ops.CATALOGUE:
        assert callable(_lookup(torch, op.torch.removeprefix("torch."))), op.torch


@pytest.mark.parametrize("name", ["numpy", "strict", "torch"])
def test_our_backends_provide_every_op(name):
    backend = load_or_skip(name)
    missing = []
    for op in ops.CATALOGUE:
        try:
            _lookup(backend, op.name)
        except AttributeError:
            missing.append(op.name)
        if op.method and not hasattr(backend.Tensor, op.name.rsplit(".", 1)[-1]):
            missing.append(f"Tensor.{op.name}")
    assert not missing, f"backend {name} lacks catalogue ops: {missing}"
