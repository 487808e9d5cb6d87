"""mm, mv, dot and batched matmul, with their gradients."""
import torch

A = torch.arange(6.0).reshape(2, 3).requires_grad_()
B = torch.linspace(-1, 1, 12).reshape(3, 4).requires_grad_()
v = torch.tensor([1.0, -1.0, 2.0], requires_grad=True)
(A @ B).sum().backward()
print(A.grad)
print(B.grad)
A.grad = None
print(torch.mv(A, v), torch.dot(v, v))
(torch.mv(A, v).sum() + torch.dot(v, v)).backward()
print(A.grad, v.grad)
X = torch.arange(24.0).reshape(2, 3, 4) / 10
W = torch.ones(4, 2, requires_grad=True)
out = torch.matmul(X, W)
print(out.shape)
out.sum().backward()
print(W.grad)
