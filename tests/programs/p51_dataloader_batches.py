"""TensorDataset and DataLoader: batch shapes, len, drop_last, and the batches' contents."""
import torch
from torch.utils.data import DataLoader, TensorDataset

x = torch.arange(20.0).reshape(10, 2)
y = torch.arange(10)
ds = TensorDataset(x, y)
print(len(ds), ds[3])
loader = DataLoader(ds, batch_size=4)
print(len(loader))
for xb, yb in loader:
    print(tuple(xb.shape), yb.tolist(), xb.sum().item())
loader = DataLoader(ds, batch_size=4, drop_last=True)
print(len(loader), [yb.tolist() for _, yb in loader])
batch = next(iter(DataLoader(ds, batch_size=3)))
print(type(batch).__name__, len(batch), batch[1].dtype)
