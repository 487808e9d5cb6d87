"""bench/: the systems it compares compute the same thing, the table says what the figures say,
the docs render its report.  No timings are asserted (speed is bench/'s output, not a test)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "docs"))

import chain  # noqa: E402
import common  # noqa: E402
import gen  # noqa: E402
import logreg  # noqa: E402
import mlp  # noqa: E402
import run  # noqa: E402


def _seeds_args():
    from gradspec.workloads.logreg import make_data

    data = make_data()
    return data["x"], data["y"], data["weight"], data["bias"]


def test_logreg_floor_follows_gradspec_step_for_step():
    floor, ours = logreg.floor_trainer(*_seeds_args()), logreg.gradspec_trainer(*_seeds_args())
    losses = [(floor().item(), ours().item()) for _ in range(30)]
    np.testing.assert_allclose(*zip(*losses), rtol=1e-5)
    assert losses[-1][0] < losses[0][0]  # it trains


def test_logreg_torch_follows_gradspec():
    pytest.importorskip("torch")
    ref, ours = logreg.torch_trainer(*_seeds_args()), logreg.gradspec_trainer(*_seeds_args())
    for _ in range(30):
        np.testing.assert_allclose(ours().item(), ref().item(), rtol=1e-5)


def test_mlp_systems_take_the_same_steps():
    data = mlp.make_data()
    systems = ["gradspec", "floor"] + (["torch"] if common.have_torch() else [])
    steps = {name: mlp.STEPS[name](data) for name in systems}
    for _ in range(5):
        losses = {name: step() for name, step in steps.items()}
        for name in systems:
            assert losses[name] == pytest.approx(losses["gradspec"], rel=1e-5), name


def test_chain_backward_gives_the_chain_rule_product():
    import gradspec

    torch = gradspec.load_backend("numpy")
    x = torch.tensor([1.0], requires_grad=True)
    phases = chain.chain(x, 100)
    assert set(phases) == {"forward", "backward", "total"}
    assert x.grad.item() == pytest.approx(chain.FACTOR ** 50, rel=1e-5)


def test_round_robin_alternates_and_takes_medians():
    calls = []
    times = iter([3.0, 1.0, 2.0, 5.0, 4.0, 6.0])
    systems = {"a": lambda: calls.append("a") or {"t": next(times)},
               "b": lambda: calls.append("b") or {"t": next(times)}}
    result = common.round_robin(systems, repeats=2, warmup=1)
    assert calls == ["a", "b"] * 3
    assert result == {"a": {"t": 3.0}, "b": {"t": 5.5}}  # warm-up (3, 1) dropped


def test_rows_state_ratio_and_target():
    row = run._row("b", "m", {"gradspec": 0.9, "torch": 1.2, "floor": 0.3}, 2, "torch", 0.8)
    assert row["ratio"] == "0.75x torch" and row["target"] == "<= 0.8x torch"
    assert row["met"] == "yes"
    assert run._row("b", "m", {"gradspec": 1.0, "torch": 1.0}, 2, "torch", 0.8)["met"] == "NO"
    plain = run._row("b", "m", {"gradspec": 1.0, "torch": 2.0}, 2, "torch")
    assert plain["target"] is None and plain["met"] is None and plain["floor"] is None


def test_run_refuses_unknown_benchmarks_in_one_line():
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--only", "nope"],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "unknown benchmark(s) nope" in done.stderr
    assert "Traceback" not in done.stderr


def test_run_help():
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--help"],
                          capture_output=True, text=True)
    assert done.returncode == 0 and "--json" in done.stdout and "--only" in done.stdout


def test_docs_render_a_bench_report_with_its_machine():
    doc = {"title": "t", "date": "2026-01-01", "machine": {"cpu": "X", "cores": 2},
           "threads": {"torch": 2}, "results": [{"benchmark": "b", "target": None, "met": "NO"}]}
    body = gen.bench_block([("numpy", doc)], "numpy")
    assert "**machine**: cpu X, cores 2" in body and "**threads**: torch 2" in body
    # a column with no value is left out; a verdict is a mark, never a raw None
    assert "| **b** | ✘ **not met** |" in body and "None" not in body
    assert "python bench/run.py --json docs/data/bench/other.json" in gen.bench_block([], "other")


def test_the_committed_report_is_one_bench_run_wrote():
    path = ROOT / "docs" / "data" / "bench" / "numpy.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["command"].startswith("python bench/run.py")
    benchmarks = {row["benchmark"].split(",")[0] for row in doc["results"]}
    assert {"per-op: chain of 1", "seeds' logistic regression", "MLP step 784-256-10"} <= benchmarks
    results = (ROOT / "bench" / "RESULTS.md").read_text(encoding="utf-8")
    assert run.markdown(doc["results"]) in results  # RESULTS.md quotes that very run


# ------------------------------------------------------------------------------ nnlib
def test_conv_floor_and_gradspec_compute_the_same_gradients():
    import conv

    for layer in conv.LAYERS:
        data = conv.make_data(layer)
        ours = conv.gradspec_step(data)()
        floor = conv.floor_step(data)()
        for got, want in zip(ours, floor):
            np.testing.assert_allclose(np.asarray(got.tolist()), want, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("module", ["cnn", "transformer"])
def test_nn_step_systems_take_the_same_steps(module):
    import importlib

    bench = importlib.import_module(module)
    systems = [s for s in bench.STEPS if s != "torch" or common.have_torch()]
    data = bench.make_data(4)
    steps = {name: bench.STEPS[name](data) for name in systems}
    for _ in range(4):
        losses = {name: step() for name, step in steps.items()}
        for name in systems:
            assert losses[name] == pytest.approx(losses["gradspec"], rel=1e-5), name


def test_nn_benchmarks_are_in_run_py():
    assert {"conv2d", "cnn", "transformer"} <= set(run.BENCHMARKS)
    plan = run.Plan(quick=True)
    assert all(plan.ticks(name) > 0 for name in ("conv2d", "cnn", "transformer"))


def test_instruction_workloads_run_what_they_name():
    import instructions

    for name in instructions.WORKLOADS:
        result = instructions.workload(name)()
        if name == "chain":  # the chain's unit returns its phase times
            assert set(result) == {"forward", "backward", "total"}
        else:  # a training step returns its loss
            assert float(result) > 0


def test_instructions_refuses_an_unknown_workload(capsys):
    import instructions

    with pytest.raises(SystemExit) as exc:
        instructions.main(["--only", "chain,nope"])
    assert exc.value.code == 2
    assert "unknown workload 'nope'" in capsys.readouterr().err


def test_the_report_a_run_overwrites_does_not_make_the_tree_dirty(tmp_path, monkeypatch):
    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "bench").mkdir()
    (tmp_path / "docs").mkdir()
    report, code = tmp_path / "docs" / "report.json", tmp_path / "bench" / "engine.py"
    report.write_text("{}\n")
    code.write_text("x = 1\n")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "start")
    monkeypatch.setattr(common, "BENCH_DIR", tmp_path / "bench")
    assert common.commit(report)["dirty"] is False
    report.write_text('{"results": []}\n')  # the previous run's report, not committed
    assert common.commit(report)["dirty"] is False
    assert common.commit()["dirty"] is True
    code.write_text("x = 2\n")  # a change to what runs
    assert common.commit(report)["dirty"] is True


def test_mlp_diagnostic_steps_take_the_steps_of_the_full_one():
    data = mlp.make_data()
    steps = {"gradspec": mlp.gradspec_step(data),
             **{name: make(data) for name, make in mlp.DIAGNOSTIC_STEPS.items()}}
    for _ in range(4):
        losses = {name: step() for name, step in steps.items()}
        for name, loss in losses.items():
            assert loss == losses["gradspec"], name  # the same ops in the same order: same bits


def test_instruction_breakdown_splits_the_mlp_excess_by_layer():
    import instructions

    counts = {"mlp": 1300.0, "mlp-functional": 1250.0, "mlp-no-optimizer": 1200.0,
              "mlp-floor": 1000.0}
    lines = instructions.breakdown(counts)
    assert lines[0].startswith("MLP step beyond the floor: 300 instructions (1.300x)")
    assert [line.split()[:2] for line in lines[1:]] == [["50", "17%"], ["50", "17%"],
                                                        ["200", "67%"]]
    assert instructions.breakdown({"mlp": 1300.0, "mlp-floor": 1000.0}) == []


def test_a_baseline_interpreter_runs_the_workers(monkeypatch):
    # --baseline-python: the baseline system's workers run under that interpreter, with its
    # own gradspec (here this one, standing in for another virtual environment's)
    monkeypatch.setattr(common, "ENGINE_SYSTEMS", {})
    common.add_engine_systems(None, sys.executable)
    worker, env, python = common.ENGINE_SYSTEMS["baseline"]
    assert (worker, env, python) == ("gradspec", {}, sys.executable)
    build = common.interpreter_build(sys.executable)
    assert build["core"] in ("compiled", "pure") and build["file"].endswith("__init__.py")
    runs = common.subprocess_rounds(ROOT / "bench" / "mlp.py", ["baseline"], ["--steps", "2"], 1)
    assert runs["baseline"][0]["system"] == "gradspec"
    with pytest.raises(RuntimeError, match="cannot import gradspec"):
        common.interpreter_build(str(ROOT / "no-such-python"))


def test_run_takes_one_kind_of_baseline():
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--baseline", "HEAD",
                           "--baseline-python", sys.executable], capture_output=True, text=True)
    assert done.returncode == 2 and "not both" in done.stderr and "Traceback" not in done.stderr


def test_op_mix_runs_every_op_on_gradspec_and_torch():
    import gradspec
    import op_mix

    backends = [gradspec.load_backend("numpy")]
    if common.have_torch():
        import torch

        backends.append(torch)
    for backend in backends:
        names = op_mix._namespace(backend)
        for ops in op_mix.GROUPS.values():
            for op in ops:  # each statement runs, and records a node (argmax: an index)
                out = eval(op, names)
                first = out[0] if isinstance(out, tuple) else out
                assert first.requires_grad is (op != "x.argmax(1)"), op
        times = op_mix.mix(names)
        assert set(times) == set(op_mix.GROUPS) and all(t > 0 for t in times.values())
    assert "op-mix" in run.BENCHMARKS and run.Plan(quick=True).ticks("op-mix") > 0
