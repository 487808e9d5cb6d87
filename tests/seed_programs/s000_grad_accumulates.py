# From shared/seeds/000_9fe708ea814e905f.txt, 3 (gradients are not zeroed): the tutorial's code
# as written; only the import line is added.
import torch

w = torch.tensor([1.], requires_grad=True)
x = torch.tensor([2.], requires_grad=True)

for i in range(4):
    a = torch.add(w, x)
    b = torch.add(w, 1)
    y = torch.mul(a, b)

    y.backward()
    print(w.grad)
