"""softmax and log_softmax: values and gradients along a dim."""
import torch

z = torch.tensor([[1.0, 2.0, 3.0], [0.5, -0.5, 0.0]], requires_grad=True)
p = torch.softmax(z, dim=1)
lp = torch.log_softmax(z, dim=1)
print(p)
print(lp)
weights = torch.tensor([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]])
(p * weights).sum().backward()
print(z.grad)
z.grad = None
(lp[:, 0]).sum().backward()
print(z.grad)
print(p.sum(dim=1))
