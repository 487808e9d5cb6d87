"""A Dataset subclass returning (tensor, float, int) samples: default collation of each part."""
import torch
from torch.utils.data import DataLoader, Dataset


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return torch.tensor([float(i), float(i * i)]), i / 2, i % 3


loader = DataLoader(Squares(7), batch_size=3)
for features, halves, classes in loader:
    print(tuple(features.shape), features.dtype, halves.dtype, halves.tolist(), classes.dtype, classes.tolist())
print(len(loader), len(Squares(7)))
