"""Parameter groups with their own learning rates; reading and changing them."""
import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
model.load_state_dict({k: torch.full(v.shape, 0.3) for k, v in model.state_dict().items()})
opt = torch.optim.SGD([{"params": model[0].parameters()},
                       {"params": model[1].parameters(), "lr": 0.01}], lr=0.1, momentum=0.9)
print(len(opt.param_groups), [g["lr"] for g in opt.param_groups], [g["momentum"] for g in opt.param_groups])
print([len(g["params"]) for g in opt.param_groups])
x = torch.tensor([[1.0, -1.0], [0.5, 2.0]])
for step in range(10):
    opt.zero_grad()
    loss = model(x).pow(2).mean()
    loss.backward()
    opt.step()
    if step == 4:
        opt.param_groups[1]["lr"] = 0.05
print(round(loss.item(), 6))
print(model[0].weight.tolist(), model[1].weight.tolist())
opt.add_param_group({"params": [torch.zeros(2, requires_grad=True)], "lr": 1.0})
print([sorted(k for k in g if k != "params") == sorted(k for k in opt.param_groups[0] if k != "params")
       for g in opt.param_groups], opt.param_groups[2]["lr"])
