"""backward() on a tensor that does not require grad: an error, and a RuntimeError."""

CLAUSE = "ERR-1"
TITLE = "c = tensor(2.0) (no grad); (c * c).backward()"


def pytorch(torch):
    c = torch.tensor(2.0)
    (c * c).backward()
    return c.grad


def mygrad():
    import mygrad as mg

    c = mg.tensor(2.0, constant=True)
    (c * c).backward()
    return c.grad


def paddle():
    import paddle

    c = paddle.to_tensor(2.0)
    (c * c).backward()
    return c.grad
