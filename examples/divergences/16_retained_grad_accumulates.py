"""A non-leaf's retained gradient accumulates over backward passes, as a leaf's does."""

CLAUSE = "RETAINGRAD-2"
TITLE = "a = x * 2; a.retain_grad(); two backward passes of (a * a).sum(); a.grad at x = [1, 2]"


def pytorch(torch):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    a = x * 2
    a.retain_grad()
    y = (a * a).sum()
    y.backward(retain_graph=True)
    y.backward()
    return a.grad


def paddle():
    import paddle

    x = paddle.to_tensor([1.0, 2.0], stop_gradient=False)
    a = x * 2
    a.retain_grads()
    y = (a * a).sum()
    y.backward(retain_graph=True)
    y.backward()
    return a.grad
