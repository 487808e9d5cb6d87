"""A model written with torch.nn.functional only: tensors as weights, F.linear, F.relu, losses."""
import torch
import torch.nn.functional as F

W1 = (torch.linspace(-1, 1, 12).reshape(4, 3) * 0.5).requires_grad_()
b1 = torch.zeros(4, requires_grad=True)
W2 = (torch.linspace(1, -1, 8).reshape(2, 4) * 0.5).requires_grad_()
x = torch.tensor([[1.0, 2.0, 3.0], [-1.0, 0.0, 1.0]])
target = torch.tensor([1, 0])
for step in range(25):
    h = F.relu(F.linear(x, W1, b1))
    logits = F.linear(h, W2)
    loss = F.cross_entropy(logits, target)
    for p in (W1, b1, W2):
        p.grad = None
    loss.backward()
    with torch.no_grad():
        for p in (W1, b1, W2):
            p -= 0.2 * p.grad
print(round(loss.item(), 6))
print(F.softmax(logits, dim=1).detach().tolist())
print(round(F.mse_loss(h, torch.ones_like(h)).item(), 6),
      round(F.binary_cross_entropy(torch.sigmoid(logits[:, 0]), torch.tensor([1.0, 0.0])).item(), 6))
print(F.log_softmax(torch.tensor([1.0, 2.0, 3.0]), dim=0).tolist(), F.tanh(torch.tensor(0.5)).item())
