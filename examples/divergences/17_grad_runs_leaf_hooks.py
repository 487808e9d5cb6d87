"""A hook on a leaf changes the gradient autograd.grad returns for it."""

CLAUSE = "HOOK-1"
TITLE = "x.register_hook(lambda g: g * 10); autograd.grad((x * x).sum(), x) at x = [1, 2]"


def pytorch(torch):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: g * 10)
    return torch.autograd.grad((x * x).sum(), x)


def paddle():
    import paddle

    x = paddle.to_tensor([1.0, 2.0], stop_gradient=False)
    x.register_hook(lambda g: g * 10)
    return paddle.grad((x * x).sum(), x)
