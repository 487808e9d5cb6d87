"""model.apply(fn) visits every submodule: initialise Linear layers by hand."""
import torch
import torch.nn as nn

visited = []


def init_weights(m):
    visited.append(type(m).__name__)
    if isinstance(m, nn.Linear):
        with torch.no_grad():
            m.weight.fill_(0.1)
            m.bias.zero_()


model = nn.Sequential(nn.Linear(4, 3), nn.Sigmoid(), nn.Sequential(nn.Linear(3, 2), nn.Tanh()))
returned = model.apply(init_weights)
print(returned is model, visited)
print(model(torch.ones(1, 4)).tolist())
print(model[2][0].weight.tolist())
