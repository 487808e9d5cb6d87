"""Linear regression by hand: gradient descent on w and b, updates under no_grad, grads zeroed."""
import torch

x = torch.linspace(-1, 1, 20)
y = 2.5 * x + 0.7 + 0.1 * torch.sin(7 * x)

w = torch.tensor(0.0, requires_grad=True)
b = torch.tensor(0.0, requires_grad=True)
lr = 0.1
for step in range(60):
    loss = ((w * x + b - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
        w.grad.zero_()
        b.grad.zero_()
    if step % 10 == 0:
        print(step, round(loss.item(), 6))
print("w", round(w.item(), 5), "b", round(b.item(), 5))
print(w.is_leaf, w.requires_grad, w.grad)
