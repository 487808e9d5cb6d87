"""Two heads kept in a ModuleDict, picked by key in forward."""
import torch
import torch.nn as nn


class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(3, 4)
        self.heads = nn.ModuleDict({"mean": nn.Linear(4, 1), "scale": nn.Linear(4, 1)})

    def forward(self, x, head):
        return self.heads[head](torch.relu(self.body(x)))


net = TwoHeads()
net.load_state_dict({k: torch.cos(torch.arange(v.numel()) + 0.5).reshape(v.shape) * 0.5
                     for k, v in net.state_dict().items()})
x = torch.tensor([[1.0, 0.0, -1.0], [0.5, 0.5, 0.5]])
print(list(net.heads.keys()), "mean" in net.heads)
print(net(x, "mean").flatten().tolist(), net(x, "scale").flatten().tolist())
print(sorted(net.state_dict().keys()))
