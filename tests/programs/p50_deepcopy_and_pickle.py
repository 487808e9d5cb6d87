"""copy.deepcopy of a model and pickling of tensors: independent copies with the same values."""
import copy
import pickle

import torch
import torch.nn as nn

model = nn.Linear(2, 2)
with torch.no_grad():
    model.weight.copy_(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    model.bias.zero_()
twin = copy.deepcopy(model)
with torch.no_grad():
    model.weight.add_(1.0)
print(twin.weight.tolist(), model.weight.tolist())
print(twin.weight is model.weight, twin.weight.requires_grad, type(twin).__name__)
t = torch.tensor([[1.5, -2.0]], requires_grad=True)
u = pickle.loads(pickle.dumps(t))
print(u.tolist(), u.requires_grad, u.is_leaf, u.dtype)
v = copy.deepcopy(t)
print(v.tolist(), v.requires_grad, v is t)
i = pickle.loads(pickle.dumps(torch.arange(4)))
print(i, i.dtype)
