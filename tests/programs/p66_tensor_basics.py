"""Everyday tensor creation and printing: factories, arange, linspace, eye, full, like-factories."""
import torch

print(torch.zeros(2, 3), torch.ones(2))
print(torch.arange(5), torch.arange(1, 4, 0.5), torch.linspace(0, 1, 5))
print(torch.eye(3), torch.full((2, 2), 7), torch.full((2,), 1.5))
a = torch.tensor([[1, 2], [3, 4]])
print(a, a.dtype, torch.zeros_like(a), torch.ones_like(a, dtype=torch.float32))
print(torch.tensor(3.5), torch.tensor([]), torch.tensor([[1.0, 2.0]]).T)
print(torch.empty(2, 2).shape, torch.tensor([1e-5, 1.0]), torch.tensor([1e6, 1.0, 2.5]))
print(torch.tensor([0.1, 0.25, 100.0]), torch.tensor([-1.5, 2.25]).abs())
print(torch.tensor([1.0, 2.0]).tolist(), torch.tensor(2.5).item(), int(torch.tensor(3)), float(torch.tensor(1.25)))
print(torch.from_numpy(__import__("numpy").array([1.0, 2.0])), torch.as_tensor([1, 2, 3]))
