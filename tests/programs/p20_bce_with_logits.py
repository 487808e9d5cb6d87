"""BCEWithLogitsLoss on raw scores versus sigmoid + BCELoss: the same loss and gradients."""
import torch
import torch.nn as nn

scores = torch.tensor([[2.0], [-1.0], [0.0], [4.0]], requires_grad=True)
target = torch.tensor([[1.0], [0.0], [1.0], [0.0]])
a = nn.BCEWithLogitsLoss()(scores, target)
a.backward()
ga = scores.grad.clone()
scores.grad = None
b = nn.BCELoss()(torch.sigmoid(scores), target)
b.backward()
print(round(a.item(), 6), round(b.item(), 6))
print(ga.flatten().tolist())
print(scores.grad.flatten().tolist())
print(nn.BCEWithLogitsLoss(reduction="sum")(scores, target).item())
print(nn.BCEWithLogitsLoss(reduction="none")(scores, target).flatten().tolist())
