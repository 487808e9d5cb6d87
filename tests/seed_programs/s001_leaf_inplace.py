# From shared/seeds/001_1b84863bdccf68db.txt, 1 (no in-place operations on leaves): the
# tutorial's code as written; only the import line is added.  It ends with the RuntimeError the
# tutorial shows (exit code 1).
import torch

################# 与叶子节点无法in-place操作 #########################
w = torch.tensor([1.], requires_grad=True)
x = torch.tensor([2.], requires_grad=True)

a = torch.add(w, x)
b = torch.add(w, 1)
y = torch.mul(a, b)

w.add_(1)

y.backward()

# Traceback (most recent call last):
#   File "/tmp/pytorch学习/WeekOne/lesson-5.py", line 99, in <module>
#     w.add_(1)
# RuntimeError: a leaf Variable that requires grad has been used in an in-place operation.
