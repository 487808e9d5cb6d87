"""Gradients are summed back over broadcast dimensions to each input's shape."""
import torch

a = torch.ones(2, 3, requires_grad=True)
b = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
s = torch.tensor(2.0, requires_grad=True)
c = torch.ones(2, 1, requires_grad=True)
out = (a * b + s + c * torch.arange(6.0).reshape(2, 3)).sum()
out.backward()
print(a.grad)
print(b.grad, b.grad.shape)
print(s.grad, s.grad.shape)
print(c.grad, c.grad.shape)
k = torch.zeros(1, 3, requires_grad=True)
(k + torch.ones(4, 3)).sum().backward()
print(k.grad)
