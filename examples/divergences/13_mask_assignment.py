"""Assignment of a tracked scalar through a boolean mask: the scalar fills two slots, and its
gradient is the sum of theirs."""

CLAUSE = "INPLACE-4"
TITLE = "y = x * 2; y[x > 2] = s; (y * [1, 2, 3, 4]).sum().backward(); (s.grad, x.grad) at x = [1, 2, 3, 4], s = 9"


def pytorch(torch):
    x = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    s = torch.tensor(9.0, requires_grad=True)
    y = x * 2
    y[x > 2] = s
    (y * torch.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    return s.grad, x.grad


def mygrad():
    import mygrad as mg

    x = mg.tensor([1.0, 2.0, 3.0, 4.0])
    s = mg.tensor(9.0)
    y = x * 2
    y[(x > 2)] = s
    (y * mg.tensor([1.0, 2.0, 3.0, 4.0], constant=True)).sum().backward()
    return s.grad, x.grad


def paddle():
    import paddle

    x = paddle.to_tensor([1.0, 2.0, 3.0, 4.0], stop_gradient=False)
    s = paddle.to_tensor(9.0, stop_gradient=False)
    y = x * 2
    y[x > 2] = s
    (y * paddle.to_tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    return s.grad, x.grad
