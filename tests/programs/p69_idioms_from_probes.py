# PyTorch idioms that independent probes of real programs printed differently, gathered:
# the graph of a Linear layer and of batched matmul, exception names, version checks, the
# default dtype for integer results, integer dtype= sums, einsum's sublist form, scatter with
# reduce='multiply', adaptive pooling's exact averages, recurrent layers' output nodes, node
# hooks, a broadcasting regression loss and the multi-class hinge loss.
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.simplefilter("ignore")  # (the notices go to stderr; this corpus compares stdout)


def graph(fn, depth=0):
    if fn is None or depth > 3:
        return
    print("  " * depth + fn.name().rsplit("::", 1)[-1])
    for child, _ in fn.next_functions:
        graph(child, depth + 1)


layer = nn.Linear(4, 3)
with torch.no_grad():
    layer.weight.copy_(torch.linspace(-1, 1, 12).reshape(3, 4))
    layer.bias.copy_(torch.tensor([0.1, -0.2, 0.3]))
x = torch.linspace(-2, 2, 8).reshape(2, 4).requires_grad_()
graph(layer(x).grad_fn)
graph(layer(x.reshape(1, 2, 4)).grad_fn)
graph((x.reshape(2, 1, 4) @ torch.ones(4, 2)).grad_fn)
print(x.t().reshape(-1).grad_fn.name(),
      torch.bmm(x.reshape(1, 2, 4), torch.ones(1, 4, 1)).grad_fn.name())

w = torch.ones(2, requires_grad=True)
try:
    w.add_(1)
except RuntimeError as e:
    print(type(e).__name__, str(e).split(".")[0])
try:
    torch.ones(2, 3) + torch.ones(3, 2)
except RuntimeError as e:
    print(type(e).__name__, str(e).split(":")[0])
print(torch.__version__ >= "2.0", torch.__version__ >= (1, 13), torch.version.cuda)

torch.set_default_dtype(torch.float64)
ints = torch.tensor([1, 2, 3])
print((ints / 2).dtype, torch.sqrt(ints).dtype, torch.Tensor([1, 2]).dtype, ints.sum() / 2)
torch.set_default_dtype(torch.float32)
print(torch.tensor([100, 100]).sum(dtype=torch.int8), torch.tensor([1, 2]).cumsum(0, dtype=torch.int32))

a, b = torch.arange(6.).reshape(2, 3), torch.arange(12.).reshape(3, 4)
print(torch.einsum(a, [0, 1], b, [1, 2], [0, 2]))
idx = torch.tensor([[0, 1, 0], [1, 0, 1]])
print(torch.ones(2, 3).scatter(0, idx, a + 1, reduce="multiply"))
print(F.adaptive_avg_pool2d(torch.arange(49.).reshape(1, 1, 7, 7), 3))

for cls in (nn.LSTM, nn.GRU):
    rnn = cls(3, 2, bidirectional=True, batch_first=True)
    out = rnn(torch.ones(1, 4, 3))[0]
    print(cls.__name__, out.shape, out.grad_fn.name(), out.grad_fn.next_functions[0][0].name())

y = x * 3
seen = []
y.grad_fn.register_prehook(lambda go: seen.append(go[0].shape))
y.grad_fn.register_hook(lambda gi, go: (gi[0] * 2, gi[1]))
y.grad_fn.metadata["name"] = "triple"
y.sum().backward()
print(seen, x.grad, y.grad_fn.metadata)

pred = torch.linspace(0, 1, 4).reshape(4, 1)
print(F.mse_loss(pred, torch.arange(4.)), nn.L1Loss()(pred, torch.arange(4.)))
scores = torch.linspace(-1, 1, 12).reshape(3, 4)
print(nn.MultiMarginLoss()(scores, torch.tensor([0, 3, 1])),
      F.multi_margin_loss(scores, torch.tensor([2, 2, 2]), p=2, margin=0.5))
