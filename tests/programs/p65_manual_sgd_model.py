"""Updating a model's parameters by hand (p -= lr * p.grad under no_grad), no optimizer."""
import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(2, 3), nn.Sigmoid(), nn.Linear(3, 1))
model.load_state_dict({k: torch.linspace(-0.5, 0.5, v.numel()).reshape(v.shape)
                       for k, v in model.state_dict().items()})
x = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
y = torch.tensor([[0.0], [1.0], [1.0], [0.0]])
for step in range(50):
    loss = ((model(x) - y) ** 2).mean()
    model.zero_grad()
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= 0.5 * p.grad
print(round(loss.item(), 6), all(p.is_leaf for p in model.parameters()))
print([round(v, 4) for v in model(x).detach().flatten().tolist()])
