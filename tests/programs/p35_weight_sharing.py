"""One Linear used twice: its parameters count once and its gradients add up."""
import torch
import torch.nn as nn

shared = nn.Linear(2, 2)
with torch.no_grad():
    shared.weight.copy_(torch.tensor([[1.0, 0.5], [-0.5, 1.0]]))
    shared.bias.zero_()
model = nn.Sequential(shared, nn.Tanh(), shared)
print(len(list(model.parameters())), [n for n, _ in model.named_parameters()])
out = model(torch.tensor([[1.0, 2.0]])).sum()
out.backward()
print(shared.weight.grad.tolist(), shared.bias.grad.tolist())
