"""A tensor saved for backward is changed in place before backward runs."""

CLAUSE = "VERSION-2"
TITLE = "a = x * 1; y = (a * a).sum(); a.mul_(10); y.backward() at x = [1, 2]"


def pytorch(torch):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    a = x * 1
    y = (a * a).sum()
    a.mul_(10)
    y.backward()
    return x.grad


def mygrad():
    import mygrad as mg

    x = mg.tensor([1.0, 2.0])
    a = x * 1
    y = (a * a).sum()
    a *= 10
    y.backward()
    return x.grad


def paddle():
    import paddle

    x = paddle.to_tensor([1.0, 2.0], stop_gradient=False)
    a = x * 1
    y = (a * a).sum()
    a.multiply_(paddle.to_tensor(10.0))
    y.backward()
    return x.grad
