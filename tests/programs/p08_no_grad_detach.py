"""What no_grad, enable_grad, set_grad_enabled and detach do to requires_grad and grad_fn."""
import torch

x = torch.tensor([1.0, 2.0], requires_grad=True)
with torch.no_grad():
    y = x * 2
    with torch.enable_grad():
        z = x * 2
print(y.requires_grad, y.grad_fn, z.requires_grad, z.grad_fn is not None)
print(torch.is_grad_enabled())
torch.set_grad_enabled(False)
u = x + 1
torch.set_grad_enabled(True)
print(u.requires_grad, torch.is_grad_enabled())
d = x.detach()
print(d.requires_grad, d.is_leaf)
d[0] = 10.0
print(x)
e = (x * x.detach()).sum()
e.backward()
print(x.grad)


@torch.no_grad()
def evaluate(t):
    return t * 5


print(evaluate(x).requires_grad)
