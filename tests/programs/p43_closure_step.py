"""optimizer.step(closure): the closure re-evaluates the loss, step returns it."""
import torch

w = torch.tensor([2.0, -3.0], requires_grad=True)
opt = torch.optim.SGD([w], lr=0.1, momentum=0.5)
calls = []


def closure():
    opt.zero_grad()
    loss = (w ** 2).sum()
    loss.backward()
    calls.append(round(loss.item(), 5))
    return loss


for _ in range(6):
    loss = opt.step(closure)
print(calls)
print(round(loss.item(), 5), [round(v, 5) for v in w.tolist()])
