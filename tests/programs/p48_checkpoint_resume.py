"""A training checkpoint (model, optimizer, epoch) saved half way; resuming from it gives the
result of training straight through."""
import io

import torch
import torch.nn as nn

X = torch.tensor([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
Y = torch.tensor([[1.0], [1.0], [0.0], [0.0]])


def fresh():
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))
    model.load_state_dict({k: torch.cos(torch.arange(v.numel()) * 1.7 + i).reshape(v.shape)
                           for i, (k, v) in enumerate(model.state_dict().items())})
    return model, torch.optim.SGD(model.parameters(), lr=0.3, momentum=0.8)


def train(model, opt, epochs):
    for _ in range(epochs):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(X), Y)
        loss.backward()
        opt.step()
    return loss.item()


model, opt = fresh()
train(model, opt, 20)
buf = io.BytesIO()
torch.save({"epoch": 20, "model": model.state_dict(), "optimizer": opt.state_dict()}, buf)
straight = train(model, opt, 20)
buf.seek(0)
ckpt = torch.load(buf)
model2, opt2 = fresh()
model2.load_state_dict(ckpt["model"])
opt2.load_state_dict(ckpt["optimizer"])
resumed = train(model2, opt2, 40 - ckpt["epoch"])
print(ckpt["epoch"], round(straight, 6), round(resumed, 6))
print(all(bool((a == b).all()) for a, b in zip(model.parameters(), model2.parameters())))
