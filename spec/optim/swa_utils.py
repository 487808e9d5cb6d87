"""Weight averaging (``torch.optim.swa_utils``): `AveragedModel` keeps a running average (SWA)
or an exponential moving average (EMA) of a model's parameters, `SWALR` anneals the learning
rate to a constant for the averaging phase, and `update_bn` recomputes batch-norm statistics
for the averaged weights; written once against the protocol, as PyTorch defines them."""

from __future__ import annotations

import copy
import itertools
import math
from typing import Any, Callable, Iterable

from ..nn.modules.batchnorm import _BatchNorm
from ..nn.modules.module import Module
from ..plugins import backend_of
from .lr_scheduler import LRScheduler, _per_group

__all__ = ["AveragedModel", "SWALR", "get_ema_avg_fn", "get_ema_multi_avg_fn",
           "get_swa_avg_fn", "get_swa_multi_avg_fn", "update_bn"]


def _no_grad(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` run without recording (its first tensor argument's backend)."""
    def run(*args: Any) -> Any:
        tensors = [t for a in args for t in (a if isinstance(a, (list, tuple)) else [a])
                   if hasattr(t, "requires_grad")]
        with backend_of(tensors[0]).no_grad():
            return fn(*args)

    run.__name__ = run.__qualname__ = fn.__name__
    run.__doc__ = fn.__doc__
    return run


def get_ema_avg_fn(decay: float = 0.999) -> Callable[[Any, Any, Any], Any]:
    """The EMA step for one parameter: ``decay * averaged + (1 - decay) * current``."""
    if not 0.0 <= decay <= 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in "
                         "[0,1] range.")

    @_no_grad
    def ema_update(averaged: Any, current: Any, num_averaged: Any) -> Any:
        """``decay * averaged + (1 - decay) * current``."""
        return decay * averaged + (1 - decay) * current

    return ema_update


def get_ema_multi_avg_fn(decay: float = 0.999) -> Callable[[list, list, Any], None]:
    """The EMA step for lists of parameters, in place: each moves ``1 - decay`` of the way to
    the model's."""
    if not 0.0 <= decay <= 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in "
                         "[0,1] range.")

    @_no_grad
    def ema_update(averaged: list, current: list, num_averaged: Any) -> None:
        """Each of ``averaged`` moved ``1 - decay`` of the way to ``current``, in place."""
        for a, c in zip(averaged, current):
            if a.is_floating_point():
                a.add_((c - a) * (1 - decay))
            else:
                a.copy_(a * decay + c * (1 - decay))

    return ema_update


def get_swa_avg_fn() -> Callable[[Any, Any, Any], Any]:
    """The equal-weight running average for one parameter:
    ``averaged + (current - averaged) / (num_averaged + 1)``."""
    @_no_grad
    def swa_update(averaged: Any, current: Any, num_averaged: Any) -> Any:
        """``averaged + (current - averaged) / (num_averaged + 1)``."""
        return averaged + (current - averaged) / (num_averaged + 1)

    return swa_update


def get_swa_multi_avg_fn() -> Callable[[list, list, Any], None]:
    """The equal-weight running average for lists of parameters, in place."""
    @_no_grad
    def swa_update(averaged: list, current: list, num_averaged: Any) -> None:
        """Each of ``averaged`` moved ``1 / (num_averaged + 1)`` of the way to ``current``."""
        weight = 1.0 / (float(num_averaged) + 1)
        for a, c in zip(averaged, current):
            a.add_((c - a) * weight)

    return swa_update


class AveragedModel(Module):
    """A copy of ``model`` whose parameters (and buffers, with ``use_buffers``) are a running
    average of the model's, updated by `update_parameters`: equal weights (SWA) by default,
    or ``avg_fn(averaged, current, n_averaged)`` per parameter, or
    ``multi_avg_fn(averaged_list, current_list, n_averaged)`` in place (`get_ema_avg_fn`,
    `get_ema_multi_avg_fn` make EMA ones).  The first update copies the model's values;
    calling it runs the copy.  ``n_averaged`` (a buffer) counts the updates."""

    def __init__(self, model: Module, device: Any = None,
                 avg_fn: Callable[[Any, Any, Any], Any] | None = None,
                 multi_avg_fn: Callable[[list, list, Any], None] | None = None,
                 use_buffers: bool = False) -> None:
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        first = next(itertools.chain(model.parameters(), model.buffers()), None)
        if first is None:
            raise ValueError("AveragedModel needs a model with parameters or buffers (their "
                             "backend holds the average)")
        backend = backend_of(first)
        self.register_buffer("n_averaged", backend.tensor(0, dtype=backend.int64))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The averaged copy's forward."""
        return self.module(*args, **kwargs)

    def update_parameters(self, model: Module) -> None:
        """Fold ``model``'s current parameters (and buffers, with ``use_buffers``) into the
        average; without ``use_buffers`` the buffers are copied as they are."""
        if self.use_buffers:
            mine = list(itertools.chain(self.module.parameters(), self.module.buffers()))
            theirs = list(itertools.chain(model.parameters(), model.buffers()))
        else:
            mine, theirs = list(self.module.parameters()), list(model.parameters())
        averaged = [p.detach() for p in mine]
        current = [p.detach() for p in theirs]
        count = int(self.n_averaged.item())
        backend = backend_of(self.n_averaged)
        with backend.no_grad():
            if count == 0:
                for a, c in zip(averaged, current):
                    a.copy_(c)
            elif self.avg_fn is not None:
                for a, c in zip(averaged, current):
                    a.copy_(self.avg_fn(a, c, self.n_averaged))
            else:
                (self.multi_avg_fn or get_swa_multi_avg_fn())(averaged, current,
                                                               self.n_averaged)
            if not self.use_buffers:
                for b_mine, b_theirs in zip(self.module.buffers(), model.buffers()):
                    b_mine.detach().copy_(b_theirs.detach())
            self.n_averaged.add_(1)


def update_bn(loader: Iterable[Any], model: Module, device: Any = None) -> None:
    """Recompute the running statistics of ``model``'s batch-norm layers from one pass over
    ``loader`` (a batch is a tensor, or a list or tuple whose first item is the input), as a
    plain average over the batches; the model's training flag is restored."""
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    try:
        backend = None
        for batch in loader:
            if isinstance(batch, (list, tuple)):
                batch = batch[0]
            if device is not None:
                batch = batch.to(device)
            backend = backend or backend_of(batch)
            with backend.no_grad():
                model(batch)
    finally:
        for module, momentum in momenta.items():
            module.momentum = momentum
        model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's learning rate to ``swa_lr`` (one value, or one per group) over
    ``anneal_epochs`` steps, by a cosine (``anneal_strategy="cos"``) or linearly, then keep
    it there: the schedule of stochastic weight averaging's phase."""

    def __init__(self, optimizer: Any, swa_lr: Any, anneal_epochs: int = 10,
                 anneal_strategy: str = "cos", last_epoch: int = -1) -> None:
        for lr, group in zip(_per_group("swa_lr", optimizer, swa_lr), optimizer.param_groups):
            group["swa_lr"] = lr
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got "
                             f"{anneal_strategy}")
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got "
                             f"{anneal_epochs}")
        self._anneal_strategy = anneal_strategy
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    def _anneal(self, t: float) -> float:
        return (1 - math.cos(math.pi * t)) / 2 if self._anneal_strategy == "cos" else t

    def get_lr(self) -> list[float]:
        """The rates one step on: the way from each group's starting rate to its
        ``swa_lr``, annealed."""
        self._warn_if_outside_step()
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        span = max(1, self.anneal_epochs)
        prev_alpha = self._anneal(max(0.0, min(1.0, (step - 1) / span)))
        alpha = self._anneal(max(0.0, min(1.0, step / span)))
        rates = []
        for group in self.optimizer.param_groups:
            # the starting rate the group's current one was annealed from
            start = group["swa_lr"] if prev_alpha == 1 else \
                (group["lr"] - prev_alpha * group["swa_lr"]) / (1 - prev_alpha)
            rates.append(group["swa_lr"] * alpha + start * (1 - alpha))
        return rates
