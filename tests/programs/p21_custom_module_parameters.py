"""A custom Module with nn.Parameter attributes: registration order, counts, training."""
import torch
import torch.nn as nn


class Affine(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(n))
        self.shift = nn.Parameter(torch.zeros(n))
        self.note = "not a parameter"

    def forward(self, x):
        return x * self.scale + self.shift


m = Affine(3)
print([name for name, _ in m.named_parameters()])
print(sum(p.numel() for p in m.parameters()), m.note)
x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
target = torch.tensor([[2.0, 2.0, 2.0], [5.0, 5.0, 5.0]])
opt = torch.optim.SGD(m.parameters(), lr=0.05)
for _ in range(40):
    opt.zero_grad()
    loss = ((m(x) - target) ** 2).mean()
    loss.backward()
    opt.step()
print(round(loss.item(), 6))
print([round(v, 4) for v in m.scale.tolist()], [round(v, 4) for v in m.shift.tolist()])
