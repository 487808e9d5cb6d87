"""The tutorials' LR class (nn.Module subclass with Linear and Sigmoid attributes)."""
import torch
import torch.nn as nn


class LR(nn.Module):
    def __init__(self):
        super(LR, self).__init__()
        self.features = nn.Linear(2, 1)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x):
        x = self.features(x)
        x = self.sigmoid(x)
        return x


t = torch.linspace(-3, 3, 60)
train_x = torch.stack([t, torch.sin(t) + 0.5 * t], 1)
train_y = (train_x[:, 0] + train_x[:, 1] > 0).float()

lr_net = LR()
with torch.no_grad():
    lr_net.features.weight.copy_(torch.tensor([[-0.5, 0.25]]))
    lr_net.features.bias.fill_(0.0)
loss_fn = nn.BCELoss()
optimizer = torch.optim.SGD(lr_net.parameters(), lr=0.05, momentum=0.9)
for iteration in range(100):
    y_pred = lr_net(train_x)
    loss = loss_fn(y_pred.squeeze(), train_y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f"{loss.item():.5f}")
print([round(v, 4) for v in lr_net.features.weight.flatten().tolist()], round(lr_net.features.bias.item(), 4))
print(lr_net)
