# From shared/seeds/001_1b84863bdccf68db.txt, 1 (gradients are not zeroed): the tutorial's code
# as written; only the import line is added.
import torch

#################### 梯度不自动清零 ##########################
w = torch.tensor([1.], requires_grad=True)
x = torch.tensor([2.], requires_grad=True)

for i in range(4):
    a = torch.add(w, x)
    b = torch.add(w, 1)
    y = torch.mul(a, b)

    y.backward()
    print(w.grad)

    # w.grad.zero_()

# 不注释 w.grad.zero_() :
# tensor([5.])
# tensor([5.])
# tensor([5.])
# tensor([5.])

# 注释 w.grad.zero_():
# tensor([5.])
# tensor([10.])
# tensor([15.])
# tensor([20.])
