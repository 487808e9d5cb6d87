"""print(model): the nested repr PyTorch users read."""
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 5, bias=False))
        self.heads = nn.ModuleList([nn.Linear(5, 1), nn.Sigmoid()])
        self.loss = nn.BCELoss(reduction="sum")

    def forward(self, x):
        return self.heads[1](self.heads[0](self.features(x)))


print(Net())
print(nn.Linear(3, 4))
print(nn.Sequential())
print(nn.MSELoss(), nn.CrossEntropyLoss())
