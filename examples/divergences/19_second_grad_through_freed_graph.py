"""autograd.grad twice through the same graph without retain_graph."""

CLAUSE = "RETAIN-1"
TITLE = "y = (x * x).sum(); grad(y, x); grad(y, x) at x = [1, 2]"


def pytorch(torch):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    torch.autograd.grad(y, x)
    return torch.autograd.grad(y, x)


def paddle():
    import paddle

    x = paddle.to_tensor([1.0, 2.0], stop_gradient=False)
    y = (x * x).sum()
    paddle.grad(y, x)
    return paddle.grad(y, x)
