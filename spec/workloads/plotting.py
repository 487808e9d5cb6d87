"""The workloads' pictures, drawn the way the tutorials draw them (matplotlib, PNG files).

matplotlib is an optional dependency (``pip install 'gradspec[plot]'``) imported only here, and
only when a plot is asked for.  Figures are built with ``matplotlib.figure.Figure`` and written
by the Agg renderer, so no window opens and pyplot's global state is never touched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .result import Checkpoint, WorkloadResult

PLOT_EXTRA_HINT = "plots need matplotlib: pip install 'gradspec[plot]'"
DPI = 100


class PlottingUnavailableError(ImportError):
    pass


def require_matplotlib() -> None:
    """Raise `PlottingUnavailableError`, naming the install command, without matplotlib."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise PlottingUnavailableError(PLOT_EXTRA_HINT) from None


def _figure(width: float, height: float) -> Any:
    require_matplotlib()
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def _save(fig: Any, directory: Path, name: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    fig.savefig(path, format="png")
    return path


# ------------------------------------------------------------------------------- logreg
def _boundary(ax: Any, result: WorkloadResult, params: dict[str, Any], title: str,
              loss: float | None) -> None:
    """One panel as the tutorial draws it: red class 0, blue class 1, the line w.x + b = 0."""
    x0, x1 = result.data["x0"], result.data["x1"]
    ax.scatter(x0[:, 0], x0[:, 1], c="r", s=12, label="class 0")
    ax.scatter(x1[:, 0], x1[:, 1], c="b", s=12, label="class 1")
    (w0, w1), = params["features.weight"]
    b = params["features.bias"][0]
    plot_x = np.arange(-6, 6, 0.1)
    if w1 != 0:
        ax.plot(plot_x, (-w0 * plot_x - b) / w1, color="tab:green", label="decision boundary")
    elif w0 != 0:
        ax.axvline(-b / w0, color="tab:green", label="decision boundary")
    ax.set_xlim(-5, 7)
    ax.set_ylim(-7, 7)
    if loss is not None:
        ax.text(-4.7, 5.5, f"Loss={loss:.4f}", fontdict={"size": 14, "color": "red"})
    ax.set_title(title, fontsize=10)
    ax.legend(loc="lower left", fontsize=8)  # the corner the boundary and the classes leave free


def _panel_title(iteration: int, params: dict[str, Any], accuracy: float | None) -> str:
    (w0, w1), = params["features.weight"]
    b = params["features.bias"][0]
    acc = "" if accuracy is None else f" accuracy:{accuracy:.2%}"
    return f"Iteration: {iteration}\nw0:{w0:.2f} w1:{w1:.2f} b: {b:.2f}{acc}"


def _spread(checkpoints: list[Checkpoint], count: int) -> list[Checkpoint]:
    """Up to ``count`` checkpoints, evenly spaced, always the first and the last."""
    if len(checkpoints) <= count:
        return list(checkpoints)
    picks = np.linspace(0, len(checkpoints) - 1, count).round().astype(int)
    return [checkpoints[i] for i in sorted(set(picks.tolist()))]


def logreg_figures(result: WorkloadResult, directory: Path) -> list[Path]:
    """``logreg_checkpoints.png`` (the boundary at a few checkpoints), ``logreg_final.png``
    (the trained boundary) and ``logreg_curve.png`` (loss and accuracy against iterations).
    The boundaries need two features and the points (a dataset of more features, trained on
    Dask, gets the curve only)."""
    paths = []
    if "x0" in result.data:
        paths += _logreg_boundaries(result, directory)
    paths.append(_logreg_curve(result, directory))
    return paths


def _logreg_boundaries(result: WorkloadResult, directory: Path) -> list[Path]:
    paths = []
    shown = _spread(result.checkpoints, 4)
    fig = _figure(4.2 * len(shown), 4.4)
    axes = np.atleast_1d(fig.subplots(1, len(shown)))
    for ax, cp in zip(axes, shown):
        _boundary(ax, result, cp.parameters, _panel_title(cp.iteration, cp.parameters, cp.accuracy),
                  cp.loss)
    fig.suptitle(f"logistic regression on {result.backend}: checkpoints")
    paths.append(_save(fig, directory, "logreg_checkpoints.png"))

    fig = _figure(6.4, 6.0)
    ax = fig.subplots()
    (w0, w1), = result.parameters["features.weight"]
    b = result.parameters["features.bias"][0]
    title = (f"{result.backend}: trained for {result.iterations} iterations\n"
             f"w0:{w0:.2f} w1:{w1:.2f} b: {b:.2f} accuracy:{result.accuracy:.2%}")
    _boundary(ax, result, result.parameters, title, result.final_loss)
    paths.append(_save(fig, directory, "logreg_final.png"))
    return paths


def _logreg_curve(result: WorkloadResult, directory: Path) -> Path:
    fig = _figure(7.0, 4.2)
    ax = fig.subplots()
    lines = ax.plot(range(len(result.losses)), result.losses, color="tab:red", label="loss (BCE)")
    ax.set_xlabel("iteration")
    ax.set_ylabel("loss", color="tab:red")
    acc_ax = ax.twinx()
    lines += acc_ax.plot([c.iteration for c in result.checkpoints],
                         [c.accuracy for c in result.checkpoints], "o-", color="tab:blue",
                         label="accuracy (every 20 iterations)")
    acc_ax.set_ylabel("accuracy", color="tab:blue")
    acc_ax.set_ylim(0, 1.05)
    ax.set_title(f"logistic regression on {result.backend}: {result.stop_reason}", fontsize=10)
    ax.legend(lines, [line.get_label() for line in lines], loc="center right")
    return _save(fig, directory, "logreg_curve.png")


# ------------------------------------------------------------------------------- linefit
def linefit_figures(result: WorkloadResult, directory: Path) -> list[Path]:
    """``linefit_fit.png`` (the noisy points, the true line and the best fit) and
    ``linefit_loss.png`` (the loss per epoch, which climbs again late as the tutorial notes)."""
    data, m = result.data, result.metrics
    fig = _figure(6.4, 4.8)
    ax = fig.subplots()
    ax.scatter(data["x"], data["y"], marker=".", color="r", label="noisy points")
    ax.plot(data["line_x"], data["line_y"], color="0.6",
            label=f"true: y = {m['true_a']}x + {m['true_b']}")
    ax.plot(data["line_x"], m["best_a"] * data["line_x"] + m["best_b"], color="tab:blue",
            label=f"best fit: y = {m['best_a']:.3f}x + {m['best_b']:.3f}")
    ax.set_title(f"line fit on {result.backend} (best loss {m['best_loss']:.3f})")
    ax.legend()
    paths = [_save(fig, directory, "linefit_fit.png")]

    fig = _figure(6.4, 4.2)
    ax = fig.subplots()
    ax.plot(range(len(result.losses)), result.losses, color="tab:red")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (log scale)")
    ax.set_title(f"line fit on {result.backend}: loss per epoch")
    paths.append(_save(fig, directory, "linefit_loss.png"))
    return paths


# ------------------------------------------------------------------------------- quadratic
def quadratic_figures(result: WorkloadResult, directory: Path) -> list[Path]:
    """``quadratic_fit.png`` (data and fitted curve, the tutorial's axes) and
    ``quadratic_loss.png`` (the backend's loss and the numpy baseline's, per step)."""
    data = result.data
    w = result.parameters["w"][0][0]
    b = result.parameters["b"][0][0]
    fig = _figure(6.4, 4.8)
    ax = fig.subplots()
    ax.plot(data["x"], data["fitted"], "r-", label=f"predict: {w:.3f} x^2 + {b:.3f}")
    ax.scatter(data["x"], data["y"], color="blue", marker="o", s=12, label="true")
    ax.set_xlim(-1, 1)
    ax.set_ylim(2, 6)
    ax.set_title(f"quadratic fit on {result.backend}")
    ax.legend()
    paths = [_save(fig, directory, "quadratic_fit.png")]

    fig = _figure(6.4, 4.2)
    ax = fig.subplots()
    steps = range(len(result.losses))
    ax.plot(steps, data["baseline_losses"], color="0.6", linewidth=4,
            label="baseline: numpy, gradient by hand")
    ax.plot(steps, result.losses, color="tab:red", label=f"backend {result.backend}: autograd")
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("loss (log scale)")
    ax.set_title("quadratic fit: autograd against the hand-written gradient")
    ax.legend()
    paths.append(_save(fig, directory, "quadratic_loss.png"))
    return paths


# ------------------------------------------------------------------------------- cnn, transformer
def _curve(result: WorkloadResult, directory: Path, name: str, title: str,
           accuracy_label: str) -> Path:
    """Loss per iteration (left axis) and the accuracy at each checkpoint (right axis)."""
    fig = _figure(7.0, 4.2)
    ax = fig.subplots()
    lines = ax.plot(range(len(result.losses)), result.losses, color="tab:red",
                    label="loss (cross entropy)")
    ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel("loss (log scale)", color="tab:red")
    acc_ax = ax.twinx()
    lines += acc_ax.plot([c.iteration for c in result.checkpoints],
                         [c.accuracy for c in result.checkpoints], "o-", color="tab:blue",
                         label=accuracy_label)
    acc_ax.set_ylabel("accuracy", color="tab:blue")
    acc_ax.set_ylim(0, 1.05)
    ax.set_title(f"{title} on {result.backend}: {result.stop_reason}", fontsize=10)
    ax.legend(lines, [line.get_label() for line in lines], loc="upper center",
              bbox_to_anchor=(0.5, -0.15), ncol=2)  # below the axes: the curves fill them
    return _save(fig, directory, name)


def cnn_figures(result: WorkloadResult, directory: Path) -> list[Path]:
    """``cnn_curve.png`` (loss and test accuracy), ``cnn_samples.png`` (test images with the
    predicted class, red where wrong) and ``cnn_filters.png`` (the first layer's 3x3 filters)."""
    from .cnn import CLASSES

    paths = [_curve(result, directory, "cnn_curve.png", "small CNN", "test accuracy")]
    data = result.data
    fig = _figure(8.0, 8.4)
    axes = fig.subplots(4, 4)
    for ax, image, label, guess in zip(axes.flat, data["test_x"], data["test_y"],
                                       data["predicted"]):
        ax.imshow(image, cmap="gray")
        ax.set_title(f"{CLASSES[guess]}", color="tab:green" if guess == label else "tab:red",
                     fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(f"test images and the CNN's guesses on {result.backend} (red: wrong)")
    paths.append(_save(fig, directory, "cnn_samples.png"))

    filters = data["filters"]
    fig = _figure(8.0, 1.6)
    axes = np.atleast_1d(fig.subplots(1, len(filters)))
    bound = float(np.abs(filters).max()) or 1.0
    for ax, f in zip(axes, filters):
        ax.imshow(f, cmap="RdBu_r", vmin=-bound, vmax=bound)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("first layer's 3x3 filters after training (red +, blue -)", fontsize=10)
    paths.append(_save(fig, directory, "cnn_filters.png"))
    return paths


def transformer_figures(result: WorkloadResult, directory: Path) -> list[Path]:
    """``transformer_curve.png`` (loss and token accuracy) and ``transformer_attention.png``
    (one test sequence's attention weights, averaged over heads: reversing shows as the
    anti-diagonal)."""
    paths = [_curve(result, directory, "transformer_curve.png", "one-block transformer",
                    "held-out token accuracy")]
    sequence, weights = result.data["sequence"], result.data["attention"]
    fig = _figure(5.6, 5.0)
    ax = fig.subplots()
    shown = ax.imshow(weights, cmap="viridis", vmin=0, vmax=1)
    ticks = range(len(sequence))
    ax.set_xticks(ticks, [str(t) for t in sequence])
    ax.set_yticks(ticks, [str(t) for t in sequence[::-1]])
    ax.set_xlabel("attended token (input position)")
    ax.set_ylabel("output position (the token it should produce)")
    ax.set_title(f"attention weights after training on {result.backend}", fontsize=10)
    fig.colorbar(shown, ax=ax)
    paths.append(_save(fig, directory, "transformer_attention.png"))
    return paths
