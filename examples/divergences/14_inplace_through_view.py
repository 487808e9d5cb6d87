"""An in-place op through a view of a non-leaf changes the base, and its gradient."""

CLAUSE = "INPLACE-5"
TITLE = "y = x * 1; y[:2].mul_(10); y.sum().backward() at x = [1, 2, 3]"


def pytorch(torch):
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    y[:2].mul_(10)
    y.sum().backward()
    return x.grad


def mygrad():
    import mygrad as mg

    x = mg.tensor([1.0, 2.0, 3.0])
    y = x * 1
    v = y[:2]
    v *= 10
    y.sum().backward()
    return x.grad


def paddle():
    import paddle

    x = paddle.to_tensor([1.0, 2.0, 3.0], stop_gradient=False)
    y = x * 1
    y[:2].multiply_(paddle.to_tensor(10.0))
    y.sum().backward()
    return x.grad
