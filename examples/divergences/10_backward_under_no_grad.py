"""backward() called inside no_grad (as an optimizer loop might): it must still compute the
gradients of the graph built before."""

CLAUSE = "BWD-6"
TITLE = "y = (x * x).sum(); with no_grad: y.backward() at x = [1, 2]"


def pytorch(torch):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    with torch.no_grad():
        y.backward()
    return x.grad


def mygrad():
    import mygrad as mg

    x = mg.tensor([1.0, 2.0])
    y = (x * x).sum()
    with mg.no_autodiff:
        y.backward()
    return x.grad


def paddle():
    import paddle

    x = paddle.to_tensor([1.0, 2.0], stop_gradient=False)
    y = (x * x).sum()
    with paddle.no_grad():
        y.backward()
    return x.grad
