"""WORKLOAD: the tutorials' workloads (gradspec.workloads) trained on the backend under test.

The logistic regression is the model the user's card asks for on every backend: it must reach
the tutorial's accuracy and agree with the torch backend's run of the same workload (same data,
same initial parameters).  The line fit, the quadratic fit and the Jacobian lesson are run as
the workloads the ``gradspec run`` command runs, under the SEED clauses they illustrate.  Each
run's metrics go into the conformance report.
"""

import numpy as np
import pytest
from gradspec import load_backend, nn, plugins, workloads
from gradspec.conformance.helpers import assert_close
from gradspec.workloads import logreg

PARAMETER_ATOL = 1e-4


@pytest.fixture(scope="module")
def logreg_run(backend):
    return workloads.run("logreg", backend)


@pytest.fixture(scope="session")
def torch_logreg_run():
    ok, why = plugins.availability("torch")
    if not ok:
        pytest.skip(f"the torch backend is the reference and is not available: {why}")
    return workloads.run("logreg", load_backend("torch"))


@pytest.mark.clause("WORKLOAD-1")
def test_logreg_reaches_the_tutorials_accuracy(backend, logreg_run, record_workload):
    result = logreg_run
    record_workload("logreg", result.summary())
    assert result.accuracy >= 0.99
    assert result.iterations <= logreg.MAX_ITERATIONS
    # it stopped by the tutorial's rule: the last accuracy measured exceeded 0.99
    assert result.checkpoints[-1].accuracy > logreg.TARGET_ACCURACY
    assert all(c.accuracy <= logreg.TARGET_ACCURACY for c in result.checkpoints[:-1])
    assert result.losses[-1] < result.losses[0] / 5


@pytest.mark.clause("WORKLOAD-1")
def test_logreg_agrees_with_torch(backend, logreg_run, torch_logreg_run):
    ours, ref = logreg_run, torch_logreg_run
    assert ours.iterations == ref.iterations
    assert [c.accuracy for c in ours.checkpoints] == [c.accuracy for c in ref.checkpoints]
    assert ours.accuracy == ref.accuracy
    for name, value in ref.parameters.items():
        assert_close(ours.parameters[name], value, rtol=0, atol=PARAMETER_ATOL)
    assert_close(ours.losses, ref.losses, rtol=1e-4, atol=1e-6)


@pytest.mark.clause("WORKLOAD-1")
def test_logreg_first_gradient_is_the_closed_form(backend):
    # BCE after a sigmoid has the gradient dW = (p - y)^T X / N, db = mean(p - y).
    data = logreg.make_data()
    model = logreg.build_model(backend, data)
    x, y = backend.tensor(data["x"]), backend.tensor(data["y"])
    loss = nn.BCELoss()(model(x).squeeze(), y)
    loss.backward()
    X = data["x"].astype(np.float64)
    p = 1 / (1 + np.exp(-(X @ data["weight"].T.astype(np.float64) + data["bias"])))[:, 0]
    residual = p - data["y"]
    assert_close(model.features.weight.grad, (residual @ X / len(X))[None, :], atol=1e-6)
    assert_close(model.features.bias.grad, [residual.mean()], atol=1e-6)
    assert model.features.weight.is_leaf and model.features.weight.grad_fn is None


@pytest.mark.clause("SEED-3")
def test_quadratic_workload_follows_the_hand_written_gradient(backend, record_workload):
    result = workloads.run("quadratic", backend)
    record_workload("quadratic", result.summary())
    m = result.metrics
    assert m["max_deviation_w"] < 1e-4 and m["max_deviation_b"] < 1e-4
    assert m["max_relative_deviation_loss"] < 1e-4
    w, b = result.parameters["w"][0][0], result.parameters["b"][0][0]
    assert abs(w - 3.0) < 0.1 and abs(b - 2.1) < 0.1


@pytest.mark.clause("SEED-3", "ACC-1")
def test_linefit_workload_finds_the_line(backend, record_workload):
    result = workloads.run("linefit", backend)
    record_workload("linefit", result.summary())
    m = result.metrics
    assert abs(m["best_a"] - 2.5) < 0.05
    assert m["best_loss"] < result.losses[0] / 1000
    # the tutorial never zeroes the gradients; the growing step overshoots late in training
    assert result.losses[-1] > 10 * m["best_loss"]


@pytest.mark.clause("SEED-2")
def test_jacobian_workload(backend, record_workload):
    result = workloads.run("jacobian", backend)
    record_workload("jacobian", result.summary())
    assert result.parameters["jacobian"] == [[4.0, 3.0], [2.0, 6.0]]
    assert result.metrics["vjp_with_ones"] == [[6.0, 9.0]]
    assert result.metrics["y"] == [[13.0, 13.0]]


# ------------------------------------------------------------------ nnlib: cnn, transformer
# Iterations checked (the workloads' own defaults are 150 and 100): enough for the loss to
# fall clearly, few enough to keep the suite quick on every backend.
NN_ITERATIONS = {"cnn": 30, "transformer": 25}
NN_LOSS_RTOL = 1e-3


def _run_nn(name, backend):
    from gradspec.errors import OpNotSupportedError
    from gradspec.conformance.helpers import unsupported

    try:
        return workloads.run(name, backend, iterations=NN_ITERATIONS[name])
    except OpNotSupportedError as exc:
        unsupported(f"workload {name} needs an optional op: {exc}")


@pytest.fixture(scope="session")
def torch_nn_runs():
    ok, why = plugins.availability("torch")
    if not ok:
        pytest.skip(f"the torch backend is the reference and is not available: {why}")
    torch = load_backend("torch")
    return {name: workloads.run(name, torch, iterations=n) for name, n in NN_ITERATIONS.items()}


@pytest.mark.clause("WORKLOAD-2")
@pytest.mark.parametrize("name", list(NN_ITERATIONS))
def test_nn_workload_learns_and_follows_pytorch(backend, name, torch_nn_runs, record_workload):
    ours, ref = _run_nn(name, backend), torch_nn_runs[name]
    record_workload(name, ours.summary())
    assert ours.iterations == ref.iterations == NN_ITERATIONS[name]
    # it learns: the loss falls (averaged over 5 noisy mini-batches), the held-out accuracy
    # reaches twice chance (1/4 for the CNN's shapes, 1/10 for the transformer's tokens)
    assert sum(ours.losses[-5:]) < 0.75 * sum(ours.losses[:5])
    assert ours.accuracy >= 0.5
    assert_close(ours.losses, ref.losses, rtol=NN_LOSS_RTOL, atol=1e-6)
    assert abs(ours.accuracy - ref.accuracy) <= 2 / 256  # a borderline example or two at most
