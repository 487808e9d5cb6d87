"""Two graphs built from the same leaf before either is backpropagated: the second backward
must still reach the leaf."""

CLAUSE = "ACC-1"
TITLE = "y1 = (x * 2).sum(); y2 = (x * 3).sum(); y1.backward(); y2.backward()"


def pytorch(torch):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y1, y2 = (x * 2).sum(), (x * 3).sum()
    y1.backward()
    y2.backward()
    return x.grad


def mygrad():
    import mygrad as mg

    x = mg.tensor([1.0, 2.0])
    y1, y2 = (x * 2).sum(), (x * 3).sum()
    y1.backward()
    y2.backward()
    return x.grad


def paddle():
    import paddle

    x = paddle.to_tensor([1.0, 2.0], stop_gradient=False)
    y1, y2 = (x * 2).sum(), (x * 3).sum()
    y1.backward()
    y2.backward()
    return x.grad
