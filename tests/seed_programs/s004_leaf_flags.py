# From shared/seeds/004_35c3f6b61f0cec32.txt (In [2] and In [5], in order): the notebook's
# cells as written; only the import line is added.  The notebook printed b.grad after running
# In [5] three times (tensor([3.])); run once, it is tensor([1.]).
import torch
# 举个例子  z = w * x +b
x = torch.randn(1)
b = torch.randn(1, requires_grad=True)
w = torch.randn(1, requires_grad=True)
y = w * x
z = y + b
# 查看tensor是否需要求导，计算梯度
print(x.requires_grad, b.requires_grad, w.requires_grad, y.requires_grad)
# 查看 是否是叶子结点
print(x.is_leaf, b.is_leaf, w.is_leaf, y.is_leaf,z.is_leaf)

# 反向传播计算
z.backward(retain_graph = True)
print('w.grad:', w.grad)
print('b.grad:', b.grad) # 梯度会累加
