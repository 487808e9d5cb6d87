"""autograd.grad with create_graph: derivatives of x**4 and sin up to third order."""
import torch

x = torch.tensor(2.0, requires_grad=True)
y = x ** 4
(g1,) = torch.autograd.grad(y, x, create_graph=True)
(g2,) = torch.autograd.grad(g1, x, create_graph=True)
(g3,) = torch.autograd.grad(g2, x)
print(g1, g2, g3)
print(g1.requires_grad, g3.requires_grad)

t = torch.tensor([0.5, 1.0], dtype=torch.float64, requires_grad=True)
s = torch.sin(t).sum()
(d1,) = torch.autograd.grad(s, t, create_graph=True)
(d2,) = torch.autograd.grad(d1.sum(), t)
print(d1.tolist())
print(d2.tolist())

w = torch.tensor([1.0, 2.0], requires_grad=True)
inp = torch.tensor([3.0, 4.0])
out = ((w * inp) ** 2).sum()
(gw,) = torch.autograd.grad(out, w, create_graph=True)
(gw ** 2).sum().backward()
print(gw, w.grad)
