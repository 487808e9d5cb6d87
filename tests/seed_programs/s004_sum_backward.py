# From shared/seeds/004_35c3f6b61f0cec32.txt (In [1]): the notebook cell as written.
import torch

x = torch.randn(3,4,requires_grad=True)
print(x)

# 使用 requires_grad 参数
# x.requires_grad = True

y  = torch.randn(3,4 ,requires_grad=True)
print(y)

t = x + y
z = t.sum()
print(z)

z.backward()
print(y.grad)

print(x.requires_grad, y.requires_grad, z.requires_grad)
