"""The gradient of max() where the maximum is reached twice."""

CLAUSE = "NONDIFF-1"
TITLE = "x.max().backward() at x = [1, 3, 3]"


def pytorch(torch):
    x = torch.tensor([1.0, 3.0, 3.0], requires_grad=True)
    x.max().backward()
    return x.grad


def mygrad():
    import mygrad as mg

    x = mg.tensor([1.0, 3.0, 3.0])
    mg.max(x).backward()
    return x.grad


def paddle():
    import paddle

    x = paddle.to_tensor([1.0, 3.0, 3.0], stop_gradient=False)
    paddle.max(x).backward()
    return x.grad


def autograd():
    import autograd.numpy as np
    from autograd import grad

    return grad(np.max)(np.array([1.0, 3.0, 3.0]))
