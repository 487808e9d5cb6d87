"""Adam with weight decay and AMSGrad on a small least-squares problem."""
import torch

A = torch.tensor([[2.0, 1.0], [1.0, 3.0], [0.0, 1.0]])
b = torch.tensor([1.0, 2.0, 3.0])
for kwargs in [dict(lr=0.1), dict(lr=0.1, betas=(0.8, 0.99)), dict(lr=0.1, weight_decay=0.05),
               dict(lr=0.1, amsgrad=True)]:
    x = torch.zeros(2, requires_grad=True)
    opt = torch.optim.Adam([x], **kwargs)
    for _ in range(25):
        opt.zero_grad()
        loss = ((A @ x - b) ** 2).sum()
        loss.backward()
        opt.step()
    print(sorted(kwargs), [round(v, 5) for v in x.tolist()], round(loss.item(), 5))
