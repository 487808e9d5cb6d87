"""backward twice needs retain_graph; the second pass adds to .grad; freed graphs raise."""
import torch

w = torch.tensor([1.0], requires_grad=True)
x = torch.tensor([2.0], requires_grad=True)
y = torch.mul(torch.add(w, x), torch.add(w, 1))
y.backward(retain_graph=True)
print(w.grad, x.grad)
y.backward()
print(w.grad, x.grad)
try:
    y.backward()
except RuntimeError:
    print("RuntimeError: graph freed")
z = (w * x).sum()
g = torch.autograd.grad(z, [w, x], retain_graph=True)
print(g)
print(torch.autograd.grad(z, w))
