"""Gradients through views, slices and index tensors reach the base leaf."""
import torch

x = torch.arange(6.0, requires_grad=True)
y = x.view(2, 3)[1] * torch.tensor([1.0, 2.0, 3.0])
y.sum().backward()
print(x.grad)
x.grad = None
(x.view(2, 3).t() * torch.arange(6.0).view(3, 2)).sum().backward()
print(x.grad)
x.grad = None
idx = torch.tensor([0, 0, 5])
x[idx].sum().backward()
print(x.grad)
x.grad = None
mask = x > 2
(x[mask] ** 2).sum().backward()
print(x.grad)
m = torch.arange(12.0).reshape(3, 4)
print(m[1:, ::2], m[-1], m[:, 1])
