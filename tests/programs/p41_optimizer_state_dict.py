"""optimizer.state_dict(): its structure, and resuming from it gives the uninterrupted result."""
import copy

import torch


def make():
    w = torch.tensor([1.0, -1.0, 0.5], requires_grad=True)
    return w, torch.optim.Adam([w], lr=0.1)


def step(w, opt):
    opt.zero_grad()
    loss = ((w - torch.tensor([0.3, 0.2, 0.1])) ** 2).sum() + (w[0] * w[2])
    loss.backward()
    opt.step()


w, opt = make()
for _ in range(5):
    step(w, opt)
sd = opt.state_dict()
print(sorted(sd), sorted(sd["state"]), sorted(sd["state"][0]), sd["param_groups"][0]["params"])
print(sd["param_groups"][0]["lr"], sd["param_groups"][0]["betas"])
saved_w, saved_sd = w.detach().clone(), copy.deepcopy(sd)
for _ in range(5):
    step(w, opt)
w2, opt2 = make()
with torch.no_grad():
    w2.copy_(saved_w)
opt2.load_state_dict(saved_sd)
for _ in range(5):
    step(w2, opt2)
print([round(v, 6) for v in w.tolist()])
print([round(v, 6) for v in w2.tolist()])
print(float(opt2.state_dict()["state"][0]["step"]))
