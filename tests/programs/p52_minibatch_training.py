"""Mini-batch training over epochs with a DataLoader (in order), an MLP and Adam."""
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

x = torch.linspace(-1, 1, 64).unsqueeze(1)
y = torch.sin(3 * x)
loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=False)
model = nn.Sequential(nn.Linear(1, 10), nn.Tanh(), nn.Linear(10, 1))
model.load_state_dict({k: (torch.sin(torch.arange(v.numel()) * 0.9 + i) * 0.6).reshape(v.shape)
                       for i, (k, v) in enumerate(model.state_dict().items())})
opt = torch.optim.Adam(model.parameters(), lr=0.03)
loss_fn = nn.MSELoss()
for epoch in range(8):
    total = 0.0
    for xb, yb in loader:
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        total += loss.item() * xb.shape[0]
    print(epoch, round(total / len(loader.dataset), 5))
