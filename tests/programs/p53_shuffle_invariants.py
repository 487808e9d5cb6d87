"""Shuffled loading: each epoch sees every sample once, in a new order (the order itself
depends on the random generator, so only these facts are printed)."""
import torch
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
ds = TensorDataset(torch.arange(12.0), torch.arange(12) * 10)
g = torch.Generator()
g.manual_seed(42)
loader = DataLoader(ds, batch_size=5, shuffle=True, generator=g)
orders = []
for epoch in range(3):
    seen = []
    for xb, yb in loader:
        assert bool((yb == (xb * 10).long()).all())
        seen += xb.long().tolist()
    orders.append(seen)
    print(epoch, len(seen), sorted(seen) == list(range(12)), [len(b[0]) for b in loader])
print(len({tuple(o) for o in orders}) > 1)
perm = torch.randperm(8)
print(sorted(perm.tolist()), perm.dtype)
