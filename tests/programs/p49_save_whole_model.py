"""torch.save(model) pickles the whole object; loading it needs weights_only=False."""
import io

import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 1)

    def forward(self, x):
        return torch.sigmoid(self.fc(x))


net = Net()
net.load_state_dict({"fc.weight": torch.tensor([[1.0, -1.0]]), "fc.bias": torch.tensor([0.5])})
buf = io.BytesIO()
torch.save(net, buf)
buf.seek(0)
try:
    torch.load(buf)
except Exception as exc:
    print("default load refuses:", type(exc).__name__)
buf.seek(0)
back = torch.load(buf, weights_only=False)
print(type(back).__name__, isinstance(back, nn.Module), back.training)
print(back(torch.tensor([[2.0, 1.0]])).tolist())
print(back.fc.weight.requires_grad, [n for n, _ in back.named_parameters()])
