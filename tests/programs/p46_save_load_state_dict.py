"""torch.save(model.state_dict(), path), then a fresh model loads it and agrees."""
import os
import tempfile

import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
model.load_state_dict({k: torch.linspace(-1, 1, v.numel()).reshape(v.shape)
                       for k, v in model.state_dict().items()})
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "model.pt")
    torch.save(model.state_dict(), path)
    state = torch.load(path)
    print(type(state).__name__, list(state.keys()))
    print([tuple(v.shape) for v in state.values()], [v.requires_grad for v in state.values()])
    fresh = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    result = fresh.load_state_dict(torch.load(path, map_location="cpu"))
    print(result)
x = torch.tensor([[0.5, -1.0, 2.0]])
print(model(x).tolist())
print(fresh(x).tolist())
