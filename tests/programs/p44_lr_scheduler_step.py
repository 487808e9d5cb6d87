"""StepLR and MultiStepLR from torch.optim.lr_scheduler: the learning rates they set."""
# needs: gradspec.optim.lr_scheduler
import torch
from torch.optim.lr_scheduler import MultiStepLR, StepLR

w = torch.tensor([1.0], requires_grad=True)
opt = torch.optim.SGD([w], lr=1.0)
sched = StepLR(opt, step_size=3, gamma=0.5)
lrs = []
for epoch in range(10):
    opt.zero_grad()
    (w ** 2).sum().backward()
    opt.step()
    lrs.append(sched.get_last_lr()[0])
    sched.step()
print(lrs)
opt2 = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
multi = MultiStepLR(opt2, milestones=[2, 5], gamma=0.1)
seen = []
for _ in range(7):
    opt2.step()
    multi.step()
    seen.append(round(opt2.param_groups[0]["lr"], 8))
print(seen, round(w.item(), 6))
