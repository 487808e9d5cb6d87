"""The backend registry (gradspec.plugins): finding, validating, loading and forgetting backends.

Every misuse a plugin author or a user can make gets a clear error that names what is wrong.
Third-party plugins are real: fake distributions on ``sys.path`` (a ``*.dist-info`` folder with
``METADATA`` and ``entry_points.txt``), found by ``importlib.metadata`` like installed ones.
"""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

import gradspec
from gradspec import hookimpl, plugins, protocol
from gradspec.errors import (
    BackendError,
    BackendUnavailableError,
    DuplicateBackendError,
    InvalidBackendError,
    UnknownBackendError,
)

GOOD_PLUGIN = """
import gradspec
from gradspec import hookimpl

@hookimpl
def gradspec_backend_describe():
    return {"summary": "a third party's engine", "device": "cpu"}

@hookimpl
def gradspec_backend_create(options):
    return gradspec.load_backend("numpy")
"""


def _row(name: str) -> gradspec.BackendStatus:
    rows = {r.name: r for r in gradspec.list_backends()}
    assert name in rows, f"{name} not listed: {sorted(rows)}"
    return rows[name]


# ------------------------------------------------------------------------------ unknown names
def test_unknown_backend_lists_the_installed_ones(registry, own_backends):
    with pytest.raises(UnknownBackendError) as info:
        gradspec.load_backend("no-such-engine")
    message = str(info.value)
    assert "'no-such-engine'" in message
    for name in own_backends:
        assert name in message
    assert isinstance(info.value, LookupError)


def test_unknown_backend_in_availability_too(registry):
    with pytest.raises(UnknownBackendError, match="no-such-engine"):
        plugins.availability("no-such-engine")


# ------------------------------------------------------------------------------ duplicate names
def test_two_distributions_claiming_one_name(fake_dist):
    fake_dist("acme-grad", {"dupe": "acme_dupe_plugin"}, {"acme_dupe_plugin": GOOD_PLUGIN})
    fake_dist("other-grad", {"dupe": "other_dupe_plugin"}, {"other_dupe_plugin": GOOD_PLUGIN},
              version="2.5")
    with pytest.raises(DuplicateBackendError) as info:
        gradspec.load_backend("dupe")
    message = str(info.value)
    for part in ("'dupe'", "acme-grad 1.0", "other-grad 2.5", "acme_dupe_plugin",
                 "other_dupe_plugin", "uninstall"):
        assert part in message
    # refused before importing either plugin
    assert "acme_dupe_plugin" not in sys.modules and "other_dupe_plugin" not in sys.modules
    row = _row("dupe")
    assert not row.available and "acme-grad" in row.reason and "other-grad" in row.reason


def test_a_distribution_claiming_one_of_our_names_is_listed_as_a_conflict(fake_dist):
    fake_dist("evil-numpy", {"numpy": "evil_numpy_plugin"}, {"evil_numpy_plugin": GOOD_PLUGIN})
    row = _row("numpy")
    assert not row.available
    assert "gradspec" in row.reason and "evil-numpy" in row.reason


def test_a_distribution_claiming_one_of_our_names_fails_to_load(fake_dist, run_python):
    site = fake_dist("evil-numpy", {"numpy": "evil_numpy_plugin"},
                     {"evil_numpy_plugin": GOOD_PLUGIN})
    # A fresh process: this one has already loaded (and cached) our numpy backend.
    done = run_python(["-c", "import gradspec; gradspec.load_backend('numpy')"],
                      env={"PYTHONPATH": str(site)})
    assert done.returncode != 0
    assert "DuplicateBackendError" in done.stderr
    assert "evil-numpy" in done.stderr and "gradspec" in done.stderr


def test_our_names_cannot_be_registered_again(registry, fakes):
    with pytest.raises(DuplicateBackendError, match="'numpy'.*gradspec"):
        gradspec.register_plugin("numpy", fakes.FakePlugin("numpy"))


# ------------------------------------------------------------------------------ broken plugins
def test_plugin_module_without_hookimpl(fake_dist):
    fake_dist("forgetful", {"forgetful": "forgetful_plugin"}, {"forgetful_plugin": """
        import gradspec

        def gradspec_backend_create(options):   # not decorated with @hookimpl
            return gradspec.load_backend("numpy")
    """})
    with pytest.raises(InvalidBackendError) as info:
        gradspec.load_backend("forgetful")
    message = str(info.value)
    assert "did you forget @hookimpl" in message
    assert "forgetful_plugin" in message and "'forgetful'" in message
    assert isinstance(info.value, TypeError)
    assert plugins._pm.get_plugin("forgetful") is None


def test_hookimpl_with_a_misspelt_hook_name(fake_dist):
    fake_dist("typo", {"typo": "typo_plugin"}, {"typo_plugin": """
        import gradspec
        from gradspec import hookimpl

        @hookimpl
        def gradspec_backend_describe():
            return {"summary": "typo", "device": "cpu"}

        @hookimpl
        def gradspec_backend_craete(options):
            return gradspec.load_backend("numpy")
    """})
    for _ in range(2):  # a failed plugin is not cached as a good one
        with pytest.raises(InvalidBackendError) as info:
            gradspec.load_backend("typo")
        assert "gradspec_backend_craete" in str(info.value)
        assert "'typo'" in str(info.value)
    assert plugins._pm.get_plugin("typo") is None


def test_hookimpl_with_a_wrong_signature(fake_dist):
    fake_dist("badsig", {"badsig": "badsig_plugin"}, {"badsig_plugin": """
        import gradspec
        from gradspec import hookimpl

        @hookimpl
        def gradspec_backend_create(opts):
            return gradspec.load_backend("numpy")
    """})
    with pytest.raises(InvalidBackendError) as info:
        gradspec.load_backend("badsig")
    message = str(info.value)
    assert "gradspec_backend_create" in message and "opts" in message and "'badsig'" in message


@pytest.mark.parametrize("body, shown", [
    ("import fluxlib_that_is_not_installed", "ModuleNotFoundError"),
    ("def broken(:\n    pass", "SyntaxError"),
    ("raise RuntimeError('the plugin exploded on import')", "the plugin exploded on import"),
], ids=["missing-dependency", "syntax-error", "raises"])
def test_plugin_that_fails_to_import(fake_dist, body, shown):
    fake_dist("broken-grad", {"broken": "broken_plugin"}, {"broken_plugin": body})
    with pytest.raises(InvalidBackendError) as info:
        gradspec.load_backend("broken")
    message = str(info.value)
    assert "broken_plugin" in message and "'broken'" in message and "broken-grad" in message
    assert shown in message
    # listing survives a broken plugin: it is shown unavailable with the same reason
    row = _row("broken")
    assert not row.available and shown in row.reason
    assert _row("numpy").available


def test_one_plugin_module_for_two_backends_is_refused(fake_dist):
    fake_dist("twins", {"alpha": "twin_plugin", "beta": "twin_plugin"},
              {"twin_plugin": GOOD_PLUGIN})
    assert gradspec.load_backend("alpha") is gradspec.load_backend("numpy")
    with pytest.raises(InvalidBackendError, match="'beta'.*'alpha'.*plugin module of its own"):
        gradspec.load_backend("beta")


# ------------------------------------------------------------------------------ bad backends
class _ReturnsPlugin:
    """A plugin whose create hook returns ``make()``."""

    def __init__(self, make):
        self.make = make

    @hookimpl
    def gradspec_backend_create(self, options):
        return self.make()


def test_backend_missing_protocol_members(registry):
    hollow = types.SimpleNamespace(name="hollow", version="0", tensor=lambda *a, **k: None)
    gradspec.register_plugin("hollow", _ReturnsPlugin(lambda: hollow))
    with pytest.raises(InvalidBackendError) as info:
        gradspec.load_backend("hollow")
    message = str(info.value)
    assert "'hollow'" in message and "protocol.Backend" in message
    missing = protocol.missing_members(hollow, protocol.Backend)
    assert {"autograd", "no_grad", "zeros", "capabilities"} <= set(missing)
    listed = message.split("missing members: ", 1)[1].split(", ")
    assert listed == missing
    assert "tensor" not in listed


def test_tensor_missing_protocol_members(registry, fakes):
    class Hollow:
        shape = (1,)

        def item(self):
            return 1.0

    numpy_backend = gradspec.load_backend("numpy")
    backend = fakes.Wrapped(numpy_backend, "hollowtensors")
    backend.tensor = lambda *a, **k: Hollow()
    gradspec.register_plugin("hollowtensors", _ReturnsPlugin(lambda: backend))
    with pytest.raises(InvalidBackendError) as info:
        gradspec.load_backend("hollowtensors")
    message = str(info.value)
    assert "tensors of backend 'hollowtensors' (Hollow)" in message
    listed = message.split("missing members: ", 1)[1].split(", ")
    assert listed == protocol.missing_members(Hollow(), protocol.Tensor)
    assert {"backward", "grad_fn", "register_hook", "requires_grad"} <= set(listed)
    assert "shape" not in listed and "item" not in listed


def test_unknown_capabilities(registry, fakes):
    plugin = fakes.FakePlugin("dreamer", capabilities={"create_graph", "teleport", "time_travel"})
    gradspec.register_plugin("dreamer", plugin)
    with pytest.raises(InvalidBackendError) as info:
        gradspec.load_backend("dreamer")
    message = str(info.value)
    assert "['teleport', 'time_travel']" in message
    for known in protocol.CAPABILITIES:
        assert known in message


def test_create_returning_none(registry):
    gradspec.register_plugin("nothing", _ReturnsPlugin(lambda: None))
    with pytest.raises(InvalidBackendError, match="'nothing' returned no backend"):
        gradspec.load_backend("nothing")


def test_unavailable_backend_gives_its_reason(registry, fakes):
    reason = "needs the flux library: pip install flux"
    plugin = fakes.FakePlugin("flux", available=(False, reason))
    gradspec.register_plugin("flux", plugin)
    with pytest.raises(BackendUnavailableError) as info:
        gradspec.load_backend("flux")
    assert "'flux'" in str(info.value) and reason in str(info.value)
    assert plugin.created == []  # never built
    assert plugins.availability("flux") == (False, reason)
    row = _row("flux")
    assert not row.available and row.reason == reason


# ------------------------------------------------------------------------------ loading
def test_load_backend_builds_once_per_options(registry, fakes):
    plugin = fakes.FakePlugin("cachey", options={"scale", "mode"})
    gradspec.register_plugin("cachey", plugin)
    plain = gradspec.load_backend("cachey")
    assert gradspec.load_backend("cachey") is plain
    scaled = gradspec.load_backend("cachey", scale=2, mode="fast")
    assert scaled is not plain
    assert gradspec.load_backend("cachey", mode="fast", scale="2") is scaled  # options are strings
    assert plugin.created == [{}, {"scale": "2", "mode": "fast"}]
    assert scaled.options == {"scale": "2", "mode": "fast"}


def test_unknown_option_is_a_clear_error_and_is_not_cached(registry, fakes):
    plugin = fakes.FakePlugin("picky", options={"scale"})
    gradspec.register_plugin("picky", plugin)
    with pytest.raises(ValueError, match=r"unknown option\(s\) for backend 'picky': \['colour'\]"):
        gradspec.load_backend("picky", colour="red")
    assert gradspec.load_backend("picky", scale="1").options == {"scale": "1"}


@pytest.mark.parametrize("name, known", [
    ("numpy", "takes no options"), ("strict", "takes no options"), ("torch", "known: device")])
def test_our_backends_reject_unknown_options(registry, name, known):
    ok, why = plugins.availability(name)
    if not ok:
        pytest.skip(f"backend {name!r} unavailable: {why}")
    with pytest.raises(ValueError) as info:
        gradspec.load_backend(name, flavour="vanilla")
    assert "flavour" in str(info.value) and known in str(info.value)


def test_default_backend_comes_from_the_environment(registry, fakes, monkeypatch):
    gradspec.register_plugin("envy", fakes.FakePlugin("envy"))
    monkeypatch.setenv("GRADSPEC_BACKEND", "envy")
    assert gradspec.load_backend().name == "envy"
    monkeypatch.delenv("GRADSPEC_BACKEND")
    assert gradspec.load_backend() is gradspec.load_backend("numpy")


def test_known_failures_come_from_the_plugin(registry, fakes):
    known = {"test_leaf.py::test_*": "bug 12", "test_ops.py::test_first_order[exp]": "bug 13"}
    gradspec.register_plugin("buggy", fakes.FakePlugin("buggy", known_failures=known))
    backend = gradspec.load_backend("buggy")
    assert plugins.known_failures("buggy", backend) == known
    assert plugins.known_failures("numpy", gradspec.load_backend("numpy")) == {}


# ------------------------------------------------------------------------------ register/unregister
class _FreshNumpy:
    """A plugin building its own numpy engine, so its tensors have a class of their own."""

    @hookimpl
    def gradspec_backend_describe(self):
        return {"summary": "a private numpy engine", "device": "cpu"}

    @hookimpl
    def gradspec_backend_create(self, options):
        from gradspec.backends.numpy import build

        return build()


def test_register_and_unregister_plugin(registry):
    gradspec.register_plugin("private", _FreshNumpy(), distribution="mylab", version="0.3")
    row = _row("private")
    assert (row.distribution, row.version, row.available, row.summary) == (
        "mylab", "0.3", True, "a private numpy engine")
    backend = gradspec.load_backend("private")
    t = backend.tensor([1.0, 2.0])
    assert gradspec.backend_of(t) is backend
    assert gradspec.backend_of(t) is not gradspec.load_backend("numpy")

    gradspec.unregister_plugin("private")
    assert "private" not in {r.name for r in gradspec.list_backends()}
    with pytest.raises(UnknownBackendError):
        gradspec.load_backend("private")
    with pytest.raises(TypeError, match="not a tensor of any loaded gradspec backend"):
        gradspec.backend_of(t)
    assert plugins._pm.get_plugin("private") is None
    gradspec.unregister_plugin("private")  # forgetting twice is harmless


def test_registering_a_name_again_replaces_the_plugin(registry, fakes):
    gradspec.register_plugin("again", fakes.FakePlugin("again", base="numpy"))
    assert gradspec.load_backend("again").xp is gradspec.load_backend("numpy").xp
    gradspec.register_plugin("again", fakes.FakePlugin("again", base="strict"))
    assert gradspec.load_backend("again").xp is gradspec.load_backend("strict").xp


def test_unregistering_a_wrapper_keeps_backend_of_for_the_wrapped_backend(registry, fakes):
    numpy_backend = gradspec.load_backend("numpy")
    gradspec.register_plugin("wrapper", fakes.FakePlugin("wrapper"))
    gradspec.load_backend("wrapper")
    gradspec.unregister_plugin("wrapper")
    assert gradspec.backend_of(numpy_backend.tensor([1.0])) is numpy_backend


# ------------------------------------------------------------------------------ backend_of
def test_backend_of_finds_the_loaded_backend(registry):
    numpy_backend = gradspec.load_backend("numpy")
    t = numpy_backend.tensor([1.0], requires_grad=True)
    assert gradspec.backend_of(t) is numpy_backend
    assert gradspec.backend_of(t * 2) is numpy_backend

    class Sub(numpy_backend.Tensor):  # a subclass is found through isinstance
        __slots__ = ()

    assert gradspec.backend_of(Sub([1.0, 2.0])) is numpy_backend


def test_backend_of_torch_tensors(registry, torch_backend):
    assert gradspec.backend_of(torch_backend.tensor([1.0])) is torch_backend


@pytest.mark.parametrize("value", [[1.0, 2.0], np.ones(2), 3.0], ids=["list", "ndarray", "float"])
def test_backend_of_anything_else_is_a_type_error(registry, value):
    gradspec.load_backend("numpy")
    with pytest.raises(TypeError) as info:
        gradspec.backend_of(value)
    assert type(value).__name__ in str(info.value) and "load_backend" in str(info.value)


# ------------------------------------------------------------------------------ listing
def test_list_backends_shows_our_backends(registry, own_backends):
    rows = {r.name: r for r in gradspec.list_backends()}
    assert own_backends <= set(rows)
    for name in own_backends:
        row = rows[name]
        assert row.distribution == "gradspec" and row.version == gradspec.__version__
        assert row.device in ("cpu", "cuda") and row.summary
        assert row.available or row.reason, f"{name} is unavailable without a reason"
    assert rows["numpy"].available


def test_registry_errors_share_one_base():
    for cls in (UnknownBackendError, DuplicateBackendError, BackendUnavailableError,
                InvalidBackendError):
        assert issubclass(cls, BackendError)
        assert not issubclass(cls, RuntimeError)  # not autograd error kinds
