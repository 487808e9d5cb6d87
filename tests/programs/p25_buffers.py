"""register_buffer: persistent buffers are in the state dict, non-persistent ones are not."""
import torch
import torch.nn as nn


class Normalizer(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.register_buffer("running_mean", torch.zeros(n))
        self.register_buffer("count", torch.tensor(0))
        self.register_buffer("scratch", torch.ones(n), persistent=False)
        self.linear = nn.Linear(n, 1)

    def forward(self, x):
        if self.training:
            with torch.no_grad():
                self.running_mean.mul_(0.9).add_(0.1 * x.mean(dim=0))
                self.count += 1
        return self.linear(x - self.running_mean)


m = Normalizer(2)
print(list(m.state_dict().keys()))
print([n for n, _ in m.named_buffers()], [n for n, _ in m.named_parameters()])
for i in range(5):
    m(torch.tensor([[1.0, 2.0], [3.0, 4.0]]) * (i + 1))
print(m.running_mean, m.count)
m.eval()
m(torch.ones(1, 2))
print(m.count.item(), m.training, m.linear.training)
