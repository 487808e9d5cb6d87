"""Assignment through a boolean mask of a tracked value."""

CLAUSE = "INPLACE-4"
TITLE = "y = zeros(3); y[mask] = (x * 2)[mask]; y.sum().backward() at x = [1, 2, 3], mask = [T, F, T]"


def pytorch(torch):
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    mask = torch.tensor([True, False, True])
    y = torch.zeros(3)
    y[mask] = (x * 2)[mask]
    y.sum().backward()
    return x.grad


def mygrad():
    import mygrad as mg
    import numpy as np

    x = mg.tensor([1.0, 2.0, 3.0])
    mask = np.array([True, False, True])
    y = mg.zeros(3, constant=True)
    y[mask] = (x * 2)[mask]
    y.sum().backward()
    return x.grad


def paddle():
    import paddle

    x = paddle.to_tensor([1.0, 2.0, 3.0], stop_gradient=False)
    mask = paddle.to_tensor([True, False, True])
    y = paddle.zeros([3])
    y[mask] = (x * 2)[mask]
    y.sum().backward()
    return x.grad
