"""``torch.utils.data.dataloader``: the loader and its collation, where PyTorch keeps them."""

from . import DataLoader, default_collate, default_convert, get_worker_info

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]
