"""Zeroing .grad in place, as optimizers do between steps: .grad is plain data."""

CLAUSE = "ACC-3"
TITLE = "(x * x).sum().backward(); x.grad.zero_() at x = [1, 2]"


def pytorch(torch):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    x.grad.zero_()
    return x.grad


def paddle():
    import paddle

    x = paddle.to_tensor([1.0, 2.0], stop_gradient=False)
    (x * x).sum().backward()
    x.grad.zero_()
    return x.grad
