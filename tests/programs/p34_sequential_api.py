"""Sequential: indexing, slicing, len, append, and names from an OrderedDict."""
from collections import OrderedDict

import torch
import torch.nn as nn

seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
print(len(seq), type(seq[0]).__name__, type(seq[-1]).__name__)
head = seq[:2]
print(type(head).__name__, len(head))
seq.append(nn.Sigmoid())
print(len(seq), [n for n, _ in seq.named_children()])
named = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.Tanh())]))
print(named.fc.in_features, [n for n, _ in named.named_parameters()])
with torch.no_grad():
    for p in seq.parameters():
        p.fill_(0.5)
print(seq(torch.tensor([[1.0, 2.0]])).item())
for layer in seq:
    print(type(layer).__name__, end=" ")
print()
