"""`gradspec exec` and its Python API (gradspec.as_torch, gradspec.run_script): a script runs as
`python script.py` would, with `import torch` giving a backend's surface, and nothing leaks."""

from __future__ import annotations

import builtins
import sys
import textwrap

import pytest

import gradspec
from gradspec.cli import main
from support import load_or_skip


def _script(tmp_path, body: str, name: str = "script.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def test_script_sees_what_python_gives_it(tmp_path, capsys):
    path = _script(tmp_path, """
        import sys
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        from torch import optim
        from torch.utils.data import DataLoader, TensorDataset
        print(__name__, __file__ == sys.argv[0], sys.argv[1:])
        print(torch.name, nn.Linear(2, 1).weight.shape, F.relu(torch.tensor([-1.0, 2.0])))
        print(optim.SGD.__name__, len(DataLoader(TensorDataset(torch.ones(4)), batch_size=2)))
        print(sys.path[0] == __import__("os").path.dirname(__file__))
    """)
    rc = main(["exec", "-b", "strict", str(path), "--lr", "0.1", "-x"])
    out = capsys.readouterr().out.splitlines()
    assert rc == 0
    assert out[0] == "__main__ True ['--lr', '0.1', '-x']"
    assert out[1] == "strict torch.Size([1, 2]) tensor([0., 2.])"
    assert out[2:] == ["SGD 2", "True"]


def test_exit_codes_are_pythons(tmp_path, capsys):
    assert main(["exec", str(_script(tmp_path, "import sys; sys.exit(3)"))]) == 3
    assert main(["exec", str(_script(tmp_path, "import sys; sys.exit()"))]) == 0
    assert main(["exec", str(_script(tmp_path, "raise SystemExit('bye')"))]) == 1
    assert capsys.readouterr().err.strip() == "bye"


def test_an_exception_prints_the_scripts_traceback(tmp_path, capsys):
    path = _script(tmp_path, """
        import torch

        def f():
            return torch.ones(2).item()

        f()
    """)
    assert main(["exec", "-b", "numpy", str(path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0] == "Traceback (most recent call last):"
    assert err[1] == f'  File "{path}", line 7, in <module>'  # no gradspec or runpy frames
    assert err[-1].startswith("RuntimeError: a Tensor with 2 elements")


@pytest.mark.parametrize("statement,error,names", [
    ("import torch.distributed", "ModuleNotFoundError", "torch.distributed"),
    ("from torch import fft", "ImportError", "torch.fft"),
    ("import torch.nn as nn; nn.Conv9d", "AttributeError", "torch.nn.Conv9d"),
    ("from torch.nn import Lineaar", "ImportError", "torch.nn.Lineaar"),
    ("import torch; torch.stft", "AttributeError", "torch.stft"),
])
def test_a_name_outside_the_surface_names_itself_and_the_backend(tmp_path, capsys, statement,
                                                                 error, names):
    assert main(["exec", "-b", "numpy", str(_script(tmp_path, statement))]) == 1
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith(error + ":") and names in last and "backend 'numpy'" in last


def test_command_line_mistakes_are_one_line_errors(tmp_path, capsys):
    assert main(["exec", str(tmp_path / "missing.py")]) == 2
    assert capsys.readouterr().err.startswith("gradspec: error: can't open file")
    script = str(_script(tmp_path, "pass"))
    assert main(["exec", "-b", "nonesuch", script]) == 2
    assert "no backend named 'nonesuch'" in capsys.readouterr().err
    assert main(["exec", "-b", "numpy", "-o", "bogus=1", script]) == 2
    assert "cannot load backend 'numpy'" in capsys.readouterr().err
    assert main(["exec", "-o", "novalue", script]) == 2
    assert "not KEY=VALUE" in capsys.readouterr().err


def test_help(capsys):
    assert main(["exec", "--help"]) == 0
    assert "import torch" in capsys.readouterr().out


def test_options_reach_the_backend(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    load_or_skip("torch")
    path = _script(tmp_path, "import torch; print(torch.fft.__name__)")
    assert main(["exec", "-b", "torch", "-o", "passthrough=1", str(path)]) == 0
    assert capsys.readouterr().out.strip() == torch.fft.__name__


# ---------------------------------------------------------------------------- the Python API
def test_as_torch_is_scoped_and_restores_everything(tmp_path):
    numpy = load_or_skip("numpy")
    (tmp_path / "helper_mod.py").write_text("import torch\nBACKEND = torch.name\n")
    sys.path.insert(0, str(tmp_path))
    try:
        before_import, before_modules = builtins.__import__, set(sys.modules)
        with gradspec.as_torch("numpy") as torch:
            import torch as inner
            import helper_mod

            assert inner is torch is numpy and helper_mod.BACKEND == "numpy"
            with gradspec.as_torch("strict"):
                import torch as nested

                assert nested.name == "strict"
            import torch as again

            assert again is numpy
        assert builtins.__import__ is before_import
        assert "helper_mod" not in sys.modules and "helper_mod" not in before_modules
        with gradspec.as_torch("strict"):
            import helper_mod

            assert helper_mod.BACKEND == "strict"  # imported afresh for the new backend
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("helper_mod", None)


def test_libraries_and_pytorch_itself_keep_the_real_modules():
    real = pytest.importorskip("torch")
    backend = load_or_skip("torch")
    with gradspec.as_torch(backend):
        import torch

        assert torch is backend
        torch.manual_seed(0)  # real torch's manual_seed imports torch.cuda inside: still real
        import pickle

        t = pickle.loads(pickle.dumps(torch.ones(2)))  # pickle imports torch._utils: real
        assert isinstance(t, real.Tensor)
        assert sys.modules["torch"] is real


def test_run_script_returns_globals_and_restores_argv_and_path(tmp_path):
    path = _script(tmp_path, "import sys, torch\nseen = list(sys.argv)\nx = torch.ones(2)\n")
    argv, syspath = list(sys.argv), list(sys.path)
    namespace = gradspec.run_script(path, ["a", "b"], backend="strict")
    assert namespace["seen"] == [str(path), "a", "b"] and namespace["__name__"] == "__main__"
    assert isinstance(namespace["x"], load_or_skip("strict").Tensor)
    assert sys.argv == argv and sys.path == syspath
    with pytest.raises(FileNotFoundError):
        gradspec.run_script(tmp_path / "nope.py")


def test_star_import(tmp_path):
    namespace = gradspec.run_script(_script(tmp_path, "from torch import *\ny = zeros(2)\n"),
                                    backend="numpy")
    assert namespace["y"].tolist() == [0.0, 0.0] and "nn" in namespace


def test_import_module_of_the_users_code_resolves_as_its_import_statements(tmp_path):
    numpy = load_or_skip("numpy")
    import importlib

    original = importlib.import_module
    body = ("import importlib\nfrom importlib import import_module\n"
            "nn = importlib.import_module('torch.nn')\n"
            "optim = import_module('torch.optim')\ntop = import_module('torch')\n"
            "import json\nother = import_module('json')\n"
            "try:\n    import_module('torch.nope')\nexcept ModuleNotFoundError as e:\n"
            "    missing = str(e)\n")
    namespace = gradspec.run_script(_script(tmp_path, body), backend="numpy")
    assert namespace["nn"] is numpy.nn and namespace["optim"] is numpy.optim
    assert namespace["top"] is numpy and namespace["other"] is namespace["json"]
    assert "torch.nope" in namespace["missing"]
    assert importlib.import_module is original  # restored after the script
    real = pytest.importorskip("torch")
    import sysconfig

    library = {"__name__": "somelib", "importlib": importlib,
               "__file__": f"{sysconfig.get_paths()['purelib']}/somelib/__init__.py"}
    with gradspec.as_torch(numpy):
        # a library's call (its file is in site-packages) keeps the real module
        assert eval("importlib.import_module('torch.nn')", library) is real.nn
        assert eval("importlib.import_module('torch.nn')", {"importlib": importlib,
                                                            "__name__": "mine"}) is numpy.nn
