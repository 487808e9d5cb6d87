"""The layers of `gradspec.nn`, one module per family (as ``torch.nn.modules``)."""

from .activation import ReLU, Sigmoid, Tanh
from .container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .linear import Identity, Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
from .module import Module, RemovableHandle

__all__ = [
    "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "Identity", "Linear", "MSELoss",
    "Module", "ModuleDict", "ModuleList", "ParameterDict", "ParameterList", "ReLU",
    "RemovableHandle", "Sequential", "Sigmoid", "Tanh",
]
