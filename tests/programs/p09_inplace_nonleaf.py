"""In-place ops on non-leaf tensors: versions count, grad_fn follows, gradients stay right."""
import torch

x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * 1
print(y.grad_fn.name(), y._version)
y.add_(1)
print(y.grad_fn.name(), y._version)
y.mul_(3)
print(y.grad_fn.name(), y._version)
y.sum().backward()
print(x.grad)

a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
b = a * 2
b[0] = 100.0
print(b)
b.sum().backward()
print(a.grad)

c = torch.zeros(3)
s = torch.tensor(2.0, requires_grad=True)
c[1] = s * 3
print(c.requires_grad, c.is_leaf)
c.sum().backward()
print(s.grad)
