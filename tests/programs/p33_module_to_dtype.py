"""model.to(dtype) converts in place: the optimizer made before still updates the parameters."""
import torch
import torch.nn as nn

model = nn.Linear(3, 1)
with torch.no_grad():
    model.weight.copy_(torch.tensor([[0.1, 0.2, 0.3]]))
    model.bias.fill_(-0.1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
w = model.weight
model.to(torch.float64)
print(model.weight is w, model.weight.dtype, model.bias.dtype)
x = torch.tensor([[1.0, 2.0, 3.0]], dtype=torch.float64)
loss = (model(x) ** 2).sum()
loss.backward()
opt.step()
print(model.weight.tolist(), model.bias.tolist())
model.float()
print(model.weight.dtype, model(torch.ones(1, 3)).dtype)
m2 = nn.Linear(2, 2).to("cpu")
print(type(m2).__name__, m2.weight.device)
