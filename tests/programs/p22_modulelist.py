"""A stack of layers held in a ModuleList, applied in a loop."""
import torch
import torch.nn as nn


class Deep(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])])

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = torch.tanh(x)
        return x


net = Deep([2, 5, 4, 1])
print(len(net.layers), [n for n, _ in net.named_parameters()])
net.load_state_dict({k: torch.linspace(-0.6, 0.6, v.numel()).reshape(v.shape)
                     for k, v in net.state_dict().items()})
x = torch.tensor([[0.5, -1.0], [1.0, 2.0], [-0.5, 0.25]])
out = net(x)
print(out.detach().flatten().tolist())
out.sum().backward()
print(net.layers[0].weight.grad.tolist())
net.layers.append(nn.Identity())
print(len(net.layers), type(net.layers[-1]).__name__)
