"""Gradients of two graphs built one after the other add up in .grad."""

CLAUSE = "ACC-1"
TITLE = "(x * 2).sum().backward(); (x * x).sum().backward() at x = [1, 2]"


def pytorch(torch):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (x * 2).sum().backward()
    (x * x).sum().backward()
    return x.grad


def mygrad():
    import mygrad as mg

    x = mg.tensor([1.0, 2.0])
    (x * 2).sum().backward()
    (x * x).sum().backward()
    return x.grad


def paddle():
    import paddle

    x = paddle.to_tensor([1.0, 2.0], stop_gradient=False)
    (x * 2).sum().backward()
    (x * x).sum().backward()
    return x.grad
