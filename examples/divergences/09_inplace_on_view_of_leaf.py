"""An in-place op on a view of a leaf that requires grad."""

CLAUSE = "INPLACE-1"
TITLE = "v = x[:2]; v.mul_(2); x.sum().backward() at x = [1, 2, 3]"


def pytorch(torch):
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = x[:2]
    v.mul_(2)
    x.sum().backward()
    return x.grad


def mygrad():
    import mygrad as mg

    x = mg.tensor([1.0, 2.0, 3.0])
    v = x[:2]
    v *= 2
    x.sum().backward()
    return x.grad


def paddle():
    import paddle

    x = paddle.to_tensor([1.0, 2.0, 3.0], stop_gradient=False)
    v = x[:2]
    v.multiply_(paddle.to_tensor(2.0))
    x.sum().backward()
    return x.grad
