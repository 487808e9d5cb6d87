"""Gradients accumulate over backward calls until zeroed or set to None."""
import torch

w = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
for i in range(3):
    y = (w ** 2).sum() * (i + 1)
    y.backward()
    print(i, w.grad)
w.grad.zero_()
print(w.grad)
(w * 3).sum().backward()
print(w.grad)
w.grad = None
(w.exp()).sum().backward()
print(w.grad)
