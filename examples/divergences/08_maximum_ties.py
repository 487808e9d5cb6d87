"""The gradient of maximum(a, b) where a == b: PyTorch gives each side half."""

CLAUSE = "NONDIFF-1"
TITLE = "maximum(a, b).backward() at a = b = 2; (a.grad, b.grad)"


def pytorch(torch):
    a = torch.tensor(2.0, requires_grad=True)
    b = torch.tensor(2.0, requires_grad=True)
    torch.maximum(a, b).backward()
    return a.grad, b.grad


def mygrad():
    import mygrad as mg

    a, b = mg.tensor(2.0), mg.tensor(2.0)
    mg.maximum(a, b).backward()
    return a.grad, b.grad


def paddle():
    import paddle

    a = paddle.to_tensor(2.0, stop_gradient=False)
    b = paddle.to_tensor(2.0, stop_gradient=False)
    paddle.maximum(a, b).backward()
    return a.grad, b.grad


def autograd():
    import autograd.numpy as np
    from autograd import grad

    return grad(np.maximum, 0)(2.0, 2.0), grad(np.maximum, 1)(2.0, 2.0)
