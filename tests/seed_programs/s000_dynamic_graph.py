# From shared/seeds/000_9fe708ea814e905f.txt, 2.2 (the dynamic graph): the tutorial's code as
# written; only the import line is added.
import torch

w = torch.tensor([1.], requires_grad=True)
x = torch.tensor([2.], requires_grad=True)

a = torch.add(w, x)
b = torch.add(w, 1)
y = torch.mul(a, b)
print(y)    # tensor([6.], grad_fn=<MulBackward0>)
