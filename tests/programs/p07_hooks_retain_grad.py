"""Tensor hooks that replace gradients, and retain_grad on intermediate tensors."""
import torch

x = torch.tensor([1.0, 2.0], requires_grad=True)
h = x.register_hook(lambda g: g * 10)
(x * 3).sum().backward()
print(x.grad)
h.remove()
x.grad = None
(x * 3).sum().backward()
print(x.grad)

a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
b = a * 2
b.retain_grad()
b.register_hook(lambda g: g + 1)
c = (b ** 2).sum()
c.backward()
print(b.grad, a.grad, b.retains_grad, a.retains_grad)
seen = []
d = torch.tensor(3.0, requires_grad=True)
d.register_hook(lambda g: seen.append(g.item()))
(d * d + d).backward()
print(seen, d.grad)
