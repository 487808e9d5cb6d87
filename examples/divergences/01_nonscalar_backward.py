"""backward() without a gradient on an output with several elements."""

CLAUSE = "BWD-2"
TITLE = "(x * 2).backward() on a tensor with two elements"


def pytorch(torch):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (x * 2).backward()
    return x.grad


def mygrad():
    import mygrad as mg

    x = mg.tensor([1.0, 2.0])
    (x * 2).backward()
    return x.grad


def paddle():
    import paddle

    x = paddle.to_tensor([1.0, 2.0], stop_gradient=False)
    (x * 2).backward()
    return x.grad


def autograd():
    import autograd.numpy as np
    from autograd import grad

    return grad(lambda x: x * 2)(np.array([1.0, 2.0]))
