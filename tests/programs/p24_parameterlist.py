"""A polynomial whose coefficients live in a ParameterList, and a ParameterDict of scales."""
import torch
import torch.nn as nn


class Poly(nn.Module):
    def __init__(self, degree):
        super().__init__()
        self.coef = nn.ParameterList([nn.Parameter(torch.tensor(0.0)) for _ in range(degree + 1)])
        self.extra = nn.ParameterDict({"gain": nn.Parameter(torch.tensor(1.0))})

    def forward(self, x):
        out = torch.zeros_like(x)
        for k, c in enumerate(self.coef):
            out = out + c * x ** k
        return out * self.extra["gain"]


x = torch.linspace(-1, 1, 30)
y = 1 - 2 * x + 0.5 * x ** 3
model = Poly(3)
print(len(model.coef), [n for n, _ in model.named_parameters()])
opt = torch.optim.Adam(model.parameters(), lr=0.05)
for _ in range(100):
    opt.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    opt.step()
print(round(loss.item(), 5), [round(c.item(), 3) for c in model.coef], round(model.extra["gain"].item(), 3))
