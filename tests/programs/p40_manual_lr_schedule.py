"""A step-decay learning-rate schedule written by hand through optimizer.param_groups."""
import torch

w = torch.tensor([3.0, -2.0], requires_grad=True)
opt = torch.optim.SGD([w], lr=0.4)
lrs = []
for epoch in range(12):
    if epoch > 0 and epoch % 4 == 0:
        for group in opt.param_groups:
            group["lr"] = group["lr"] * 0.5
    lrs.append(opt.param_groups[0]["lr"])
    opt.zero_grad()
    loss = (w ** 2).sum() + w[0] * w[1]
    loss.backward()
    opt.step()
print(lrs)
print([round(v, 6) for v in w.tolist()], round(loss.item(), 6))
