"""Clipping by global gradient norm, computed by hand over model.parameters()."""
import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(3, 3), nn.Tanh(), nn.Linear(3, 1))
model.load_state_dict({k: torch.linspace(-2, 2, v.numel()).reshape(v.shape)
                       for k, v in model.state_dict().items()})
opt = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.tensor([[3.0, -2.0, 1.0], [1.0, 1.0, 1.0]])
y = torch.tensor([[10.0], [-10.0]])
max_norm = 1.0
for step in range(5):
    opt.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    total = torch.sqrt(sum((p.grad ** 2).sum() for p in model.parameters()))
    if total > max_norm:
        for p in model.parameters():
            p.grad.mul_(max_norm / (total + 1e-6))
    clipped = torch.sqrt(sum((p.grad ** 2).sum() for p in model.parameters()))
    opt.step()
    print(step, round(loss.item(), 4), round(total.item(), 4), round(clipped.item(), 4))
