"""The layers of `gradspec.nn`, one module per family (as ``torch.nn.modules``)."""

from .activation import ReLU, Sigmoid, Tanh
from .container import Sequential
from .linear import Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
from .module import Module

__all__ = [
    "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "Linear", "MSELoss", "Module", "ReLU",
    "Sequential", "Sigmoid", "Tanh",
]
