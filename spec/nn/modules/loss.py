"""Loss layers: each applies the function of `gradspec.nn.functional` of its name, with
torch.nn's constructor signatures (the deprecated ``size_average``/``reduce`` included) and
class weights kept as buffers (so they are in the ``state_dict``, as in torch)."""

from __future__ import annotations

import warnings
from typing import Any

from .. import functional as F
from .module import Module

__all__ = ["BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "MSELoss",
           # nnlib
           "HuberLoss", "KLDivLoss", "L1Loss", "NLLLoss", "SmoothL1Loss"]


class _Loss(Module):
    """A loss with torch's ``reduction`` argument: ``"mean"`` (default), ``"sum"`` or ``"none"``
    (``size_average``/``reduce``, deprecated in torch, still choose one)."""

    def __init__(self, size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean") -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            warnings.warn("size_average and reduce args will be deprecated, please use "
                          "reduction='...' instead.", UserWarning, stacklevel=3)
            reduction = F._legacy(size_average, reduce, reduction)
        elif reduction != "batchmean":  # (KLDivLoss's own)
            F._check_reduction(reduction)
        self.reduction = reduction


class _WeightedLoss(_Loss):
    """A loss with a per-class ``weight`` tensor, registered as a buffer."""

    def __init__(self, weight: Any = None, size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class BCELoss(_WeightedLoss):
    """Binary cross entropy on probabilities (`functional.binary_cross_entropy`)."""

    def forward(self, input: Any, target: Any) -> Any:
        return F.binary_cross_entropy(input, target, weight=self.weight,
                                      reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross entropy on raw scores (`functional.binary_cross_entropy_with_logits`), with
    a per-element ``weight`` and a per-class ``pos_weight`` (both buffers)."""

    def __init__(self, weight: Any = None, size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean", pos_weight: Any = None) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Any, target: Any) -> Any:
        if self.weight is None and self.pos_weight is None:
            return F.binary_cross_entropy_with_logits(input, target, reduction=self.reduction)
        return F.binary_cross_entropy_with_logits(input, target, self.weight,
                                                  reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


class MSELoss(_Loss):
    """Mean squared error ``(input - target) ** 2`` (`functional.mse_loss`)."""

    def forward(self, input: Any, target: Any) -> Any:
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error ``|input - target|`` (`functional.l1_loss`)."""

    def forward(self, input: Any, target: Any) -> Any:
        return F.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """Squared error below ``beta``, absolute error above (`functional.smooth_l1_loss`)."""

    def __init__(self, size_average: Any = None, reduce: Any = None, reduction: str = "mean",
                 beta: float = 1.0) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Any, target: Any) -> Any:
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Squared error below ``delta``, ``delta`` times the absolute error above
    (`functional.huber_loss`)."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Any, target: Any) -> Any:
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class KLDivLoss(_Loss):
    """The Kullback-Leibler divergence of ``target`` from the log-probabilities ``input``
    (`functional.kl_div`; ``reduction='batchmean'`` is the mathematical definition)."""

    def __init__(self, size_average: Any = None, reduce: Any = None, reduction: str = "mean",
                 log_target: bool = False) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input: Any, target: Any) -> Any:
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class NLLLoss(_WeightedLoss):
    """Negative log likelihood of log-probabilities at class indices (`functional.nll_loss`),
    per-class ``weight``, ``ignore_index`` left out."""

    def __init__(self, weight: Any = None, size_average: Any = None, ignore_index: int = -100,
                 reduce: Any = None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Any, target: Any) -> Any:
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """Cross entropy of raw scores against class indices or class probabilities
    (`functional.cross_entropy`): per-class ``weight``, ``ignore_index``,
    ``label_smoothing``."""

    def __init__(self, weight: Any = None, size_average: Any = None, ignore_index: int = -100,
                 reduce: Any = None, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input: Any, target: Any) -> Any:
        if self.weight is None and self.ignore_index == -100 and not self.label_smoothing:
            return F.cross_entropy(input, target, reduction=self.reduction)
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)
