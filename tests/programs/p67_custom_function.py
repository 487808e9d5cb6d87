"""Custom autograd functions: a clamp with a straight-through gradient, a function with a saved
output differentiated twice, and one with two outputs, inside a small training loop."""
import torch
import torch.nn as nn
from torch.autograd import Function
from torch.autograd.function import once_differentiable


class StraightThroughClamp(Function):
    @staticmethod
    def forward(ctx, x, low, high):
        ctx.save_for_backward(x)
        ctx.low, ctx.high = low, high
        return x.clamp(low, high)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        inside = ((x >= ctx.low) & (x <= ctx.high)).to(grad.dtype)
        return grad * (0.5 + 0.5 * inside), None, None


class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        result = x.exp()
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad):
        (result,) = ctx.saved_tensors
        return grad * result


class SumAndSquare(Function):
    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x + y, x * x

    @staticmethod
    def backward(ctx, grad_sum, grad_square):
        x, y = ctx.saved_tensors
        return grad_sum + 2 * x * grad_square, grad_sum if ctx.needs_input_grad[1] else None


x = torch.tensor([-2.0, -0.5, 0.25, 3.0], requires_grad=True)
y = StraightThroughClamp.apply(x, -1.0, 1.0)
y.backward(torch.tensor([1.0, 2.0, 3.0, 4.0]))
print(y.grad_fn.name(), y.tolist(), x.grad.tolist())

z = torch.tensor([0.5, 1.5], requires_grad=True)
(g,) = torch.autograd.grad(Exp.apply(z * 2).sum(), z, create_graph=True)
(gg,) = torch.autograd.grad(g.sum(), z)
print([round(v, 5) for v in g.tolist()], [round(v, 5) for v in gg.tolist()])

a = torch.tensor([1.0, -1.0], requires_grad=True)
b = torch.tensor([0.5, 2.0])
s, q = SumAndSquare.apply(a, b)
(3 * s.sum() + q.sum()).backward()
print(s.tolist(), q.tolist(), a.grad.tolist(), s.requires_grad, q.requires_grad)

model = nn.Linear(3, 1)
model.load_state_dict({"weight": torch.tensor([[0.2, -0.1, 0.3]]), "bias": torch.tensor([0.05])})
opt = torch.optim.SGD(model.parameters(), lr=0.1)
inputs = torch.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0], [0.0, -1.0, 1.0]])
targets = torch.tensor([[0.5], [-0.2], [0.1]])
for step in range(5):
    opt.zero_grad()
    out = StraightThroughClamp.apply(model(inputs), -0.5, 0.5)
    loss = ((out - targets) ** 2).mean()
    loss.backward()
    opt.step()
    print(step, round(loss.item(), 6))
print([round(v, 5) for v in model.weight.flatten().tolist()])
