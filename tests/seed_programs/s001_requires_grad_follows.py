# From shared/seeds/001_1b84863bdccf68db.txt, 1 (requires_grad follows the leaves): the
# tutorial's code as written; only the import line is added.
import torch

################# 与叶子节点相关联requires_grad默认为True #########################

w = torch.tensor([1.], requires_grad=True)
x = torch.tensor([2.], requires_grad=True)

a = torch.add(w, x)
b = torch.add(w, 1)
y = torch.mul(a, b)

print(a.requires_grad, b.requires_grad, y.requires_grad)

# True True True
