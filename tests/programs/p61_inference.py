"""Evaluation: no_grad and inference_mode, eval(), argmax accuracy, outputs that need no grad."""
import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2))
model.load_state_dict({k: torch.linspace(-1, 1, v.numel()).reshape(v.shape) * (i + 1)
                       for i, (k, v) in enumerate(model.state_dict().items())})
x = torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0], [2.0, 0.5]])
labels = torch.tensor([0, 1, 0, 1])
model.eval()
with torch.no_grad():
    logits = model(x)
print(logits.requires_grad, logits.grad_fn)
pred = logits.argmax(dim=1)
print(pred.tolist(), (pred == labels).sum().item(), (pred == labels).float().mean().item())
with torch.inference_mode():
    probs = torch.softmax(model(x), dim=1)
print(probs.requires_grad, [round(p, 4) for p in probs[:, 1].tolist()])
values, idx = logits.max(dim=1)
print(values.tolist(), idx.tolist())
