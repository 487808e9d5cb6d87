"""Freezing: requires_grad_(False) on the body, the optimizer gets only trainable parameters."""
import torch
import torch.nn as nn

body = nn.Linear(3, 3)
head = nn.Linear(3, 1)
model = nn.Sequential(body, nn.Tanh(), head)
model.load_state_dict({k: torch.sin(torch.arange(v.numel()) * 2.1).reshape(v.shape) * 0.5
                       for k, v in model.state_dict().items()})
body.requires_grad_(False)
trainable = [p for p in model.parameters() if p.requires_grad]
print(len(trainable), [n for n, p in model.named_parameters() if p.requires_grad])
opt = torch.optim.SGD(trainable, lr=0.1)
before = body.weight.clone()
x = torch.tensor([[1.0, 0.0, 2.0], [0.0, 1.0, -1.0]])
y = torch.tensor([[1.0], [-1.0]])
for _ in range(20):
    opt.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    opt.step()
print(bool((before == body.weight).all()))
print(body.weight.grad, round(loss.item(), 5))
print([round(v, 4) for v in head.weight.flatten().tolist()])
