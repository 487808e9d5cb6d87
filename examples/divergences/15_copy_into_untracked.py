"""copy_ of a tracked value into a tensor that does not require grad is recorded."""

CLAUSE = "INPLACE-3"
TITLE = "y = zeros(2); y.copy_(x * 3); y.sum().backward() at x = [1, 2]"


def pytorch(torch):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = torch.zeros(2)
    y.copy_(x * 3)
    y.sum().backward()
    return x.grad


def paddle():
    import paddle

    x = paddle.to_tensor([1.0, 2.0], stop_gradient=False)
    y = paddle.zeros([2])
    y.copy_(x * 3)
    y.sum().backward()
    return x.grad
