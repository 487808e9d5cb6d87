"""A second backward() through a graph whose saved tensors the first one freed."""

CLAUSE = "RETAIN-1"
TITLE = "y = x * x; y.backward(); y.backward() at x = 3"


def pytorch(torch):
    x = torch.tensor(3.0, requires_grad=True)
    y = x * x
    y.backward()
    y.backward()
    return x.grad


def mygrad():
    import mygrad as mg

    x = mg.tensor(3.0)
    y = x * x
    y.backward()
    y.backward()
    return x.grad


def paddle():
    import paddle

    x = paddle.to_tensor(3.0, stop_gradient=False)
    y = x * x
    y.backward()
    y.backward()
    return x.grad
