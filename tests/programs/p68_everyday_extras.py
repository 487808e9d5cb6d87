"""Everyday extras: pairwise distances, distinct values, std_mean, Softplus and Upsample layers,
a model as one parameter vector, and shorter printing."""
import torch
import torch.nn as nn
from torch.nn.utils import parameters_to_vector, vector_to_parameters

points = torch.tensor([[0.0, 0.0], [3.0, 4.0], [1.0, 1.0]], requires_grad=True)
centres = torch.tensor([[0.0, 1.0], [2.0, 2.0]])
d = torch.cdist(points, centres)
print([[round(v, 5) for v in row] for row in d.tolist()])
d.min(dim=1).values.sum().backward()
print([[round(v, 5) for v in row] for row in points.grad.tolist()])

labels = torch.tensor([3, 1, 3, 2, 1, 3])
values, inverse, counts = torch.unique(labels, return_inverse=True, return_counts=True)
print(values.tolist(), inverse.tolist(), counts.tolist())

x = torch.tensor([[1.0, 2.0, 4.0], [3.0, 5.0, 9.0]], requires_grad=True)
std, mean = torch.std_mean(x, dim=1)
var, mean0 = torch.var_mean(x, 0, keepdim=True)
(std.sum() + mean0.sum()).backward()
print([round(v, 5) for v in std.tolist()], mean.tolist(), [round(v, 5) for v in x.grad.flatten().tolist()])

act = nn.Softplus(beta=2.0)
up = nn.Upsample(scale_factor=2, mode="nearest")
image = torch.tensor([[[[-1.0, 0.5], [2.0, 0.0]]]])
print(act, up, [round(v, 5) for v in act(image).flatten().tolist()], tuple(up(image).shape))

model = nn.Sequential(nn.Linear(2, 2), nn.Softplus(), nn.Linear(2, 1))
vector = torch.linspace(-1.0, 1.0, 9)
vector_to_parameters(vector, model.parameters())
flat = parameters_to_vector(model.parameters())
print(flat.tolist() == vector.tolist(), round(model(torch.tensor([[1.0, -2.0]])).item(), 5))

torch.set_printoptions(precision=2)
print(torch.tensor([1.23456, -0.5, 10.0]))
torch.set_printoptions(profile="default")
print(torch.tensor([1.23456, -0.5, 10.0]))
