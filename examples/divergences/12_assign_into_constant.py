"""Assigning a tracked value into a tensor that does not require grad makes it part of the
graph."""

CLAUSE = "INPLACE-4"
TITLE = "c = zeros(3); c[0] = (x * 3)[0]; c.sum().backward() at x = [2]"


def pytorch(torch):
    x = torch.tensor([2.0], requires_grad=True)
    c = torch.zeros(3)
    c[0] = (x * 3)[0]
    c.sum().backward()
    return x.grad


def mygrad():
    import mygrad as mg

    x = mg.tensor([2.0])
    c = mg.zeros(3, constant=True)
    c[0] = (x * 3)[0]
    c.sum().backward()
    return x.grad


def paddle():
    import paddle

    x = paddle.to_tensor([2.0], stop_gradient=False)
    c = paddle.zeros([3])
    c[0] = (x * 3)[0]
    c.sum().backward()
    return x.grad
