"""``torch.utils.data.dataset``: the dataset classes and ``random_split``, where PyTorch keeps
them."""

from . import (ChainDataset, ConcatDataset, Dataset, IterableDataset, StackDataset, Subset,
               TensorDataset, random_split)

__all__ = ["ChainDataset", "ConcatDataset", "Dataset", "IterableDataset", "StackDataset",
           "Subset", "TensorDataset", "random_split"]
