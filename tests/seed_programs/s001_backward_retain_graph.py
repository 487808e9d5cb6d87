# From shared/seeds/001_1b84863bdccf68db.txt, 1(1) (torch.autograd.backward): the tutorial's code
# as written; only the import line is added.
import torch

w = torch.tensor([1.], requires_grad=True)   # 创建叶子张量,并设定requires_grad为True,因为需要计算梯度;
x = torch.tensor([2.], requires_grad=True)   # 创建叶子张量,并设定requires_grad为True,因为需要计算梯度;

a = torch.add(w, x)   # 执行运算并搭建动态计算图
b = torch.add(w, 1)
y = torch.mul(a, b)

y.backward(retain_graph=True)  # 对y执行backward方法就可以得到x和w两个叶子节点
print(w.grad)   
# tensor([5.])
