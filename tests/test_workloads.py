"""gradspec.workloads: the registry, the seeds' data, results, determinism and the plots.

How well each backend trains them is the conformance suite's business (test_workloads.py there);
this file checks our own machinery on the numpy backend.
"""

from __future__ import annotations

import json
import math
import sys

import gradspec
import numpy as np
import pytest
from gradspec import workloads
from gradspec.workloads import linefit, logreg, plotting, quadratic


@pytest.fixture(scope="module")
def numpy_backend():
    return gradspec.load_backend("numpy")


# the nn workloads run a few iterations here; tests/test_workloads_nn.py trains them fully
SHORT = {"cnn": 10, "transformer": 10}


@pytest.fixture(scope="module")
def results(numpy_backend):
    return {name: workloads.run(name, numpy_backend, iterations=SHORT.get(name))
            for name in workloads.names()}


# ------------------------------------------------------------------------------ registry
def test_registry_names_the_seeds_workloads():
    assert workloads.names() == ["logreg", "linefit", "quadratic", "jacobian", "cnn",
                                 "transformer"]
    assert workloads.get("logreg").iterations == 1000
    assert workloads.get("jacobian").iterations is None


def test_unknown_workload_suggests_a_name():
    with pytest.raises(workloads.UnknownWorkloadError, match=r"did you mean 'logreg'\?.*linefit"):
        workloads.get("logreq")


@pytest.mark.parametrize("bad", [0, -3, 2.5, True])
def test_bad_iteration_limits(numpy_backend, bad):
    with pytest.raises(ValueError, match="positive integer"):
        workloads.run("logreg", numpy_backend, iterations=bad)


def test_jacobian_takes_no_iteration_limit(numpy_backend):
    with pytest.raises(ValueError, match="exactly two backward passes"):
        workloads.run("jacobian", numpy_backend, iterations=5)


# ------------------------------------------------------------------------------ the seeds' data
def test_logreg_data_as_the_tutorial_sets_it_up():
    data = logreg.make_data()
    assert data["x"].shape == (200, 2) and data["x"].dtype == np.float32
    assert data["y"].tolist() == [0.0] * 100 + [1.0] * 100
    # N(1.7, 1) + 1 and N(-1.7, 1) + 1
    np.testing.assert_allclose(data["x0"].mean(axis=0), [2.7, 2.7], atol=0.25)
    np.testing.assert_allclose(data["x1"].mean(axis=0), [-0.7, -0.7], atol=0.25)
    np.testing.assert_allclose(data["x0"].std(axis=0), [1.0, 1.0], atol=0.2)
    bound = 1 / math.sqrt(2)
    assert np.all(np.abs(data["weight"]) <= bound) and np.all(np.abs(data["bias"]) <= bound)
    again = logreg.make_data()
    assert all(np.array_equal(data[k], again[k]) for k in data)


def test_quadratic_baseline_first_step_by_hand():
    data = quadratic.make_data()
    history, _ = quadratic.numpy_baseline(data, 1)
    x2 = data["x"].astype(np.float64) ** 2
    y = data["y"].astype(np.float64)
    w0 = float(data["w0"][0, 0])
    residual = x2 * w0 - y
    assert history[0, 0] == pytest.approx(w0 - quadratic.LR * float((residual * x2).sum()))
    assert history[0, 1] == pytest.approx(-quadratic.LR * float(residual.sum()))
    assert history[0, 2] == pytest.approx(float((0.5 * residual ** 2).sum()))


def test_linefit_data_follows_the_line():
    data = linefit.make_data()
    slope, intercept = np.polyfit(data["x"], data["y"], 1)
    assert slope == pytest.approx(2.5, abs=0.05) and intercept == pytest.approx(1.0, abs=2.0)


# ------------------------------------------------------------------------------ results
def test_logreg_result(results):
    r = results["logreg"]
    assert r.workload == "logreg" and r.backend == "numpy" and r.device == "cpu"
    assert r.accuracy >= 0.99 and r.iterations == len(r.losses)
    assert r.stop_reason.startswith("accuracy") and r.seconds > 0
    assert [c.iteration for c in r.checkpoints] == list(range(0, r.iterations, 20))
    assert set(r.parameters) == {"features.weight", "features.bias"}
    assert r.final_loss == r.losses[-1] < r.losses[0]


def test_logreg_is_deterministic(numpy_backend, results):
    again = workloads.run("logreg", numpy_backend)
    assert again.losses == results["logreg"].losses
    assert again.parameters == results["logreg"].parameters


def test_logreg_agrees_across_backends(results):
    for name in ("strict", "torch"):
        ok, why = gradspec.plugins.availability(name)
        if not ok:
            continue
        other = workloads.run("logreg", gradspec.load_backend(name))
        assert other.iterations == results["logreg"].iterations, name
        for key, value in results["logreg"].parameters.items():
            np.testing.assert_allclose(other.parameters[key], value, atol=1e-4)


def test_iteration_limit_and_progress(numpy_backend):
    seen = []
    r = workloads.run("logreg", numpy_backend, iterations=5,
                      progress=lambda done, total: seen.append((done, total)))
    assert r.iterations == 5 and len(r.losses) == 5
    assert r.stop_reason == "reached the iteration limit (5)"
    assert seen == [(i, 5) for i in range(1, 6)]


def test_other_results(results):
    assert results["jacobian"].parameters == {"jacobian": [[4.0, 3.0], [2.0, 6.0]]}
    q = results["quadratic"]
    assert q.metrics["max_deviation_w"] < 1e-4 and q.iterations == 800
    line = results["linefit"]
    assert abs(line.metrics["best_a"] - 2.5) < 0.05 and line.iterations == 1000


def test_result_json(results, tmp_path):
    r = results["logreg"]
    path = r.write_json(tmp_path / "r.json")
    doc = json.loads(path.read_text())
    assert doc["workload"] == "logreg" and doc["accuracy"] == r.accuracy
    assert doc["losses"] == r.losses and doc["parameters"] == r.parameters
    assert doc["checkpoints"][0]["iteration"] == 0 and "data" not in doc
    for result in results.values():
        json.dumps(result.to_dict())  # every workload's result is JSON-ready
        assert set(result.summary()) >= {"accuracy", "iterations", "final_loss", "seconds",
                                         "parameters"}


# ------------------------------------------------------------------------------ plots
def _image(path):
    image = pytest.importorskip("matplotlib.image")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 10_000
    return image.imread(path)[..., :3]


def _share(pixels: np.ndarray, rgb: tuple[float, float, float], tol: float = 0.08) -> float:
    return float(np.mean(np.all(np.abs(pixels - np.array(rgb)) < tol, axis=-1)))


TAB_RED, TAB_BLUE, TAB_GREEN = (0.839, 0.153, 0.157), (0.122, 0.467, 0.706), (0.173, 0.627, 0.173)


def test_logreg_plots(results, tmp_path):
    pytest.importorskip("matplotlib")
    paths = workloads.get("logreg").plot(results["logreg"], tmp_path / "plots")
    assert [p.name for p in paths] == ["logreg_checkpoints.png", "logreg_final.png",
                                       "logreg_curve.png"]
    checkpoints, final, curve = (_image(p) for p in paths)
    assert final.shape == (600, 640, 3)
    assert checkpoints.shape[1] > 3 * checkpoints.shape[0]  # panels side by side
    for img in (checkpoints, final):  # red class 0, blue class 1, the green boundary
        assert _share(img, (1, 0, 0)) > 0.002 and _share(img, (0, 0, 1)) > 0.002
        assert _share(img, TAB_GREEN) > 0.0005
    assert _share(curve, TAB_RED) > 0.001 and _share(curve, TAB_BLUE) > 0.001


def test_linefit_and_quadratic_plots(results, tmp_path):
    pytest.importorskip("matplotlib")
    line = workloads.get("linefit").plot(results["linefit"], tmp_path)
    quad = workloads.get("quadratic").plot(results["quadratic"], tmp_path)
    assert [p.name for p in line + quad] == ["linefit_fit.png", "linefit_loss.png",
                                             "quadratic_fit.png", "quadratic_loss.png"]
    fit = _image(quad[0])
    assert _share(fit, (0, 0, 1)) > 0.002 and _share(fit, (1, 0, 0)) > 0.001
    assert _share(_image(line[0]), (1, 0, 0)) > 0.001
    assert _share(_image(line[1]), TAB_RED) > 0.001
    assert workloads.get("jacobian").plot(results["jacobian"], tmp_path) == []


def test_plots_without_matplotlib_say_how_to_install(results, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(plotting.PlottingUnavailableError, match=r"pip install 'gradspec\[plot\]'"):
        workloads.get("logreg").plot(results["logreg"], tmp_path)
