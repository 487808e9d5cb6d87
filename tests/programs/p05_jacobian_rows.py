"""A Jacobian row by row with backward(gradient=...), retain_graph and grad resets."""
import torch

x = torch.tensor([[2.0, 3.0, -1.0]], requires_grad=True)
y = torch.stack([x[0, 0] ** 2 + 3 * x[0, 1], x[0, 1] ** 2 + 2 * x[0, 0],
                 x[0, 0] * x[0, 1] * x[0, 2]]).unsqueeze(0)
J = torch.zeros(3, 3)
for i in range(3):
    v = torch.zeros(1, 3)
    v[0, i] = 1.0
    y.backward(v, retain_graph=True)
    J[i] = x.grad
    x.grad = torch.zeros_like(x.grad)
print(J)
