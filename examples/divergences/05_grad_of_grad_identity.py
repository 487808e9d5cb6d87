"""Differentiating the derivative of the identity: the first derivative is a constant 1 with no
graph, so there is nothing to differentiate."""

CLAUSE = "HIGHER-4"
TITLE = "grad(grad(x -> x)) at x = 1"


def pytorch(torch):
    x = torch.tensor(1.0, requires_grad=True)
    (g,) = torch.autograd.grad(x, x, create_graph=True)
    return torch.autograd.grad(g, x)


def paddle():
    import paddle

    x = paddle.to_tensor(1.0, stop_gradient=False)
    (g,) = paddle.grad(x, x, create_graph=True)
    return paddle.grad(g, x)


def autograd():
    from autograd import grad

    return grad(grad(lambda x: x))(1.0)
