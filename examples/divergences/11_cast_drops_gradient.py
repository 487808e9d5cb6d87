"""A dtype cast is an op like any other: the gradient flows back through it."""

CLAUSE = "LEAF-3"
TITLE = "x float32; x.double().sum().backward() at x = [1, 2]"


def pytorch(torch):
    x = torch.tensor([1.0, 2.0], dtype=torch.float32, requires_grad=True)
    x.double().sum().backward()
    return x.grad


def mygrad():
    import mygrad as mg
    import numpy as np

    x = mg.tensor([1.0, 2.0], dtype=np.float32)
    x.astype(np.float64).sum().backward()
    return x.grad


def paddle():
    import paddle

    x = paddle.to_tensor([1.0, 2.0], dtype="float32", stop_gradient=False)
    x.astype("float64").sum().backward()
    return x.grad
