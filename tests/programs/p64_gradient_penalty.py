"""A gradient penalty: the gradient of the input is itself differentiated (create_graph)."""
import torch
import torch.nn as nn

critic = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))
critic.load_state_dict({k: torch.sin(torch.arange(v.numel()) * 0.8 + i).reshape(v.shape)
                        for i, (k, v) in enumerate(critic.state_dict().items())})
x = torch.tensor([[0.5, -0.5], [1.0, 2.0]], requires_grad=True)
out = critic(x).sum()
(grad_x,) = torch.autograd.grad(out, x, create_graph=True)
penalty = ((grad_x ** 2).sum(dim=1).sqrt() - 1) ** 2
penalty.mean().backward()
print([round(v, 5) for v in grad_x.flatten().tolist()])
print([round(v, 5) for v in critic[0].weight.grad.flatten().tolist()])
print(round(penalty.mean().item(), 6))
