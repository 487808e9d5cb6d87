"""A model in float64: model.double(), float64 inputs and losses."""
import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1)).double()
print([p.dtype for p in model.parameters()])
model.load_state_dict({k: torch.linspace(-0.7, 0.7, v.numel(), dtype=torch.float64).reshape(v.shape)
                       for k, v in model.state_dict().items()})
x = torch.tensor([[0.1, 0.2], [0.3, -0.4], [1.0, 0.5]], dtype=torch.float64)
y = torch.tensor([[1.0], [0.0], [0.5]], dtype=torch.float64)
opt = torch.optim.SGD(model.parameters(), lr=0.2)
for _ in range(30):
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    opt.step()
print(loss.dtype, f"{loss.item():.12f}")
print(model(x).dtype, model[0].weight.grad.dtype)
