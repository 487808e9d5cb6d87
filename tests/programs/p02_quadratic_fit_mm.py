"""The tutorial's y = w x^2 + b fit with mm and manual updates, on noise-free data."""
import torch

x = torch.unsqueeze(torch.linspace(-1, 1, 50), dim=1)
y = 3 * x.pow(2) + 2 + 0.1 * torch.cos(5 * x)

w = torch.full((1, 1), 0.5, requires_grad=True)
b = torch.zeros(1, 1, requires_grad=True)
lr = 0.001
for ii in range(200):
    y_pred = x.pow(2).mm(w) + b
    loss = 0.5 * (y_pred - y) ** 2
    loss = loss.sum()
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
        w.grad.zero_()
        b.grad.zero_()
print(w, b)
print(round(loss.item(), 4))
