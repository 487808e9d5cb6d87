"""named_modules, children, modules, get_submodule and parameter counts of a nested model."""
import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.act = nn.ReLU()

    def forward(self, x):
        return self.act(self.fc(x))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.Sequential(Block(), Block())
        self.out = nn.Linear(4, 2)

    def forward(self, x):
        return self.out(self.blocks(x))


net = Net()
print([name for name, _ in net.named_modules()])
print([type(m).__name__ for m in net.children()])
print(len(list(net.modules())), sum(p.numel() for p in net.parameters()))
print(type(net.get_submodule("blocks.1.fc")).__name__, net.get_parameter("out.bias").shape)
print(net(torch.ones(3, 4)).shape)
