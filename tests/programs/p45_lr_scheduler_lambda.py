"""LambdaLR and ExponentialLR in a training loop, and the scheduler's state_dict."""
# needs: gradspec.optim.lr_scheduler
import torch
import torch.optim.lr_scheduler as lr_scheduler

model = torch.nn.Linear(2, 1)
model.load_state_dict({"weight": torch.tensor([[0.5, -0.5]]), "bias": torch.tensor([0.0])})
opt = torch.optim.SGD(model.parameters(), lr=0.2)
sched = lr_scheduler.LambdaLR(opt, lr_lambda=lambda epoch: 1.0 / (1 + epoch))
x = torch.tensor([[1.0, 2.0], [2.0, 1.0]])
y = torch.tensor([[1.0], [0.0]])
for epoch in range(5):
    opt.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    opt.step()
    sched.step()
    print(epoch, round(opt.param_groups[0]["lr"], 6), round(loss.item(), 6))
exp = lr_scheduler.ExponentialLR(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0), gamma=0.9)
for _ in range(3):
    exp.optimizer.step()
    exp.step()
print(round(exp.get_last_lr()[0], 6), exp.state_dict()["last_epoch"])
