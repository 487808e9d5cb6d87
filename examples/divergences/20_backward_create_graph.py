"""backward(create_graph=True) leaves a differentiable gradient in .grad."""

CLAUSE = "HIGHER-2"
TITLE = "(x ** 3).backward(create_graph=True); grad(x.grad, x) at x = 3"


def pytorch(torch):
    x = torch.tensor(3.0, requires_grad=True)
    (x ** 3).backward(create_graph=True)
    return torch.autograd.grad(x.grad, x)


def mygrad():
    import mygrad as mg

    x = mg.tensor(3.0)
    (x ** 3).backward(create_graph=True)
    return x.grad


def paddle():
    import paddle

    x = paddle.to_tensor(3.0, stop_gradient=False)
    (x ** 3).backward(create_graph=True)
    return paddle.grad(x.grad, x)
