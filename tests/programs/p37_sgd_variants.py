"""SGD with momentum, dampening, Nesterov and weight decay: the same trajectories as PyTorch."""
import torch

x = torch.tensor([[1.0, 2.0], [2.0, 0.5], [-1.0, 1.0]])
y = torch.tensor([1.0, 2.0, -0.5])
for kwargs in [dict(lr=0.05), dict(lr=0.05, momentum=0.9), dict(lr=0.05, momentum=0.9, nesterov=True),
               dict(lr=0.05, momentum=0.5, dampening=0.3), dict(lr=0.05, weight_decay=0.1)]:
    w = torch.tensor([0.1, -0.1], requires_grad=True)
    opt = torch.optim.SGD([w], **kwargs)
    for _ in range(15):
        opt.zero_grad()
        loss = ((x @ w - y) ** 2).mean()
        loss.backward()
        opt.step()
    print(sorted(kwargs), [round(v, 5) for v in w.tolist()], round(loss.item(), 5))
