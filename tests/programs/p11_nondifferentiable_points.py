"""Gradients at kinks and ties, where and clamp, as PyTorch defines them."""
import torch

x = torch.tensor([-1.0, 0.0, 2.0], requires_grad=True)
for name, fn in [("relu", torch.relu), ("abs", torch.abs),
                 ("clamp", lambda t: torch.clamp(t, 0, 1)),
                 ("where", lambda t: torch.where(t > 0, 3 * t, 5 * t)),
                 ("maximum", lambda t: torch.maximum(t, torch.zeros(3))),
                 ("sigmoid", torch.sigmoid), ("tanh", torch.tanh)]:
    x.grad = None
    fn(x).sum().backward()
    print(name, x.grad.tolist())
m = torch.tensor([2.0, 2.0, 1.0], requires_grad=True)
m.max().backward()
print("max", m.grad.tolist())
