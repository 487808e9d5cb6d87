"""Forward hooks that record activations, a pre-hook that rescales inputs, handles removed."""
import torch
import torch.nn as nn

net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
net.load_state_dict({k: torch.linspace(-0.5, 1.0, v.numel()).reshape(v.shape)
                     for k, v in net.state_dict().items()})
seen = {}


def record(name):
    def hook(module, inputs, output):
        seen[name] = output.detach().tolist()
    return hook


handles = [net[i].register_forward_hook(record(f"layer{i}")) for i in range(3)]
pre = net[0].register_forward_pre_hook(lambda module, inputs: (inputs[0] * 2,))
out = net(torch.tensor([[1.0, -1.0]]))
print(out.tolist())
for name in sorted(seen):
    print(name, seen[name])
for h in handles:
    h.remove()
pre.remove()
seen.clear()
print(net(torch.tensor([[1.0, -1.0]])).tolist(), seen)
double = net.register_forward_hook(lambda m, i, o: o * 10)
print(net(torch.tensor([[1.0, -1.0]])).tolist())
double.remove()
