"""random_split: lengths or fractions, disjoint subsets that cover the dataset."""
import torch
from torch.utils.data import DataLoader, TensorDataset, random_split

ds = TensorDataset(torch.arange(10.0))
train, val = random_split(ds, [7, 3], generator=torch.Generator().manual_seed(1))
print(len(train), len(val), type(train).__name__)
items = sorted([train[i][0].item() for i in range(len(train))] + [val[i][0].item() for i in range(len(val))])
print(items == list(range(10)))
parts = random_split(ds, [0.5, 0.3, 0.2])
print([len(p) for p in parts])
print(sum(len(b[0]) for b in DataLoader(train, batch_size=2)))
try:
    random_split(ds, [5, 6])
except ValueError:
    print("ValueError")
