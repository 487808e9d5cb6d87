"""L-BFGS (``torch.optim.LBFGS``): a limited-memory quasi-Newton method driven by a closure,
with an optional strong-Wolfe line search."""

from __future__ import annotations

import functools
import math
from typing import Any, Callable, Iterable, Sequence

from ._functional import sub_scaled_
from .optimizer import Optimizer

__all__ = ["LBFGS"]

_LINE_SEARCHES = (None, "strong_wolfe")


def _value(x: Any) -> float:
    """A Python float from a number or a one-element tensor."""
    return float(x.item()) if hasattr(x, "item") else float(x)


def _dot(a: Any, b: Any) -> Any:
    """The inner product of two flat tensors (a 0-d tensor), as ``torch.dot``."""
    return a.dot(b) if hasattr(a, "dot") else (a * b).sum()


def _root(x: Any) -> Any:
    """The square root of a number or a 0-d tensor (kept a tensor, as torch's search)."""
    return x.sqrt() if hasattr(x, "sqrt") else math.sqrt(x)


def _cubic_minimum(x1: Any, f1: Any, g1: Any, x2: Any, f2: Any, g2: Any,
                   bounds: tuple[Any, Any] | None = None) -> Any:
    """The minimiser of the cubic through ``(x1, f1)`` and ``(x2, f2)`` with slopes ``g1``,
    ``g2``, clamped to ``bounds`` (default: the interval between the two points); the middle of
    the interval when the cubic has no minimum.  The same float operations as torch's line
    search (minFunc's ``polyinterp``), so its steps are torch's."""
    if bounds is None:
        lo, hi = (x1, x2) if x1 <= x2 else (x2, x1)
    else:
        lo, hi = bounds
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    disc = d1 ** 2 - g1 * g2
    if not disc >= 0:
        return (lo + hi) / 2.0
    d2 = _root(disc)
    if x1 <= x2:
        best = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        best = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(best, lo), hi)


class _Point:
    """One trial of the line search: step ``t``, loss ``f``, flat gradient ``g`` and the slope
    along the direction, ``gtd``."""

    __slots__ = ("f", "g", "gtd", "t")

    def __init__(self, t: Any, f: Any, g: Any, gtd: Any) -> None:
        self.t, self.f, self.g, self.gtd = t, f, g, gtd


def _strong_wolfe(evaluate: Callable[[Any], tuple[float, Any]], d: Any, t: Any, f: float,
                  g: Any, gtd: Any, c1: float = 1e-4, c2: float = 0.9,
                  tolerance_change: float = 1e-9,
                  max_ls: int = 25) -> tuple[float, Any, Any, int]:
    """A step along ``d`` satisfying the strong Wolfe conditions (More and Thuente's bracketing
    then zoom, as minFunc's ``WolfeLineSearch`` and torch's ``_strong_wolfe``).  ``evaluate(t)``
    returns the loss and flat gradient at ``x + t d``.  Returns the accepted point's loss,
    gradient and step, and how many evaluations it took."""
    d_norm = d.abs().max()
    start = _Point(0, f, g.clone(), gtd)
    f_new, g_new = evaluate(t)
    evals = 1
    gtd_new = _dot(g_new, d)

    # -- bracketing: grow the step until an interval holds an acceptable point -----------------
    prev = start
    done = False
    ls_iter = 0
    bracket: list[_Point] = []
    while ls_iter < max_ls:
        armijo_fails = f_new > (f + c1 * t * gtd)
        if armijo_fails or (ls_iter > 1 and f_new >= prev.f):
            bracket = [prev, _Point(t, f_new, g_new.clone(), gtd_new)]
            break
        if abs(gtd_new) <= -c2 * gtd:  # strong Wolfe holds at t: accept it
            bracket = [_Point(t, f_new, g_new, gtd_new)]
            done = True
            break
        if gtd_new >= 0:  # the slope turned: a minimum lies between prev and t
            bracket = [prev, _Point(t, f_new, g_new.clone(), gtd_new)]
            break
        # extrapolate: the cubic's minimum, kept between 1.01 t and 10 t (from prev.t)
        lower = t + 0.01 * (t - prev.t)
        upper = t * 10
        step_before = t
        t = _cubic_minimum(prev.t, prev.f, prev.gtd, t, f_new, gtd_new, bounds=(lower, upper))
        prev = _Point(step_before, f_new, g_new.clone(), gtd_new)
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = _dot(g_new, d)
        ls_iter += 1
    if ls_iter == max_ls:  # out of evaluations: the last trial and the start
        bracket = [_Point(0, f, start.g, None), _Point(t, f_new, g_new, None)]

    # -- zoom: shrink the bracket onto a point that satisfies the conditions -------------------
    def order() -> tuple[int, int]:
        return (0, 1) if bracket[0].f <= bracket[-1].f else (1, 0)

    low, high = order()
    stalled = False
    while not done and ls_iter < max_ls:
        if abs(bracket[1].t - bracket[0].t) * d_norm < tolerance_change:
            break  # the bracket is too small to matter
        a, b = bracket
        t = _cubic_minimum(a.t, a.f, a.gtd, b.t, b.f, b.gtd)
        # a trial too close to an end of the bracket moves 10% of its width inside, when the
        # last trial already made too little progress or this one sits on (or past) an end
        top = max(a.t, b.t)
        bottom = min(a.t, b.t)
        margin = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < margin:
            if stalled or t >= top or t <= bottom:
                t = top - margin if abs(t - top) < abs(t - bottom) else bottom + margin
                stalled = False
            else:
                stalled = True
        else:
            stalled = False
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = _dot(g_new, d)
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket[low].f:
            # not enough decrease, or no better than the low end: t becomes the high end
            bracket[high] = _Point(t, f_new, g_new.clone(), gtd_new)
            low, high = order()
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high].t - bracket[low].t) >= 0:
                bracket[high] = bracket[low]  # the old low end becomes the high end
            bracket[low] = _Point(t, f_new, g_new.clone(), gtd_new)
    best = bracket[low]
    return best.f, best.g, best.t, evals


class LBFGS(Optimizer):
    """L-BFGS (Nocedal's limited-memory BFGS, after Schmidt's minFunc), as
    ``torch.optim.LBFGS``.  ``step(closure)`` runs up to ``max_iter`` iterations (``max_eval``
    evaluations of ``closure``, which must clear the gradients, compute the loss, call
    ``backward()`` and return the loss):

        d = -H g   (two-loop recursion over the last ``history_size`` pairs (s, y), with
                    the initial inverse Hessian y.s / y.y)
        p = p + t d   (t = lr, the first iteration min(1, 1 / |g|_1) * lr; or the step a
                       strong-Wolfe line search finds, with ``line_search_fn="strong_wolfe"``)

    stopping early when the largest gradient entry is at most ``tolerance_grad`` or the loss
    or step changes by less than ``tolerance_change``.  Returns the loss of the closure's
    first evaluation.  One parameter group only; all parameters real.

    The state (kept under the first parameter, as torch's) is torch's: ``func_evals``,
    ``n_iter``, ``d``, ``t``, ``old_dirs``, ``old_stps``, ``ro``, ``H_diag``,
    ``prev_flat_grad``, ``prev_loss`` and ``al``, with the same values, so a state dict saved
    by torch resumes here and ours resumes in torch.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1, max_iter: int = 20,
                 max_eval: int | None = None, tolerance_grad: float = 1e-7,
                 tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        if hasattr(lr, "numel") and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if line_search_fn not in _LINE_SEARCHES:
            raise ValueError(f"line_search_fn must be None or 'strong_wolfe', got "
                             f"{line_search_fn!r} (torch supports only 'strong_wolfe')")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                                      tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change,
                                      history_size=history_size,
                                      line_search_fn=line_search_fn))
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")

    def add_param_group(self, group: Any) -> None:
        """Add the (single) parameter group; a second one is refused, as LBFGS keeps one flat
        vector of all parameters."""
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(group)

    # -- the parameters as one flat vector -----------------------------------------------------
    @property
    def _params(self) -> list[Any]:
        return self.param_groups[0]["params"]

    def _flat_grad(self) -> Any:
        """Every parameter's gradient, flattened and concatenated (zeros where it has none);
        a copy, not a view of the gradients."""
        backend = self._backend
        pieces = [backend.zeros(p.numel(), dtype=p.dtype) if p.grad is None
                  else p.grad.reshape(-1) for p in self._params]
        return backend.cat(pieces, 0)

    def _move(self, step: Any, direction: Any) -> None:
        """``params += step * direction`` (``direction`` flat, in the parameters' order)."""
        scale = _value(step)
        offset = 0
        for p in self._params:
            n = p.numel()
            sub_scaled_(p, direction[offset:offset + n].reshape(tuple(p.shape)), -scale)
            offset += n

    def _evaluate_at(self, closure: Callable[[], Any], origin: Sequence[Any], step: Any,
                     direction: Any) -> tuple[float, Any]:
        """Loss and flat gradient at ``origin + step * direction``; the parameters are put
        back to ``origin`` afterwards."""
        self._move(step, direction)
        loss = _value(self._call(closure))
        grad = self._flat_grad()
        for p, saved in zip(self._params, origin):
            p.copy_(saved)
        return loss, grad

    def _call(self, closure: Callable[[], Any]) -> Any:
        with self._backend.enable_grad():
            return closure()

    # -- the step ------------------------------------------------------------------------------
    def step(self, closure: Callable[[], Any] | None = None) -> Any:  # type: ignore[override]
        """Minimise for up to ``max_iter`` iterations; ``closure`` re-evaluates the model
        (clearing the gradients, computing the loss, calling ``backward()``) and returns the
        loss.  Returns the loss of the first evaluation."""
        if not callable(closure):
            raise TypeError(
                "LBFGS.step() needs a closure: a function that clears the gradients, computes "
                "the loss, calls loss.backward() and returns the loss (LBFGS evaluates it "
                "several times per step)")
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        with self._backend.no_grad():
            return self._step(closure)

    def _step(self, closure: Callable[[], Any]) -> Any:
        group = self.param_groups[0]
        lr = _value(group["lr"])
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        history_size, line_search = group["history_size"], group["line_search_fn"]
        if line_search not in _LINE_SEARCHES:
            raise RuntimeError("only 'strong_wolfe' is supported")

        state = self.state[self._params[0]]  # one global state, filed under the first parameter
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        first_loss = self._call(closure)
        loss = _value(first_loss)
        evals = 1
        state["func_evals"] += 1
        flat_grad = self._flat_grad()
        converged = flat_grad.abs().max() <= tolerance_grad
        if converged:
            return first_loss

        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        H_diag = state.get("H_diag")
        prev_flat_grad, prev_loss = state.get("prev_flat_grad"), state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1

            # -- the direction ---------------------------------------------------------------
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                H_diag = 1
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = _dot(y, s)
                if ys > 1e-10:  # curvature condition: remember the pair
                    if len(old_dirs) == history_size:
                        del old_dirs[0], old_stps[0], ro[0]
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / _dot(y, y)
                if "al" not in state:
                    state["al"] = [None] * history_size
                al = state["al"]
                # two-loop recursion, in one buffer: q = -g, then r = H q
                q = -flat_grad
                for i in reversed(range(len(old_dirs))):
                    al[i] = _dot(old_stps[i], q) * ro[i]
                    sub_scaled_(q, old_dirs[i], _value(al[i]))
                d = r = q * H_diag
                for i in range(len(old_dirs)):
                    be_i = _dot(old_dirs[i], r) * ro[i]
                    sub_scaled_(r, old_stps[i], -_value(al[i] - be_i))

            if prev_flat_grad is None:
                prev_flat_grad = flat_grad.clone()
            else:
                prev_flat_grad.copy_(flat_grad)
            prev_loss = loss

            # -- the step length -------------------------------------------------------------
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / flat_grad.abs().sum()) * lr
            else:
                t = lr
            gtd = _dot(flat_grad, d)
            if gtd > -tolerance_change:  # not a descent direction (any more)
                break

            used = 0
            if line_search is not None:
                origin = [p.clone() for p in self._params]
                evaluate = functools.partial(self._evaluate_at, closure, origin, direction=d)
                loss, flat_grad, t, used = _strong_wolfe(evaluate, d, t, loss, flat_grad, gtd,
                                                         max_ls=max_eval - evals)
                self._move(t, d)
                converged = flat_grad.abs().max() <= tolerance_grad
            else:
                self._move(t, d)
                if n_iter != max_iter:  # the last iteration's loss is not needed
                    loss = _value(self._call(closure))
                    flat_grad = self._flat_grad()
                    converged = flat_grad.abs().max() <= tolerance_grad
                    used = 1
            evals += used
            state["func_evals"] += used

            # -- stopping --------------------------------------------------------------------
            if n_iter == max_iter or evals >= max_eval or converged:
                break
            if (d * t).abs().max() <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state["d"] = d
        state["t"] = t
        state["old_dirs"] = old_dirs
        state["old_stps"] = old_stps
        state["ro"] = ro
        state["H_diag"] = H_diag
        state["prev_flat_grad"] = prev_flat_grad
        state["prev_loss"] = prev_loss
        return first_loss
