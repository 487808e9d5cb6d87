# From shared/seeds/002_a7f86943d6cfd3a9.txt (利用 grad求二阶导数): the tutorial's code as
# written; only the import line is added.  (The page's other programs do not run on PyTorch
# either: `required_grad=`, `gtad_tensors`, `lr = 0.01 学习率`, `x0.data.numpy([:, 0])`.)
import torch

# 举例：利用 grad求二阶导数

x = torch.tensor([3.],requires_grad= True)
y = torch.pow(x, 2) # y = x**2

#必须create_graph设置为True，才能求二阶级导
grad_1 = torch.autograd.grad(y,x,create_graph= True) # grad_1 = dy/dx = 2x = 2* 3 = 6
print(grad_1)

grad_2 = torch.autograd.grad(grad_1[0], x) # grad_2 = d(dy/dx)/dx = d(2x)/dx = 2
print(grad_2)
